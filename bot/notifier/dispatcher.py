"""The outbox dispatcher: durable, ordered per chat, within Telegram's flood limits.

Guarantee: at-least-once. A notification is marked sent only after Telegram (or the webhook
receiver) accepted it, in a transaction of its own; if the process dies in between, the row's
lease expires and it is sent again. So a duplicate is possible only for a message that was in
flight when a process died: at most one per destination per crash, since a destination has at
most one row in flight. Webhook receivers can drop such repeats by the X-Ticketbot-Delivery id.
The claim of a round also reads what rendering its rows needs, in the same transaction.
A round that would find nothing is told by a read first, so an idle dispatcher takes no write
lock.

Order: a destination's rows go out strictly by id, one at a time (the claim never hands out a
row while an older row of its destination is pending). Limits: every send takes its slot from
the process's one pacer (bot/notifier/pacer.py), which the direct replies of the handlers share,
so a chat's cards, notices and replies together stay under its limit; a chat whose next slot is
further off than INLINE_WAIT (a group busy with replies) is deferred in the database rather
than waited for, so the rest of the round goes on. After each message its destination is also
held in the database for the chat's interval, so that other processes honour it (with several
processes, give each its share of `messages_per_second`). A 429 holds its chat, and only it,
for exactly retry_after: in the pacer and in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Final

import aiohttp
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import DispatcherSettings, WebhookTarget
from bot.domain.notices import Notice, PlatformMessage
from bot.notifier.pacer import Pacer, PaceRules
from bot.notifier.plan import (
    Delivery,
    Facts,
    Planner,
    PlatformDelivery,
    Skipped,
    TelegramDelivery,
    WebhookDelivery,
    fallback_notice,
)
from bot.notifier.platform import PlatformPoster
from bot.rendering.messages import Message
from bot.services.platform import record_platform_answer
from bot.services.receipts import AnsweredReceipts
from storage.database import Database
from storage.delivery import OutboxRow
from storage.transaction import Transaction

log = logging.getLogger(__name__)

#: A chat whose next slot is at most this many seconds away is waited for in the round; one
#: further off is deferred in the database (no attempt counted) and claimed again then.
INLINE_WAIT: Final = 2.5
#: Longest wait between retries of a failing notification.
MAX_BACKOFF: Final = timedelta(minutes=10)
#: Rows claimed per round; at most one per destination.
CLAIM_LIMIT: Final = 50
_NOT_MODIFIED: Final = "message is not modified"
_EDIT_GONE: Final = ("message to edit not found", "message can't be edited")


class Sender:
    """What the dispatcher needs from Telegram (a PTB Bot adapter implements it)."""

    async def send(self, chat_id: int, message: Message) -> int:
        raise NotImplementedError

    async def edit(self, chat_id: int, message_id: int, message: Message) -> None:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What happened to one delivery, recorded in the batch's closing transaction."""

    row: OutboxRow
    sent: bool = False
    #: Permanent failure: dead-lettered with this error.
    dead: str | None = None
    #: Transient failure: try again at this time.
    retry_at: datetime | None = None
    error: str | None = None
    #: Hold the destination (flood wait or per-chat spacing) until this time.
    hold_until: datetime | None = None
    card: tuple[int, int, int] | None = None  # ticket_id, chat_id, message_id
    escalation: tuple[int, int, int] | None = None  # the same, of a first escalation
    refused_user: int | None = None
    fallback: Notice | None = None
    #: A platform's final answer (None: accepted) to the message of a platform delivery.
    platform_answer: tuple[PlatformMessage, str | None] | None = None


