"""One pacer for everything the bot sends to a chat: direct replies, edits, cards, notices.

Telegram counts every message (and every edit) a bot sends to a chat, whoever in the bot sent
it: about 1 per second in a private chat, 20 per minute in a group, 30 per second overall. So
the outbox dispatcher and the handlers' direct replies reserve their sends from one pacer,
which spaces each chat's messages evenly with a margin (Telegram's windows punish sending right
at the limit, and a message does not reach Telegram exactly when it leaves) and every message
overall at `messages_per_second`.

A 429 (flood wait) holds the chat it answered, for exactly its retry_after: other chats go on.
Telegram does not say whether a flood wait is the chat's or the whole bot's; when a second chat
is refused while the first is still held, it is taken as the bot's, and everything waits.

`SendRule` is the rule, on float seconds of a monotonic clock the caller passes in (pure, so
tests step it by hand); `Pacer` waits for the slots it hands out on the event loop's clock.
A caller sleeps until its slot, then sends unless a flood wait began meanwhile (then it
reserves again); comparisons with the clock allow TOLERANCE, so float rounding (a loop clock
in whole microseconds) cannot make it spin.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.config import DispatcherSettings

#: Per chat, messages are spaced this much more than Telegram's figure (1.1 s in a private
#: chat, 3.3 s in a group).
CHAT_MARGIN: Final = 1.1
#: Overall, messages are spaced this much more than `messages_per_second` allows.
GLOBAL_MARGIN: Final = 1.05
#: Slots closer than this (seconds) count as equal: reservations are floats, the clock is not.
TOLERANCE: Final = 1e-3


@dataclass(frozen=True, slots=True)
class PaceRules:
    """Seconds between two messages: to one private chat, to one group, and overall."""

    private_interval: float = 1.0 * CHAT_MARGIN
    group_interval: float = 3.0 * CHAT_MARGIN
    global_interval: float = GLOBAL_MARGIN / 30

    @classmethod
    def of(cls, settings: DispatcherSettings) -> PaceRules:
        return cls(
            private_interval=settings.private_chat_interval.total_seconds() * CHAT_MARGIN,
            group_interval=60.0 / settings.group_messages_per_minute * CHAT_MARGIN,
            global_interval=GLOBAL_MARGIN / settings.messages_per_second,
        )

    def interval(self, chat_id: int) -> float:
        # Private chats have the user's (positive) id; groups and channels negative ids.
        return self.private_interval if chat_id > 0 else self.group_interval


@dataclass(slots=True)
class _Chat:
    #: The earliest time the next message may go.
    next_free: float = 0.0
    #: A flood wait: nothing goes before this time.
    held_until: float = 0.0


class SendRule:
    """When the next message to a chat may go, and the reservations made so far."""

    def __init__(self, rules: PaceRules) -> None:
        self.rules = rules
        self._chats: dict[int, _Chat] = {}
        #: Reserved send times (sorted), across all chats; past ones are dropped.
        self._slots: list[float] = []
        #: A bot-wide flood wait: nothing goes anywhere before this time.
        self._paused_until = 0.0

    def ready_at(self, chat_id: int, now: float) -> float:
        """The earliest time a message to `chat_id` may go (ignoring the overall pace)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return max(now, self._paused_until)
        return max(now, chat.next_free, chat.held_until, self._paused_until)

    def held(self, chat_id: int, now: float) -> bool:
        """Whether a flood wait keeps messages from `chat_id` at `now`."""
        chat = self._chats.get(chat_id)
        until = max(self._paused_until, chat.held_until if chat else 0.0)
        return until > now + TOLERANCE

    def reserve(self, chat_id: int, now: float, *, count: int = 1) -> float:
        """Reserve the earliest slot for `count` messages to `chat_id` (an album counts each
        of its messages) and return its time."""
        at = self.ready_at(chat_id, now)
        gap = self.rules.global_interval
        self._forget(now - gap)
        # The first time at or after `at` that keeps `gap` from every reserved slot.
        start = bisect.bisect_left(self._slots, at - gap + TOLERANCE)
        for slot in self._slots[start:]:
            if slot >= at + gap - TOLERANCE:
                break
            at = slot + gap
        for n in range(count):
            bisect.insort(self._slots, at + n * gap)
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.next_free = at + (count - 1) * gap + self.rules.interval(chat_id)
        return at

    def hold(self, chat_id: int, now: float, until: float) -> None:
        """A flood wait for `chat_id`: nothing goes there before `until`; nothing goes anywhere
        if another chat is held too (the bot's limit, not the chat's, was hit)."""
        if any(other != chat_id and held.held_until > now for other, held in self._chats.items()):
            self._paused_until = max(self._paused_until, until)
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.held_until = max(chat.held_until, until)
        chat.next_free = max(chat.next_free, until)

    def _forget(self, before: float) -> None:
        """Drop what no longer constrains anything (slots and chats in the past)."""
        del self._slots[: bisect.bisect_left(self._slots, before)]
        if len(self._chats) > 1024:
            self._chats = {
                chat_id: chat
                for chat_id, chat in self._chats.items()
                if max(chat.next_free, chat.held_until) > before
            }


def loop_time() -> float:
    return asyncio.get_running_loop().time()


class Pacer:
    """The rule on a clock: waits for the slot it reserves. One per bot process, shared by the
    outbox dispatcher and PTB's rate limiter (handlers/telegram/pacing.py)."""

    def __init__(self, rules: PaceRules, monotonic: Callable[[], float] = loop_time) -> None:
        self.rule = SendRule(rules)
        self._monotonic = monotonic

    def ready_in(self, chat_id: int) -> float:
        """Seconds until a message to `chat_id` may go (0: now)."""
        now = self._monotonic()
        return self.rule.ready_at(chat_id, now) - now

    async def wait(self, chat_id: int, *, count: int = 1) -> None:
        """Wait for, and take, the next slot of `chat_id` (again if a flood wait began while
        waiting for it)."""
        while True:
            now = self._monotonic()
            delay = self.rule.reserve(chat_id, now, count=count) - now
            if delay > TOLERANCE:
                await asyncio.sleep(delay)
            if not self.rule.held(chat_id, self._monotonic()):
                return

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for `chat_id`: hold that chat for `seconds`."""
        now = self._monotonic()
        self.rule.hold(chat_id, now, now + seconds)
