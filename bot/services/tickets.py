"""Ticket use cases: create, act on, attach evidence to, and sweep tickets."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, TypeVar

from bot.clock import Clock
from bot.domain.actions import ACTIONS, OUTCOME_ACTIONS
from bot.domain.changes import ChangeTicket, Origin, TicketRef
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.deadlines import EscalationPolicy, action_due
from bot.domain.errors import Conflict, NotFound, Refused, UsageError
from bot.domain.model import Action, Event, EvidenceType, Kind, Outcome
from bot.domain.notices import (
    AlbumAck,
    CreationReceipt,
    Notice,
    chat_destination,
    receipt_destination,
)
from bot.domain.notifications import card, notices_for
from bot.domain.people import Person
from bot.domain.platform import PlatformLink
from bot.domain.ticket import Change, Ticket, open_ticket
from bot.services.directory import Directory
from bot.services.lookups import load_ticket, member_id
from bot.services.platform_side import platform_side
from bot.services.receipts import AnsweredReceipts
from bot.services.roster import Roster
from bot.services.updates import UpdateLedger
from storage.database import Database
from storage.transaction import Transaction

log = logging.getLogger(__name__)

R = TypeVar("R")

#: How long an album's acknowledgement waits for the album's other files to arrive.
ALBUM_SETTLE: Final = timedelta(seconds=2)
#: How long a creation receipt waits for the direct reply to go out (and be cancelled) before
#: the dispatcher sends it in the reply's stead.
RECEIPT_GRACE: Final = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Created:
    ticket: Ticket
    #: The assignee as stored, read in the creating transaction (the reply names them).
    assignee: Person | None = None
    #: The destination of the creator's receipt: cancel it (`answered`) once they were told.
    receipt: str | None = None


@dataclass(frozen=True, slots=True)
class DuplicateFound:
    """An open ticket for the same order and kind exists; create again only if confirmed."""

    number: int


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the ticket's card shows beyond the ticket: the people it names, its evidence."""

    people: dict[int, Person]
    evidence: int


