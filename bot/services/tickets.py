"""Ticket use cases: create, act on, attach evidence to, and sweep tickets."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from bot.clock import Clock
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.deadlines import action_due
from bot.domain.errors import Conflict, NotFound, UsageError
from bot.domain.model import Action, Event, EvidenceType, Kind, Outcome
from bot.domain.notifications import Notice, chat_destination, notices_for
from bot.domain.permissions import Actor
from bot.domain.ticket import Change, Ticket, open_ticket
from bot.services.directory import Directory
from bot.services.lookups import load_ticket, member_id
from storage.database import Database
from storage.transaction import Transaction

log = logging.getLogger(__name__)

#: How long an album's acknowledgement waits for the album's other files to arrive.
ALBUM_SETTLE: Final = timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class Created:
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class DuplicateFound:
    """An open ticket for the same order and kind exists; create again only if confirmed."""

    number: int


@dataclass(frozen=True, slots=True)
class Acted:
    before: Ticket
    ticket: Ticket
    event: Event


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
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._archiver = archiver

    def kind_of(self, ticket: Ticket) -> Kind:
        """The ticket's kind; a kind removed from the config keeps working with SLA defaults."""
        return self._directory.kind_or_default(ticket.kind)

    # --- create ----------------------------------------------------------------------------

    async def create(
        self,
        actor: Actor,
        command: CreateTicket,
        *,
        confirmed: bool = False,
        update_id: int | None = None,
        in_group: bool = True,
    ) -> Created | DuplicateFound:
        """Open a ticket; DuplicateFound (nothing written) when one is open for the same order
        and kind and the caller has not confirmed."""
        directory = self._directory
        kind = directory.kind(command.kind) if command.kind else directory.default_kind()
        assignee = command.assignee or _default_assignee(kind)
        now = self._clock.now()
        team_id = actor.team_id
        audience = directory.audience(team_id)

        def body(tx: Transaction) -> Created | DuplicateFound:
            context = tx.tickets.creation_context(
                team_id, command.order_id, kind.name, assignee.username if assignee else None
            )
            if context.duplicate_number is not None and not confirmed:
                return DuplicateFound(context.duplicate_number)
            assignee_id = context.assignee_id
            if assignee is not None and assignee.username is None:
                assignee_id = member_id(tx, team_id, assignee)
            elif assignee is not None and assignee_id is None:
                raise NotFound("notfound.member", username=assignee.username)
            if update_id is not None:
                tx.processed.claim(update_id, now)
            change = open_ticket(
                actor,
                number=tx.tickets.next_number(team_id),
                order_id=command.order_id,
                kind=kind,
                description=command.description,
                assignee_id=assignee_id,
                at=now,
                policy=directory.policy,
            )
            ticket = replace(change.ticket, id=tx.tickets.add(change.ticket))
            tx.events.append(ticket.id or 0, team_id, change.event)
            notices = notices_for(Change(ticket, change.event), audience, seen_in_group=in_group)
            tx.outbox.add(team_id, notices, now)
            return Created(ticket)

        return await self._db.transact(body)

    # --- act on a ticket -------------------------------------------------------------------

    async def act(
        self,
        actor: Actor,
        action: Action,
        *,
        number: int | None = None,
        ticket_id: int | None = None,
        text: str | None = None,
        assignee: UserRef | None = None,
        expected_version: int | None = None,
        update_id: int | None = None,
        in_group: bool = False,
    ) -> Acted:
        """Do one action on one ticket of the actor's team, as one transaction.

        `in_group`: the action was taken in the team's group, which then needs no notice of it.
        """
        now = self._clock.now()

        def body(tx: Transaction) -> Acted:
            ticket = load_ticket(tx, actor, number=number, ticket_id=ticket_id)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(number=ticket.number)
            assignee_id = member_id(tx, actor.team_id, assignee) if assignee else None
            change = ticket.apply(
                actor,
                action,
                at=now,
                kind=self.kind_of(ticket),
                policy=self._directory.policy,
                text=text,
                assignee_id=assignee_id,
            )
            if update_id is not None:
                tx.processed.claim(update_id, now)
            self._write(tx, ticket, change, now, seen_in_group=in_group)
            return Acted(ticket, change.ticket, change.event)

        return await self._db.transact(body)

    async def record_outcome(
        self,
        actor: Actor,
        outcome: Outcome,
        *,
        number: int | None = None,
        ticket_id: int | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        update_id: int | None = None,
        in_group: bool = False,
    ) -> Acted:
        """agreed → resolved, disagreed → escalated, done (kinds without outcome) → resolved.

        `expected_version` is the version a button was shown with; by default the current one.
        """
        ticket = await self._db.read(
            lambda tx: load_ticket(tx, actor, number=number, ticket_id=ticket_id)
        )
        action = self.kind_of(ticket).outcome_action(outcome)
        return await self.act(
            actor,
            action,
            ticket_id=ticket.id,
            text=note,
            expected_version=ticket.version if expected_version is None else expected_version,
            update_id=update_id,
            in_group=in_group,
        )

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
        tx.outbox.add(before.team_id, notices, now)

    # --- evidence --------------------------------------------------------------------------

    async def attach_evidence(
        self,
        actor: Actor,
        file: EvidenceFile,
        *,
        number: int | None = None,
        ticket_id: int | None = None,
        reply_chat_id: int | None = None,
        update_id: int | None = None,
    ) -> Attached:
        """Attach one file; limits from [evidence]; a file already attached is not added twice.

        With [evidence] archive_dir set, the file is downloaded first (outside any
        transaction) and its path and sha256 are stored with the row.
        """
        limits = self._directory.settings.evidence
        if file.type not in limits.allowed:
            raise UsageError("evidence", "evidence_type", type=file.type.value)
        if file.size is not None and file.size > limits.max_bytes:
            raise UsageError("evidence", "evidence_too_big", size=file.size, limit=limits.max_bytes)

        def check(tx: Transaction) -> Attached | Ticket:
            ticket = load_ticket(tx, actor, number=number, ticket_id=ticket_id)
            assert ticket.id is not None
            if tx.evidence.exists(ticket.id, file.file_unique_id):
                return Attached(ticket, tx.evidence.count(ticket.id), True, False)
            if tx.evidence.count(ticket.id) >= limits.max_files_per_ticket:
                raise UsageError("evidence", "evidence_too_many", limit=limits.max_files_per_ticket)
            # Refuse before downloading anything the ticket would not accept.
            ticket.apply(
                actor,
                Action.ADD_EVIDENCE,
                at=self._clock.now(),
                kind=self.kind_of(ticket),
                policy=self._directory.policy,
            )
            return ticket

        checked = await self._db.read(check)
        if isinstance(checked, Attached):
            return checked
        archived = None
        if self._archiver is not None and limits.archive_dir is not None:
            archived = await self._archiver(file, checked.team_id, checked.number)
        now = self._clock.now()

        def body(tx: Transaction) -> Attached:
            ticket = load_ticket(tx, actor, ticket_id=checked.id)
            assert ticket.id is not None
            if tx.evidence.exists(ticket.id, file.file_unique_id):
                return Attached(ticket, tx.evidence.count(ticket.id), True, False)
            change = ticket.apply(
                actor,
                Action.ADD_EVIDENCE,
                at=now,
                kind=self.kind_of(ticket),
                policy=self._directory.policy,
                payload={"type": file.type.value, "file_name": file.file_name},
            )
            album_started = bool(file.media_group_id) and not tx.evidence.of_media_group(
                file.media_group_id or ""
            )
            if update_id is not None:
                tx.processed.claim(update_id, now)
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
                    {
                        "template": "album_ack",
                        "ticket_id": ticket.id,
                        "media_group_id": file.media_group_id,
                        "user_id": actor.user_id,
                    },
                    delay=ALBUM_SETTLE,
                )
                tx.outbox.add(ticket.team_id, [album_ack], now)
            return Attached(change.ticket, tx.evidence.count(ticket.id), False, album_started)

        return await self._db.transact(body)

    # --- the sweep -------------------------------------------------------------------------

    async def apply_due(self, limit: int) -> int:
        """Apply due reminders and escalations (one batch, one transaction); returns how many.

        Each due ticket's next action time advances in the same transaction as its event and
        notices, so it is reminded or escalated exactly once, however many processes sweep.
        """
        now = self._clock.now()

        def body(tx: Transaction) -> int:
            due = tx.tickets.due(now, limit, skip_locked=tx.skip_locked)
            events: list[tuple[int, int, Event]] = []
            for ticket in due:
                assert ticket.id is not None
                assert ticket.next_action is not None
                action = action_due(ticket.next_action, ticket.due_at, now)
                change = ticket.apply(
                    Actor.system(ticket.team_id),
                    action,
                    at=now,
                    kind=self.kind_of(ticket),
                    policy=self._directory.policy,
                )
                tx.tickets.save(change.ticket, expected_version=ticket.version)
                events.append((ticket.id, ticket.team_id, change.event))
                audience = self._directory.audience(ticket.team_id)
                tx.outbox.add(ticket.team_id, notices_for(change, audience, before=ticket), now)
            tx.events.append_many(events)
            return len(events)

        return await self._db.transact(body)


def _default_assignee(kind: Kind) -> UserRef | None:
    if kind.default_assignee is None:
        return None
    if isinstance(kind.default_assignee, int):
        return UserRef(user_id=kind.default_assignee)
    return UserRef(username=kind.default_assignee.lstrip("@"))
