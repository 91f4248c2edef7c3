"""Tickets, their timeline and evidence: the SQL for every ticket query lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from bot.domain.deadlines import NextAction
from bot.domain.errors import Conflict
from bot.domain.exports import EXPORT_EVENTS, ExportFacts, facts_by_ticket
from bot.domain.model import (
    PENDING_STATUSES,
    Action,
    CancelRequest,
    Event,
    EventType,
    Outcome,
    Status,
)
from bot.domain.people import Person
from bot.domain.ticket import Ticket
from bot.domain.views import EvidenceItem, TicketStats, TimelineEntry
from storage import prepared
from storage.delivery import card_message_query
from storage.people import person_from_row
from storage.prepared import Prepared
from storage.tables import cards, events, evidence, members, teams, tickets, users

_PENDING: Final = [status.value for status in PENDING_STATUSES]

_NEXT_NUMBER: Final = Prepared(
    update(teams)
    .where(teams.c.id == bindparam("team_id"))
    .values(last_number=teams.c.last_number + 1)
    .returning(teams.c.last_number)
)
_INSERT_TICKET: Final = Prepared(insert(tickets).returning(tickets.c.id))
_BY_ID: Final = Prepared(select(tickets).where(tickets.c.id == bindparam("ticket_id")))
_BY_NUMBER: Final = select(tickets).where(
    tickets.c.team_id == bindparam("team_id"), tickets.c.number == bindparam("number")
)


def _evidence_count(ticket_id: ColumnElement[int]) -> Select[int]:
    return select(func.count()).select_from(evidence).where(evidence.c.ticket_id == ticket_id)


_EVIDENCE_COUNT: Final = _evidence_count(bindparam("ticket_id"))
#: A ticket, how many files it has and the card showing it in a chat: what a card is drawn from.
_FOR_CARD: Final = Prepared(
    select(
        tickets,
        _evidence_count(tickets.c.id).scalar_subquery().label("evidence_count"),
        card_message_query(cards, tickets.c.id).scalar_subquery().label("card_message_id"),
    ).where(tickets.c.id == bindparam("ticket_id"))
)


def pending_duplicate_query() -> Select[Any]:
    """An open ticket of the team for the same order and kind (the duplicate warning).

    Any one will do: no ORDER BY, which would make SQLite walk the team's tickets by number
    instead of seeking ix_tickets_team_id_order_id_kind. Binds: team_id, order_id, kind.
    """
    return (
        select(tickets.c.number)
        .where(
            tickets.c.team_id == bindparam("team_id"),
            tickets.c.order_id == bindparam("order_id"),
            tickets.c.kind == bindparam("kind"),
            # OR of plain binds rather than IN: an IN list is re-rendered on every execution.
            or_(*(tickets.c.status == literal(status) for status in _PENDING)),
        )
        .limit(1)
    )


def due_query(limit: int) -> Select[Any]:
    """Tickets whose next timed action is due (bind: now), from ix_tickets_next_action_at."""
    return (
        select(tickets)
        .where(tickets.c.next_action_at.is_not(None), tickets.c.next_action_at <= bindparam("now"))
        .order_by(tickets.c.next_action_at)
        .limit(limit)
    )


#: What creating a ticket reads first, in one round trip and built once: the team's row with
#: the member named by @username (their user row, if any), an open duplicate's number, and
#: the roster version (see bot/services/roster.py).
_CREATION_CONTEXT: Final = Prepared(
    select(
        *users.c,
        pending_duplicate_query().scalar_subquery().label("duplicate_number"),
        teams.c.directory_version,
    )
    .select_from(
        teams.outerjoin(
            users.join(members, members.c.user_id == users.c.id),
            and_(
                users.c.username_key == bindparam("username_key"),
                members.c.team_id == teams.c.id,
            ),
        )
    )
    .where(teams.c.id == bindparam("team_id"))
    .limit(1)
)
_INSERT_EVENT: Final = Prepared(insert(events))
#: SET takes every column passed at execution; the WHERE on version refuses a stale write.
_SAVE: Final = update(tickets).where(
    tickets.c.id == bindparam("ticket_id"), tickets.c.version == bindparam("expected")
)


def ticket_from_row(row: prepared.Row) -> Ticket:
    cancel = (
        CancelRequest(
            row["cancel_requested_by"], row["cancel_reason"] or "", row["cancel_requested_at"]
        )
        if row["cancel_requested_by"] is not None
        else None
    )
    next_action = (
        NextAction(Action(row["next_action"]), row["next_action_at"])
        if row["next_action"] is not None
        else None
    )
    return Ticket(
        id=row["id"],
        team_id=row["team_id"],
        number=row["number"],
        order_id=row["order_id"],
        kind=row["kind"],
        description=row["description"],
        creator_id=row["creator_id"],
        assignee_id=row["assignee_id"],
        status=Status(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
        remind_at=row["remind_at"],
        reminded=row["reminded"],
        escalation_level=row["escalation_level"],
        escalated_at=row["escalated_at"],
        touched_at=row["touched_at"],
        resolved_at=row["resolved_at"],
        held_since=row["held_since"],
        held_for=timedelta(seconds=row["held_seconds"] or 0),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        cancel_request=cancel,
        next_action=next_action,
        version=row["version"],
    )


def _values(ticket: Ticket) -> dict[str, Any]:
    cancel = ticket.cancel_request
    return {
        "team_id": ticket.team_id,
        "number": ticket.number,
        "order_id": ticket.order_id,
        "kind": ticket.kind,
        "description": ticket.description,
        "creator_id": ticket.creator_id,
        "assignee_id": ticket.assignee_id,
        "status": ticket.status.value,
        "outcome": ticket.outcome.value if ticket.outcome else None,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "due_at": ticket.due_at,
        "remind_at": ticket.remind_at,
        "reminded": ticket.reminded,
        "escalation_level": ticket.escalation_level,
        "escalated_at": ticket.escalated_at,
        "touched_at": ticket.touched_at,
        "resolved_at": ticket.resolved_at,
        "held_since": ticket.held_since,
        "held_seconds": int(ticket.held_for.total_seconds()),
        "cancel_requested_by": cancel.requested_by if cancel else None,
        "cancel_reason": cancel.reason if cancel else None,
        "cancel_requested_at": cancel.at if cancel else None,
        "next_action": ticket.next_action.action.value if ticket.next_action else None,
        "next_action_at": ticket.next_action.at if ticket.next_action else None,
        "version": ticket.version,
    }


@dataclass(frozen=True, slots=True)
class CreationContext:
    """What creating a ticket must know first, read in one round trip."""

    #: The member the command named by username (None: no such member, or none named).
    assignee: Person | None
    duplicate_number: int | None
    directory_version: int

    @property
    def assignee_id(self) -> int | None:
        return self.assignee.id if self.assignee is not None else None


@dataclass(frozen=True, slots=True)
class TicketForCard:
    """What a ticket's card is drawn from, and the message already showing it (None: none in
    that chat, or no chat asked about)."""

    ticket: Ticket
    evidence_count: int
    card_message_id: int | None


class TicketRepository:
    """Tickets of all teams; every query names the team it is scoped to."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def next_number(self, team_id: int) -> int:
        """The team's next ticket number. The row lock it takes serialises concurrent creators,
        and a rollback gives the number back, so numbers have no gaps."""
        return int(prepared.scalar(self._connection, _NEXT_NUMBER, {"team_id": team_id}))

    def open_duplicate(self, team_id: int, order_id: str, kind: str) -> int | None:
        """The number of an open ticket of the team for this order and kind, if any."""
        params = {"team_id": team_id, "order_id": order_id, "kind": kind}
        number = self._connection.execute(pending_duplicate_query(), params).scalar()
        return None if number is None else int(number)

    def creation_context(
        self, team_id: int, order_id: str, kind: str, assignee_username: str | None
    ) -> CreationContext:
        params = {
            "team_id": team_id,
            "order_id": order_id,
            "kind": kind,
            "username_key": assignee_username.lower() if assignee_username else None,
        }
        row = prepared.first(self._connection, _CREATION_CONTEXT, params)
        if row is None:  # no such team: nothing to find
            return CreationContext(None, None, 0)
        assignee = person_from_row(row) if row["id"] is not None else None
        return CreationContext(assignee, row["duplicate_number"], int(row["directory_version"]))

    def add(self, ticket: Ticket) -> int:
        return int(prepared.scalar(self._connection, _INSERT_TICKET, _values(ticket)))

    def save(self, ticket: Ticket, *, expected_version: int) -> None:
        """Write a changed ticket; Conflict if someone else changed it since it was read."""
        values = _values(ticket)
        for column in ("team_id", "number", "created_at", "creator_id"):
            del values[column]
        values.update(ticket_id=ticket.id, expected=expected_version)
        result = self._connection.execute(_SAVE, values)
        if result.rowcount != 1:
            raise Conflict(number=ticket.number)

    def by_number(self, team_id: int, number: int) -> Ticket | None:
        result = self._connection.execute(_BY_NUMBER, {"team_id": team_id, "number": number})
        row = result.mappings().one_or_none()
        return ticket_from_row(row) if row else None

    def by_id(self, ticket_id: int) -> Ticket | None:
        row = prepared.first(self._connection, _BY_ID, {"ticket_id": ticket_id})
        return ticket_from_row(row) if row else None

    def for_card(self, ticket_id: int, chat_id: int | None) -> TicketForCard | None:
        """The ticket with its file count and its card's message in `chat_id`: one statement
        instead of three for each notice the dispatcher draws."""
        params = {"ticket_id": ticket_id, "chat_id": chat_id}
        row = prepared.first(self._connection, _FOR_CARD, params)
        if row is None:
            return None
        card = row["card_message_id"]
        return TicketForCard(
            ticket_from_row(row),
            int(row["evidence_count"]),
            int(card) if card is not None else None,
        )

    def lock(self, ticket_id: int) -> None:
        """Hold the ticket's row until the transaction ends, so that concurrent changes which
        must see each other (files counted against a limit) wait rather than conflict.
        SQLite serialises transactions and has no FOR UPDATE."""
        query = select(tickets.c.id).where(tickets.c.id == ticket_id).with_for_update()
        self._connection.execute(query)

    def _list(self, *conditions: Any, limit: int, newest_first: bool = True) -> list[Ticket]:
        order = tickets.c.id.desc() if newest_first else tickets.c.due_at.asc()
        result = self._connection.execute(
            select(tickets).where(*conditions).order_by(order).limit(limit)
        )
        return [ticket_from_row(row) for row in result.mappings()]

    def assigned_to(
        self, team_id: int | None, user_id: int, *, pending_only: bool = True, limit: int = 30
    ) -> list[Ticket]:
        conditions = [tickets.c.assignee_id == user_id]
        if team_id is not None:
            conditions.append(tickets.c.team_id == team_id)
        if pending_only:
            conditions.append(tickets.c.status.in_(_PENDING))
        return self._list(*conditions, limit=limit, newest_first=False)

    def created_by(self, team_id: int, user_id: int, *, limit: int = 30) -> list[Ticket]:
        return self._list(
            tickets.c.team_id == team_id, tickets.c.creator_id == user_id, limit=limit
        )

    def pending(
        self,
        team_id: int,
        *,
        assignee_id: int | None = None,
        kind: str | None = None,
        limit: int = 50,
    ) -> list[Ticket]:
        conditions = _pending_conditions(team_id, assignee_id, kind)
        return self._list(*conditions, limit=limit, newest_first=False)

    def count_pending(
        self, team_id: int, *, assignee_id: int | None = None, kind: str | None = None
    ) -> int:
        """How many tickets `pending` with the same filter would list without its limit."""
        result = self._connection.execute(
            select(func.count())
            .select_from(tickets)
            .where(*_pending_conditions(team_id, assignee_id, kind))
        )
        return int(result.scalar_one())

    def by_order(self, team_id: int, order_id: str, *, limit: int = 30) -> list[Ticket]:
        return self._list(tickets.c.team_id == team_id, tickets.c.order_id == order_id, limit=limit)

    def due(self, now: datetime, limit: int, *, skip_locked: bool) -> list[Ticket]:
        """Tickets whose next timed action is due, oldest first (at most `limit`).

        With `skip_locked` (PostgreSQL) the rows are locked for this transaction and rows
        another sweeper holds are passed over, so concurrent sweepers never take the same row.
        """
        query = due_query(limit)
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        result = self._connection.execute(query, {"now": now})
        return [ticket_from_row(row) for row in result.mappings()]

    def stats(self, team_id: int, since: datetime | None) -> TicketStats:
        scope = [tickets.c.team_id == team_id]
        if since is not None:
            scope.append(tickets.c.created_at >= since)

        def grouped(column: Any) -> dict[Any, int]:
            result = self._connection.execute(
                select(column, func.count()).where(*scope).group_by(column)
            )
            return {row[0]: int(row[1]) for row in result}

        by_kind = grouped(tickets.c.kind)
        by_status = grouped(tickets.c.status)
        by_assignee = grouped(tickets.c.assignee_id)
        in_time = self._connection.execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(case((tickets.c.resolved_at <= tickets.c.due_at, 1), else_=0)), 0
                ),
            ).where(*scope, tickets.c.resolved_at.is_not(None))
        )
        resolved, resolved_in_time = in_time.one()
        on_hold = self._connection.execute(
            select(func.count(), func.coalesce(func.sum(tickets.c.held_seconds), 0)).where(
                *scope, (tickets.c.held_seconds > 0) | tickets.c.held_since.is_not(None)
            )
        )
        held, held_seconds = on_hold.one()
        return TicketStats(
            total=sum(by_status.values()),
            by_kind=by_kind,
            by_status=by_status,
            by_assignee=by_assignee,
            resolved=int(resolved),
            resolved_in_time=int(resolved_in_time),
            held=int(held),
            held_for=timedelta(seconds=int(held_seconds)),
        )

    @staticmethod
    def export_query(team_id: int, since: datetime | None) -> Select[Any]:
        """Every ticket of a team (created since a time), oldest first: for streaming exports."""
        conditions = [tickets.c.team_id == team_id]
        if since is not None:
            conditions.append(tickets.c.created_at >= since)
        # By number: the (team_id, number) index serves the team's rows in order.
        return select(tickets).where(*conditions).order_by(tickets.c.number)