class Dispatcher:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        planner: Planner,
        sender: Sender,
        settings: DispatcherSettings,
        *,
        webhooks: tuple[WebhookTarget, ...] = (),
        bot_username: Callable[[], str] = lambda: "",
        group_chat_of: Callable[[int], int | None] = lambda team_id: None,
        http: aiohttp.ClientSession | None = None,
        platforms: PlatformPoster | None = None,
        pacer: Pacer | None = None,
        receipts: AnsweredReceipts | None = None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._planner = planner
        self._sender = sender
        self._settings = settings
        self._secrets = {hook.url: hook.secret.get_secret_value() for hook in webhooks}
        self._bot_username = bot_username
        self._group_chat_of = group_chat_of
        self._http = http
        self._platforms = platforms
        self._owner = f"dispatcher-{uuid.uuid4().hex[:12]}"
        # Shared with the direct replies (the composition root passes the process's pacer).
        self._pacer = pacer or Pacer(PaceRules.of(settings))
        # The database sets it after a commit that wrote to the outbox.
        self._wake = database.outbox_written
        self._receipts = receipts or AnsweredReceipts()

    def wake(self) -> None:
        """Something was committed to the outbox: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; a failing round is logged and retried after a pause."""
        poll = self._settings.poll_interval.total_seconds()
        while not stop.is_set():
            try:
                delivered = await self.deliver_once()
            except Exception:
                log.exception("outbox round failed; retrying in %.1fs", poll)
                delivered = 0
            if delivered:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(self._wake, stop), timeout=poll)

    async def deliver_once(self) -> int:
        """One round: claim and load (one transaction), render, send and record each row.
        Returns how many rows were settled."""
        now = self._clock.now()
        lease_until = now + self._settings.lease
        answered = self._receipts.take()
        if not answered and not await self._db.lookup(lambda tx: tx.outbox.any_due(now)):
            return 0  # nothing to claim: no write transaction for it

        def claim(tx: Transaction) -> tuple[list[OutboxRow], Facts | None]:
            # Receipts told directly are settled before anything due is claimed.
            tx.outbox.cancel(answered, now, "answered directly")
            rows = tx.outbox.claim(
                now, self._owner, lease_until, CLAIM_LIMIT, skip_locked=tx.skip_locked
            )
            return rows, (self._planner.load(tx, rows) if rows else None)

        try:
            rows, facts = await self._db.transact(claim)
        except Exception:
            self._receipts.restore(answered)
            raise
        if not rows or facts is None:
            return 0
        planned = self._planner.plan(rows, facts, now)
        if len(planned) == 1:
            await self._settle(planned[0])  # the usual round: no task to make and gather
        else:
            await asyncio.gather(*(self._settle(delivery) for delivery in planned))
        return len(planned)

    async def _settle(self, delivery: Delivery) -> None:
        """Deliver one row and record what happened at once, in a transaction of its own: a
        crash can then repeat only a message in flight, not a whole round's (one slow send
        would otherwise hold back the records of the round's others)."""
        outcome = await self._deliver(delivery)
        await self._db.transact(partial(self._record, outcome=outcome))

    # --- one delivery ------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> _Outcome:
        if isinstance(delivery, Skipped):
            return _Outcome(delivery.row, sent=True, error=delivery.reason)
        if isinstance(delivery, WebhookDelivery):
            return await self._post(delivery)
        if isinstance(delivery, PlatformDelivery):
            return await self._to_platform(delivery)
        return await self._telegram(delivery)

    async def _to_platform(self, delivery: PlatformDelivery) -> _Outcome:
        """A reply or appeal, retried with backoff; its final answer goes on the timeline."""
        row, message = delivery.row, delivery.message
        if self._platforms is None:
            return _Outcome(row, dead="no platforms configured")
        answer = await self._platforms.post(message, row.id, self._clock.now())
        if answer.error is None:
            return _Outcome(row, sent=True, platform_answer=(message, None))
        if answer.retry:
            outcome = self._retry(row, answer.error)
            if outcome.dead is None:
                return outcome
            return replace(outcome, platform_answer=(message, answer.error))
        log.error("platform %s refused outbox #%s: %s", message.platform, row.id, answer.error)
        return _Outcome(row, dead=answer.error, platform_answer=(message, answer.error))

    async def _telegram(self, delivery: TelegramDelivery) -> _Outcome:
        row, chat_id = delivery.row, delivery.chat_id
        busy = self._pacer.ready_in(chat_id)
        if busy > INLINE_WAIT:
            # Replies (or another round) took this chat's next slots: come back then.
            until = self._clock.now() + timedelta(seconds=busy)
            return _Outcome(row, hold_until=until, error="paced: the chat is busy")
        await self._pacer.wait(chat_id)
        try:
            message_id = delivery.edit_message_id
            if message_id is not None:
                try:
                    await self._sender.edit(chat_id, message_id, delivery.message)
                except BadRequest as error:
                    if _NOT_MODIFIED in error.message.lower():
                        pass  # the card already shows this: harmless
                    elif any(gone in error.message.lower() for gone in _EDIT_GONE):
                        message_id = await self._sender.send(chat_id, delivery.message)
                    else:
                        raise
            else:
                message_id = await self._sender.send(chat_id, delivery.message)
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            until = self._clock.now() + wait
            self._pacer.hold(chat_id, wait.total_seconds())
            log.warning(
                "flood wait %.0fs on chat %s (outbox #%s)", wait.total_seconds(), chat_id, row.id
            )
            # A flood wait is not the row's fault: no attempt is counted.
            return _Outcome(row, hold_until=until, error=f"429 retry after {wait}")
        except Forbidden as error:
            return self._refused(delivery, error)
        except BadRequest as error:
            log.error("outbox #%s to chat %s dead-lettered: %s", row.id, chat_id, error.message)
            return _Outcome(row, dead=f"400 {error.message}")
        except NetworkError as error:
            return self._retry(row, f"network: {error}")
        except TelegramError as error:
            log.error("outbox #%s to chat %s failed: %s", row.id, chat_id, error)
            return _Outcome(row, dead=f"telegram: {error}")
        card = (
            (delivery.card_ticket_id, chat_id, message_id)
            if delivery.card_ticket_id is not None and message_id is not None
            else None
        )
        escalation = (
            (delivery.escalation_ticket_id, chat_id, message_id)
            if delivery.escalation_ticket_id is not None and message_id is not None
            else None
        )
        return _Outcome(
            row,
            sent=True,
            hold_until=self._spacing(chat_id),
            card=card,
            escalation=escalation,
        )

    def _spacing(self, chat_id: int) -> datetime:
        """Until when other processes leave the chat alone after a message."""
        return self._clock.now() + timedelta(seconds=self._pacer.rule.rules.interval(chat_id))

    def _refused(self, delivery: TelegramDelivery, error: Forbidden) -> _Outcome:
        """403: a private chat the user never opened (or blocked) goes to the team's group."""
        row, chat_id = delivery.row, delivery.chat_id
        group = (
            self._group_chat_of(delivery.fallback_team_id)
            if delivery.fallback_team_id is not None
            else None
        )
        if chat_id <= 0 or group is None:
            log.error("outbox #%s to chat %s refused: %s", row.id, chat_id, error.message)
            return _Outcome(row, dead=f"403 {error.message}")
        fallback = fallback_notice(row, chat_id, delivery.message, self._bot_username(), group)
        log.info("user %s has not started the bot: outbox #%s goes to the group", chat_id, row.id)
        return _Outcome(
            row,
            dead=f"403 {error.message}; sent to the group instead",
            refused_user=chat_id,
            fallback=fallback,
        )

    def _retry(self, row: OutboxRow, error: str) -> _Outcome:
        attempts = row.attempts + 1
        if attempts >= self._settings.max_attempts:
            log.error("outbox #%s dead after %d attempts: %s", row.id, attempts, error)
            return _Outcome(row, dead=f"gave up after {attempts} attempts: {error}")
        backoff = min(timedelta(seconds=2**attempts), MAX_BACKOFF)
        log.warning(
            "outbox #%s attempt %d failed (%s); retry in %s", row.id, attempts, error, backoff
        )
        return _Outcome(row, retry_at=self._clock.now() + backoff, error=error)

    async def _post(self, delivery: WebhookDelivery) -> _Outcome:
        """POST the event as JSON, signed with HMAC-SHA256 of the body."""
        row = delivery.row
        if self._http is None:
            return _Outcome(row, dead="no HTTP client for webhooks")
        secret = self._secrets.get(delivery.url)
        if secret is None:
            return _Outcome(row, dead=f"webhook {delivery.url} is no longer configured")
        body = json.dumps(delivery.body, ensure_ascii=False, sort_keys=True).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Ticketbot-Signature": f"sha256={signature}",
            "X-Ticketbot-Delivery": str(row.id),
            "X-Ticketbot-Event": str(delivery.body.get("event")),
        }
        try:
            async with self._http.post(
                delivery.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._retry(row, f"webhook: {error!r}")
        if 200 <= status < 300:
            return _Outcome(row, sent=True)
        if status in (408, 425, 429) or status >= 500:
            return self._retry(row, f"webhook answered {status}")
        log.error("webhook #%s to %s refused with %s", row.id, delivery.url, status)
        return _Outcome(row, dead=f"webhook answered {status}")

    # --- recording ---------------------------------------------------------------------------

    def _record(self, tx: Transaction, outcome: _Outcome) -> None:
        now = self._clock.now()
        row = outcome.row
        if outcome.sent:
            tx.outbox.mark_sent(row.id, self._owner, now)
        elif outcome.dead is not None:
            tx.outbox.mark_dead(row.id, self._owner, outcome.dead, now)
        elif outcome.retry_at is not None:
            tx.outbox.retry_later(row.id, self._owner, outcome.retry_at, outcome.error or "")
        else:
            tx.outbox.release(row.id, self._owner, outcome.error or "")
        if outcome.hold_until is not None and outcome.hold_until > now:
            tx.outbox.defer_destination(row.destination, outcome.hold_until)
        if outcome.card is not None:
            tx.cards.remember(*outcome.card, now)
        if outcome.escalation is not None:
            tx.escalations.remember(*outcome.escalation, now)
        if outcome.refused_user is not None:
            tx.people.set_dm_open(outcome.refused_user, False)
        if outcome.fallback is not None:
            tx.outbox.add(row.team_id, [outcome.fallback], now)
        if outcome.platform_answer is not None:
            record_platform_answer(tx, *outcome.platform_answer, now)


def _seconds(value: int | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