@dataclass(frozen=True, slots=True)
class Acted:
    before: Ticket
    ticket: Ticket
    event: Event
    #: Read in the action's transaction when asked for (a card pressed gets redrawn).
    card: CardFacts | None = None


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file a user sent, as Telegram describes it."""

    type: EvidenceType
    file_id: str
    file_unique_id: str
    size: int | None
    file_name: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    media_group_id: str | None = None


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    path: str
    sha256: str


#: Downloads a file to the evidence archive (the Telegram adapter provides it).
Archiver = Callable[[EvidenceFile, int, int], Awaitable[ArchivedFile]]


@dataclass(frozen=True, slots=True)
class Attached:
    ticket: Ticket
    count: int
    duplicate: bool
    #: The first file of an album: its acknowledgement is scheduled for the whole album.
    album_started: bool


class TicketService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        directory: Directory,
        archiver: Archiver | None = None,
        *,
        roster: Roster | None = None,
        updates: UpdateLedger | None = None,
        receipts: AnsweredReceipts | None = None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._archiver = archiver
        self._roster = roster or Roster(directory)
        self._updates = updates or UpdateLedger()
        self._receipts = receipts or AnsweredReceipts()

    async def _transact(self, body: Callable[[Transaction], R]) -> R:
        """Run a use case's body; its update id (claimed in the body) needs no other record."""
        claimed: list[int] = []

        def run(tx: Transaction) -> R:
            result = body(tx)
            if tx.processed.claimed is not None:
                claimed.append(tx.processed.claimed)
            return result

        result = await self._db.transact(run)
        for update_id in claimed:  # committed
            self._updates.claimed(update_id)
        return result

    def policy_of(self, ticket: Ticket) -> EscalationPolicy:
        """The ticket's SLA rules: its team's calendar when its kind counts working time."""
        return self._directory.policy_for(ticket.team_id, self.kind_of(ticket))

    def kind_of(self, ticket: Ticket) -> Kind:
        """The ticket's kind; a kind removed from the config keeps working with SLA defaults."""
        return self._directory.kind_or_default(ticket.kind)

    # --- create ----------------------------------------------------------------------------

    async def create(
        self,
        command: CreateTicket,
        origin: Origin,
        *,
        confirmed: bool = False,
        platform: PlatformLink | None = None,
        due_at: datetime | None = None,
        receipt_chat: int | None = None,
    ) -> Created | DuplicateFound:
        """Open a ticket; DuplicateFound (nothing written) when one is open for the same order
        and kind and the caller has not confirmed.

        With `receipt_chat` (where the creator asked), a receipt naming the new ticket is
        written with it, held back for RECEIPT_GRACE: the caller cancels it (`answered`) once
        its direct reply went out, so a reply lost to a crash or an outage is still made.

        A platform's ticket (`platform`) is due at the platform's `due_at`, and is opened once
        per platform ticket id: sent again, the ticket it became is returned."""
        directory = self._directory
        kind = directory.kind(command.kind) if command.kind else directory.default_kind()
        assignee = command.assignee or _default_assignee(kind)
        now = self._clock.now()
        team_id = origin.actor.team_id
        audience = directory.audience(team_id)
        profile = directory.team(team_id)
        topic_chat = profile.team.chat_id if profile.settings.topics == "per_ticket" else None

        def body(tx: Transaction) -> Created | DuplicateFound:
            replayed = _replayed(tx, origin)
            if replayed is not None:
                return Created(replayed)
            if platform is not None:
                known = tx.platform.by_platform_id(platform.platform, platform.platform_ticket_id)
                existing = tx.tickets.by_id(known.ticket_id or 0) if known else None
                if existing is not None:
                    _claim(tx, origin, now)
                    return Created(existing)
            context = tx.tickets.creation_context(
                team_id, command.order_id, kind.name, assignee.username if assignee else None
            )
            actor = self._roster.current(tx, origin.actor, version=context.directory_version)
            if context.duplicate_number is not None and not confirmed:
                return DuplicateFound(context.duplicate_number)
            assignee_id = context.assignee_id
            if assignee is not None and assignee.username is None:
                assignee_id = member_id(tx, team_id, assignee)
            elif assignee is not None and assignee_id is None:
                if platform is None:
                    raise NotFound("notfound.member", username=assignee.username)
                # A platform's ticket is taken in all the same; the group sees it unassigned.
                log.warning("default assignee @%s is not a member yet", assignee.username)
            _claim(tx, origin, now)
            change = open_ticket(
                actor,
                number=tx.tickets.next_number(team_id),
                order_id=command.order_id,
                kind=kind,
                description=command.description,
                assignee_id=assignee_id,
                at=now,
                policy=directory.policy_for(team_id, kind),
                due_at=due_at,
            )
            if origin.event_details:
                event = change.event
                change = replace(
                    change, event=replace(event, payload=event.payload | origin.event_details)
                )
            ticket = replace(change.ticket, id=tx.tickets.add(change.ticket))
            tx.events.append(ticket.id or 0, team_id, change.event)
            if topic_chat is not None:
                tx.topics.want(ticket.id or 0, team_id, topic_chat, now)
            if platform is not None:
                tx.platform.add(platform, ticket.id or 0, now)
            if origin.idempotency is not None:
                tx.tokens.remember(origin.idempotency, ticket.id or 0, now)
            notices = notices_for(
                replace(change, ticket=ticket), audience, seen_in_group=origin.in_group
            )
            # Named by username, the assignee was read with the context.
            named = context.assignee
            if assignee_id is not None and assignee_id != context.assignee_id:
                named = tx.people.person(assignee_id)
            receipt = None
            if receipt_chat is not None:
                key = origin.update_id if origin.update_id is not None else ticket.id or 0
                notice = Notice(
                    receipt_destination(receipt_chat, key),
                    CreationReceipt(ticket.id or 0, ticket.number),
                    delay=RECEIPT_GRACE,
                )
                # The receipt's destination is its own (this update's): what cancels it.
                receipt = notice.destination
                notices = [*notices, notice]
            tx.outbox.add(team_id, notices, now)
            return Created(ticket, named, receipt)

        return await self._transact(body)

    def answered(self, created: Created) -> None:
        """The creator got the direct reply: their receipt is not needed any more. Cancelled by
        the dispatcher's next claim, not by a write of its own (a command costs one write)."""
        if created.receipt is not None:
            self._receipts.answered(created.receipt)

    # --- act on a ticket -------------------------------------------------------------------

    async def execute(
        self, command: ChangeTicket, origin: Origin, *, with_card: bool = False
    ) -> Acted:
        """Do one action on one ticket of the actor's team, as one transaction: the change,
        its event, its notices and the origin's update id commit together. `with_card` reads
        what the ticket's card shows in that transaction too."""
        now = self._clock.now()

        def body(tx: Transaction) -> Acted:
            actor = self._roster.current(tx, origin.actor)
            ticket = load_ticket(tx, actor, command.ticket)
            seen = command.ticket.seen
            if seen is not None and ticket.stamp != seen:
                # Something that matters happened since the button was drawn.
                raise Conflict(number=ticket.number)
            kind = self.kind_of(ticket)
            action = command.action
            if isinstance(action, Outcome):
                kind.check_outcome(action)
                action = OUTCOME_ACTIONS[action]
            # A platform's ticket is answered to the platform, appealed to it too; who may act
            # is settled first, so that only they learn what a reply still lacks.
            ticket.check(actor, action)
            side = platform_side(tx, ticket, action, command)
            assignee = command.assignee
            spec = ACTIONS[action]
            # Only an action with a cooldown needs to know when it was last done.
            last_done_at = tx.events.last_at(ticket.id or 0, spec.event) if spec.cooldown else None
            change = ticket.apply(
                actor,
                action,
                at=now,
                kind=kind,
                policy=self.policy_of(ticket),
                text=command.text,
                assignee_id=member_id(tx, actor.team_id, assignee) if assignee else None,
                payload=dict(command.details)
                | (side.payload if side else {})
                | origin.event_details,
                last_done_at=last_done_at,
            )
            _claim(tx, origin, now)
            self._write(tx, ticket, change, now, seen_in_group=origin.in_group)
            if side is not None:
                side.commit(tx, ticket, now)
            card = _card_facts(tx, change.ticket) if with_card else None
            return Acted(ticket, change.ticket, change.event, card)

        return await self._transact(body)

    def _write(
        self,
        tx: Transaction,
        before: Ticket,
        change: Change,
        now: datetime,
        *,
        seen_in_group: bool = False,
    ) -> None:
        """The change, its one event and its notices: the three writes of every action."""
        tx.tickets.save(change.ticket, expected_version=before.version)
        tx.events.append(before.id or 0, before.team_id, change.event)
        audience = self._directory.audience(before.team_id)
        notices = notices_for(change, audience, before=before, seen_in_group=seen_in_group)
        tx.outbox.add(before.team_id, [*notices, *group_cards(tx, change.ticket)], now)

    # --- evidence --------------------------------------------------------------------------

    async def attach_evidence(
        self,
        file: EvidenceFile,
        ticket: TicketRef,
        origin: Origin,
        *,
        reply_chat_id: int | None = None,
    ) -> Attached:
        """Attach one file; limits from [evidence]; a file already attached is not added twice.

        With [evidence] archive_dir set, the file is downloaded first (outside any
        transaction) and its path and sha256 are stored with the row.
        """
        actor = origin.actor
        limits = self._directory.settings.evidence
        if file.type not in limits.allowed:
            raise UsageError("evidence", "evidence_type", type=file.type.value)
        if file.size is not None and file.size > limits.max_bytes:
            raise UsageError("evidence", "evidence_too_big", size=file.size, limit=limits.max_bytes)

        def check(tx: Transaction) -> Attached | Ticket:
            found = load_ticket(tx, actor, ticket)
            assert found.id is not None
            if tx.evidence.exists(found.id, file.file_unique_id):
                return Attached(found, tx.evidence.count(found.id), True, False)
            if tx.evidence.count(found.id) >= limits.max_files_per_ticket:
                raise UsageError("evidence", "evidence_too_many", limit=limits.max_files_per_ticket)
            # Refuse before downloading anything the ticket would not accept.
            found.apply(
                actor,
                Action.ADD_EVIDENCE,
                at=self._clock.now(),
                kind=self.kind_of(found),
                policy=self.policy_of(found),
            )
            return found

        checked = await self._db.read(check)
        if isinstance(checked, Attached):
            return checked
        archived = None
        if self._archiver is not None and limits.archive_dir is not None:
            archived = await self._archiver(file, checked.team_id, checked.number)
        now = self._clock.now()

        def body(tx: Transaction) -> Attached:
            tx.tickets.lock(checked.id or 0)
            actor = self._roster.current(tx, origin.actor)
            ticket = load_ticket(tx, actor, TicketRef(ticket_id=checked.id))
            assert ticket.id is not None
            if tx.evidence.exists(ticket.id, file.file_unique_id):
                return Attached(ticket, tx.evidence.count(ticket.id), True, False)
            # Again here: files handled concurrently (an album) all passed the check above.
            if tx.evidence.count(ticket.id) >= limits.max_files_per_ticket:
                raise UsageError("evidence", "evidence_too_many", limit=limits.max_files_per_ticket)
            change = ticket.apply(
                actor,
                Action.ADD_EVIDENCE,
                at=now,
                kind=self.kind_of(ticket),
                policy=self.policy_of(ticket),
                payload={"type": file.type.value, "file_name": file.file_name},
            )
            album_started = bool(file.media_group_id) and not tx.evidence.of_media_group(
                file.media_group_id or ""
            )
            _claim(tx, origin, now)
            tx.evidence.add(
                {
                    "ticket_id": ticket.id,
                    "team_id": ticket.team_id,
                    "type": file.type.value,
                    "file_id": file.file_id,
                    "file_unique_id": file.file_unique_id,
                    "file_name": file.file_name,
                    "mime_type": file.mime_type,
                    "size": file.size,
                    "caption": file.caption,
                    "media_group_id": file.media_group_id,
                    "uploader_id": actor.user_id,
                    "at": now,
                    "archive_path": archived.path if archived else None,
                    "sha256": archived.sha256 if archived else None,
                }
            )
            self._write(tx, ticket, change, now)
            if album_started and reply_chat_id is not None:
                album_ack = Notice(
                    chat_destination(reply_chat_id),
                    AlbumAck(ticket.id, file.media_group_id, actor.user_id),
                    delay=ALBUM_SETTLE,
                )
                tx.outbox.add(ticket.team_id, [album_ack], now)
            return Attached(change.ticket, tx.evidence.count(ticket.id), False, album_started)

        return await self._transact(body)

    # --- the sweep -------------------------------------------------------------------------

    async def apply_due(self, limit: int) -> int:
        """Apply due reminders and escalations (one batch, one transaction); returns how many.

        Each due ticket's next action time advances in the same transaction as its event and
        notices, so it is reminded or escalated exactly once, however many processes sweep.
        """
        now = self._clock.now()

        def body(tx: Transaction) -> int:
            due = tx.tickets.due(now, limit, skip_locked=tx.skip_locked)
            # One read for the whole batch: a read per ticket was about half of a sweep's time.
            shown = tx.cards.group_chats([ticket.id for ticket in due if ticket.id is not None])
            events: list[tuple[int, int, Event]] = []
            for ticket in due:
                assert ticket.id is not None
                assert ticket.next_action is not None
                action = action_due(ticket.next_action, ticket.due_at, now)
                change = ticket.apply(
                    Origin.scheduler(ticket.team_id).actor,
                    action,
                    at=now,
                    kind=self.kind_of(ticket),
                    policy=self.policy_of(ticket),
                )
                tx.tickets.save(change.ticket, expected_version=ticket.version)
                events.append((ticket.id, ticket.team_id, change.event))
                audience = self._directory.audience(ticket.team_id)
                notices = notices_for(change, audience, before=ticket)
                redrawn = group_cards(tx, change.ticket, shown)
                tx.outbox.add(ticket.team_id, [*notices, *redrawn], now)
            tx.events.append_many(events)
            return len(events)

        return await self._db.transact(body)