class EventRepository:
    """The append-only timeline."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @staticmethod
    def _row(ticket_id: int, team_id: int, event: Event) -> dict[str, Any]:
        return {
            "ticket_id": ticket_id,
            "team_id": team_id,
            "type": event.type.value,
            "actor_id": event.actor_id,
            "at": event.at,
            "payload": event.payload,
        }

    def append(self, ticket_id: int, team_id: int, event: Event) -> None:
        prepared.execute(self._connection, _INSERT_EVENT, self._row(ticket_id, team_id, event))

    def append_many(self, rows: Sequence[tuple[int, int, Event]]) -> None:
        if rows:
            prepared.execute_many(
                self._connection,
                _INSERT_EVENT,
                [self._row(ticket_id, team, event) for ticket_id, team, event in rows],
            )

    def last_at(self, ticket_id: int, event_type: EventType) -> datetime | None:
        """When an event of this type was last written for the ticket (its newest rows, from
        ix_ticket_events_ticket_id_id; a ticket has a few hundred events at most)."""
        result = self._connection.execute(
            select(events.c.at)
            .where(events.c.ticket_id == ticket_id, events.c.type == event_type.value)
            .order_by(events.c.id.desc())
            .limit(1)
        )
        at: datetime | None = result.scalar()
        return at

    def export_facts(self, ticket_ids: Sequence[int]) -> dict[int, ExportFacts]:
        """What an export adds to each ticket's row, for one batch of tickets in three reads:
        the few events it reads (ix_ticket_events_ticket_id_id), and the counts of notes and of
        evidence files (the evidence's unique (ticket_id, file_unique_id))."""
        if not ticket_ids:
            return {}
        ids = list(ticket_ids)
        wanted = sorted(t.value for t in EXPORT_EVENTS)
        rows = self._connection.execute(
            select(events.c.ticket_id, events.c.type, events.c.actor_id, events.c.at)
            .add_columns(events.c.payload)
            .where(events.c.ticket_id.in_(ids), events.c.type.in_(wanted))
            .order_by(events.c.ticket_id, events.c.id)
        ).mappings()
        found = [
            (
                int(row["ticket_id"]),
                Event(EventType(row["type"]), row["actor_id"], row["at"], dict(row["payload"])),
            )
            for row in rows
        ]
        note_counts = self._connection.execute(
            select(events.c.ticket_id, func.count())
            .where(events.c.ticket_id.in_(ids), events.c.type == EventType.NOTE.value)
            .group_by(events.c.ticket_id)
        )
        file_counts = self._connection.execute(
            select(evidence.c.ticket_id, func.count())
            .where(evidence.c.ticket_id.in_(ids))
            .group_by(evidence.c.ticket_id)
        )
        notes = {int(ticket_id): int(count) for ticket_id, count in note_counts}
        files = {int(ticket_id): int(count) for ticket_id, count in file_counts}
        return facts_by_ticket(found, notes, files)

    def timeline(self, ticket_id: int, *, limit: int = 200) -> list[TimelineEntry]:
        result = self._connection.execute(
            select(events).where(events.c.ticket_id == ticket_id).order_by(events.c.id).limit(limit)
        )
        return [
            TimelineEntry(
                row["id"],
                Event(EventType(row["type"]), row["actor_id"], row["at"], dict(row["payload"])),
            )
            for row in result.mappings()
        ]


class EvidenceRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, item: dict[str, Any]) -> int:
        result = self._connection.execute(insert(evidence).returning(evidence.c.id), item)
        return int(result.scalar_one())

    def exists(self, ticket_id: int, file_unique_id: str) -> bool:
        result = self._connection.execute(
            select(evidence.c.id).where(
                evidence.c.ticket_id == ticket_id, evidence.c.file_unique_id == file_unique_id
            )
        )
        return result.first() is not None

    def count(self, ticket_id: int) -> int:
        result = self._connection.execute(_EVIDENCE_COUNT, {"ticket_id": ticket_id})
        return int(result.scalar_one())

    def of_ticket(self, ticket_id: int) -> list[EvidenceItem]:
        result = self._connection.execute(
            select(evidence).where(evidence.c.ticket_id == ticket_id).order_by(evidence.c.id)
        )
        return [_evidence(row) for row in result.mappings()]

    def of_media_group(self, media_group_id: str) -> list[EvidenceItem]:
        result = self._connection.execute(
            select(evidence)
            .where(evidence.c.media_group_id == media_group_id)
            .order_by(evidence.c.id)
        )
        return [_evidence(row) for row in result.mappings()]


def _evidence(row: RowMapping) -> EvidenceItem:
    return EvidenceItem(**{key: row[key] for key in EvidenceItem.__slots__})


def _pending_conditions(
    team_id: int, assignee_id: int | None, kind: str | None
) -> list[ColumnElement[bool]]:
    """The team's pending tickets, optionally of one assignee and of one kind."""
    conditions = [tickets.c.team_id == team_id, tickets.c.status.in_(_PENDING)]
    if assignee_id is not None:
        conditions.append(tickets.c.assignee_id == assignee_id)
    if kind is not None:
        conditions.append(tickets.c.kind == kind)
    return conditions
