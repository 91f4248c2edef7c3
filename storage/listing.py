"""The one query behind every list of tickets: a `TicketFilter` as indexed, keyset-paged SQL.

Indexes it relies on (migrations 0010 and 0013): ix_tickets_team_id_due_at_id for the deadline
order, ix_tickets_buckets (covering) for the buckets' counts, ix_tickets_assignee_list for one
assignee's lists, ix_tickets_team_id_updated_at for "recently updated" and "resolved today", and
the unique (team_id, number) for newest/oldest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.engine import Connection

from bot.domain.listing import Bucket, Cursor, DayWindow, SortOrder, TicketFilter
from bot.domain.model import AWAITING_REPLY, PENDING_STATUSES, Status
from bot.domain.ticket import Ticket
from storage.tables import tickets
from storage.tickets import ticket_from_row

_PENDING: Final = tuple(status.value for status in PENDING_STATUSES)
_AWAITING: Final = tuple(status.value for status in AWAITING_REPLY)
_DONE_TODAY: Final = (Status.RESOLVED.value, Status.CLOSED.value)
#: One assignee's tickets by status and deadline, with the columns the filters test (0013).
ASSIGNEE_INDEX: Final = "ix_tickets_assignee_list"

#: For each order: the column it sorts by, whether it runs descending, and how the cursor
#: writes that column's value.
_ORDER: Final[dict[SortOrder, tuple[Any, bool]]] = {
    SortOrder.DEADLINE: (tickets.c.due_at, False),
    SortOrder.NEWEST: (tickets.c.number, True),
    SortOrder.OLDEST: (tickets.c.number, False),
    SortOrder.UPDATED: (tickets.c.updated_at, True),
}


def _awaiting() -> ColumnElement[bool]:
    return and_(tickets.c.status.in_(_AWAITING), tickets.c.held_since.is_(None))


def bucket_condition(bucket: Bucket, window: DayWindow) -> ColumnElement[bool]:
    """Which tickets stand in `bucket` at `window.now` (the Team view's definitions)."""
    due = tickets.c.due_at
    pending = tickets.c.status.in_(_PENDING)
    match bucket:
        case Bucket.OVERDUE:
            return and_(_awaiting(), due <= window.now)
        case Bucket.DUE_WITHIN_HOUR:
            return and_(_awaiting(), due > window.now, due <= window.within_hour)
        case Bucket.DUE_TODAY:
            return and_(_awaiting(), due > window.within_hour, due < window.day_end)
        case Bucket.LATER:
            on_hold = tickets.c.held_since.is_not(None)
            return and_(tickets.c.status.in_(_AWAITING), or_(on_hold, due >= window.day_end))
        case Bucket.UNASSIGNED:
            return and_(pending, tickets.c.assignee_id.is_(None))
        case Bucket.CANCEL_REQUESTED:
            return and_(pending, tickets.c.cancel_requested_by.is_not(None))
        case Bucket.ESCALATED:
            return tickets.c.status == Status.ESCALATED.value
        case Bucket.APPEALED:
            return tickets.c.status == Status.APPEALED.value
        case Bucket.RESOLVED_TODAY:
            return and_(tickets.c.status.in_(_DONE_TODAY), tickets.c.updated_at >= window.day_start)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(
    team_id: int, wanted: TicketFilter, window: DayWindow
) -> list[ColumnElement[bool]]:
    """The WHERE clause of a filter, always inside one team."""
    conditions: list[ColumnElement[bool]] = [tickets.c.team_id == team_id]
    if wanted.statuses:
        conditions.append(tickets.c.status.in_(sorted(s.value for s in wanted.statuses)))
    if wanted.kinds:
        conditions.append(tickets.c.kind.in_(sorted(wanted.kinds)))
    if wanted.unassigned:
        conditions.append(tickets.c.assignee_id.is_(None))
    elif wanted.assignee_id is not None:
        conditions.append(tickets.c.assignee_id == wanted.assignee_id)
    if wanted.creator_id is not None:
        conditions.append(tickets.c.creator_id == wanted.creator_id)
    if wanted.order_id is not None:
        conditions.append(tickets.c.order_id == wanted.order_id)
    if wanted.created_from is not None:
        conditions.append(tickets.c.created_at >= wanted.created_from)
    if wanted.created_to is not None:
        conditions.append(tickets.c.created_at < wanted.created_to)
    text = wanted.search_text
    if text is not None:
        pattern = _escaped(text)
        found: list[ColumnElement[bool]] = [
            tickets.c.order_id.ilike(f"{pattern}%", escape="\\"),
            tickets.c.description.ilike(f"%{pattern}%", escape="\\"),
        ]
        number = wanted.number
        if number is not None:
            found.insert(0, tickets.c.number == number)
        conditions.append(or_(*found))
    if wanted.bucket is not None:
        conditions.append(bucket_condition(wanted.bucket, window))
    return conditions


def _after(cursor: Cursor, *, backwards: bool = False) -> ColumnElement[bool]:
    """Tickets after the cursor's one in its order: (key, id) strictly beyond it (before it,
    `backwards`)."""
    column, descending = _ORDER[cursor.sort]
    descending = descending != backwards
    value: Any = (
        int(cursor.key)
        if cursor.sort in (SortOrder.NEWEST, SortOrder.OLDEST)
        else datetime.fromisoformat(cursor.key)
    )
    beyond = column < value if descending else column > value
    tie = tickets.c.id < cursor.ticket_id if descending else tickets.c.id > cursor.ticket_id
    return or_(beyond, and_(column == value, tie))


def cursor_after(ticket: Ticket, sort: SortOrder) -> Cursor:
    """The cursor that continues a list after `ticket`."""
    assert ticket.id is not None
    key: str
    match sort:
        case SortOrder.DEADLINE:
            key = ticket.due_at.isoformat()
        case SortOrder.UPDATED:
            key = ticket.updated_at.isoformat()
        case SortOrder.NEWEST | SortOrder.OLDEST:
            key = str(ticket.number)
    return Cursor(sort, key, ticket.id)


def page_query(
    team_id: int,
    wanted: TicketFilter,
    window: DayWindow,
    *,
    after: Cursor | None,
    limit: int,
    before: Cursor | None = None,
) -> Select[Any]:
    """At most `limit` tickets of the filter in its order, from `after` on; with `before`,
    the `limit` just before that cursor, in the reverse order (a page back, still keyset)."""
    conditions = filter_conditions(team_id, wanted, window)
    if after is not None:
        conditions.append(_after(after))
    if before is not None:
        conditions.append(_after(before, backwards=True))
    column, descending = _ORDER[wanted.sort]
    descending = descending != (before is not None)
    order = (column.desc(), tickets.c.id.desc()) if descending else (column, tickets.c.id)
    query = select(tickets).where(*conditions).order_by(*order).limit(limit)
    return _by_assignee(query, wanted)


def _by_assignee(query: Select[Any], wanted: TicketFilter) -> Select[Any]:
    """One assignee's tickets are read from their own index: without statistics SQLite would
    rather walk the team's whole deadline order and skip everyone else's tickets."""
    if wanted.assignee_id is None:
        return query
    return query.with_hint(tickets, f"INDEXED BY {ASSIGNEE_INDEX}", "sqlite")


class ListingRepository:
    """Lists, counts and buckets of one team's tickets."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def page(
        self,
        team_id: int,
        wanted: TicketFilter,
        window: DayWindow,
        *,
        after: Cursor | None,
        limit: int,
        before: Cursor | None = None,
    ) -> tuple[list[Ticket], bool]:
        """Up to `limit` tickets from `after` on, and whether more follow (with `before`: the
        page before it, in order, and whether more precede it)."""
        query = page_query(team_id, wanted, window, after=after, limit=limit + 1, before=before)
        rows = [ticket_from_row(row) for row in self._connection.execute(query).mappings()]
        page = rows[:limit]
        if before is not None:
            page.reverse()
        return page, len(rows) > limit

    def count(self, team_id: int, wanted: TicketFilter, window: DayWindow) -> int:
        query = _by_assignee(
            select(func.count())
            .select_from(tickets)
            .where(*filter_conditions(team_id, wanted, window)),
            wanted,
        )
        return int(self._connection.execute(query).scalar_one())

    def bucket_counts(
        self, team_id: int, window: DayWindow, *, assignee_id: int | None = None
    ) -> dict[Bucket, int]:
        """Every bucket's size in one statement: a COUNT per bucket, each a range of an index
        that holds every column it tests (ix_tickets_buckets, and the assignee's index), so no
        ticket row is read and no expression is evaluated per ticket."""
        mine = tickets.c.assignee_id == assignee_id if assignee_id is not None else true()
        counts = [
            select(func.count())
            .select_from(tickets)
            .where(tickets.c.team_id == team_id, bucket_condition(bucket, window), mine)
            .scalar_subquery()
            for bucket in Bucket
        ]
        row = self._connection.execute(select(*counts)).one()
        return {bucket: int(value) for bucket, value in zip(Bucket, row, strict=True)}

    def activity(self, team_id: int, since: datetime) -> list[tuple[datetime, datetime | None]]:
        """(created_at, resolved_at) of the team's tickets created or resolved since then."""
        query = select(tickets.c.created_at, tickets.c.resolved_at).where(
            tickets.c.team_id == team_id,
            or_(tickets.c.created_at >= since, tickets.c.resolved_at >= since),
        )
        return [(row[0], row[1]) for row in self._connection.execute(query)]