def _card_facts(tx: Transaction, ticket: Ticket) -> CardFacts:
    ids = {ticket.creator_id} | ({ticket.assignee_id} if ticket.assignee_id else set())
    if ticket.cancel_request is not None:
        ids.add(ticket.cancel_request.requested_by)
    return CardFacts(tx.people.people(ids), tx.evidence.count(ticket.id or 0))


def _default_assignee(kind: Kind) -> UserRef | None:
    if kind.default_assignee is None:
        return None
    if isinstance(kind.default_assignee, int):
        return UserRef(user_id=kind.default_assignee)
    return UserRef(username=kind.default_assignee.lstrip("@"))


def _replayed(tx: Transaction, origin: Origin) -> Ticket | None:
    """The ticket an API request with the same Idempotency-Key made; Refused when the key
    came with another body (which ticket was meant cannot be known)."""
    request = origin.idempotency
    seen = tx.tokens.request(request.token_id, request.key) if request else None
    if request is None or seen is None:
        return None
    body_hash, ticket_id = seen
    if body_hash != request.body_hash:
        raise Refused("refused.idempotency_key_reused")
    return tx.tickets.by_id(ticket_id)


def _claim(tx: Transaction, origin: Origin, now: datetime) -> None:
    """Record what makes the change happen once (an update id) in the change's transaction."""
    if origin.update_id is not None:
        tx.processed.claim(origin.update_id, now)
    if origin.platform_event is not None:
        tx.platform.claim(*origin.platform_event, now)


def group_cards(
    tx: Transaction, ticket: Ticket, shown: Mapping[int, Sequence[int]] | None = None
) -> list[Notice]:
    """Every card of the ticket shown in a group is redrawn with it (the private ones are
    refreshed by the action's own rules). `shown`: the groups of a batch's tickets, read at
    once (CardRepository.group_chats); else they are read for this ticket."""
    ticket_id = ticket.id or 0
    chats = (shown if shown is not None else tx.cards.group_chats([ticket_id])).get(ticket_id, ())
    return [card(ticket, chat_id) for chat_id in chats]
