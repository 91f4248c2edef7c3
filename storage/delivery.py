"""The outbox (notifications waiting for delivery) and the cards they keep up to date."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import String

from bot.domain.notices import Notice, NoticePayload, from_json, to_json
from storage import prepared
from storage.prepared import Prepared
from storage.tables import cards, outbox, upsert_for
from storage.types import UtcDateTime

PENDING: Final = "pending"
SENT: Final = "sent"
DEAD: Final = "dead"

#: Written into the SQL, not bound: the outbox's partial indexes (WHERE status = 'pending')
#: then apply when the statement is prepared. With a bound status, SQLite prepared the
#: statement again on every run (a cancel cost 88 instead of 46 us) and PostgreSQL's generic
#: plans cannot use them.
_IS_PENDING: Final = literal_column(f"'{PENDING}'", String())

# The statements of every delivery and of most commands are built once: building one cost
# more than running it (bench.e2e). Bind names differ from column names, which SQLAlchemy
# keeps for an UPDATE's own values.
_INSERT: Final = Prepared(insert(outbox))
_MINE = and_(outbox.c.id == bindparam("row_id"), outbox.c.lease_owner == bindparam("owner"))
_CANCEL: Final = Prepared(
    update(outbox)
    .where(
        outbox.c.destination == bindparam("receipt"),
        outbox.c.status == _IS_PENDING,
    )
    .values(status=SENT, sent_at=bindparam("at"), last_error=bindparam("why"), leased_until=None)
)
_MARK_SENT: Final = Prepared(
    update(outbox)
    .where(_MINE)
    .values(status=SENT, sent_at=bindparam("at"), attempts=outbox.c.attempts + 1, leased_until=None)
)
_RETRY_LATER: Final = Prepared(
    update(outbox)
    .where(_MINE)
    .values(
        available_at=bindparam("at"),
        attempts=outbox.c.attempts + 1,
        last_error=bindparam("why"),
        leased_until=None,
        lease_owner=None,
    )
)
_RELEASE: Final = Prepared(
    update(outbox)
    .where(_MINE)
    .values(last_error=bindparam("why"), leased_until=None, lease_owner=None)
)
_DEFER: Final = Prepared(
    update(outbox)
    .where(
        outbox.c.destination == bindparam("to"),
        outbox.c.status == _IS_PENDING,
        outbox.c.available_at < bindparam("at", type_=UtcDateTime()),
    )
    .values(available_at=bindparam("at", type_=UtcDateTime()))
)


def _group_chats(tickets: ColumnElement[bool]) -> Prepared:
    """Where the `tickets`' cards are shown in groups (chat ids below zero)."""
    return Prepared(select(cards.c.ticket_id, cards.c.chat_id).where(tickets, cards.c.chat_id < 0))


#: One ticket's (a prepared statement), or a batch's (an expanding list: SQLAlchemy's execute).
_GROUP_CHAT: Final = _group_chats(cards.c.ticket_id == bindparam("ticket_id"))
_GROUP_CHATS: Final = _group_chats(cards.c.ticket_id.in_(bindparam("ticket_ids", expanding=True)))
_MARK_DEAD: Final = Prepared(
    update(outbox)
    .where(_MINE)
    .values(
        status=DEAD,
        attempts=outbox.c.attempts + 1,
        last_error=bindparam("why"),
        sent_at=bindparam("at"),
        leased_until=None,
    )
)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    team_id: int | None
    destination: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime

    @property
    def notice(self) -> NoticePayload:
        """The payload back in its dataclass (ValueError: a row this version did not write)."""
        return from_json(self.payload)


def _values(team_id: int | None, notice: Notice, now: datetime) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "destination": notice.destination,
        "payload": to_json(notice.payload),
        "status": PENDING,
        "created_at": now,
        "available_at": now + notice.delay,
        "attempts": 0,
    }


def _row(row: prepared.Row) -> OutboxRow:
    return OutboxRow(
        row["id"],
        row["team_id"],
        row["destination"],
        dict(row["payload"]),
        row["attempts"],
        row["created_at"],
    )


@cache
def claim_query(limit: int, *, skip_locked: bool = False) -> Select[Any]:
    """Ids of rows a dispatcher may deliver now (bind: now), from ix_outbox_pending.

    A row is deliverable when it is pending, available, not leased by a live owner, and no
    older row of its destination is still pending: so each destination gets its messages
    strictly in order, and one destination is only ever worked on by one dispatcher.
    """
    return _deliverable(outbox, limit, skip_locked=skip_locked)


@cache
def _lease_query(limit: int, *, skip_locked: bool) -> Prepared:
    """Lease what claim_query finds, in the same statement (binds: now, owner, until): the
    ids are not read back and sent again."""
    candidate = aliased(outbox, name="candidate")
    return Prepared(
        update(outbox)
        .where(outbox.c.id.in_(_deliverable(candidate, limit, skip_locked=skip_locked)))
        .values(lease_owner=bindparam("owner"), leased_until=bindparam("until"))
        .returning(*outbox.c)
    )


def _deliverable(table: FromClause, limit: int, *, skip_locked: bool) -> Select[Any]:
    older = aliased(outbox)
    now: BindParameter[datetime] = bindparam("now", type_=UtcDateTime())
    query = (
        select(table.c.id)
        .where(
            table.c.status == _IS_PENDING,
            table.c.available_at <= now,
            ~select(older.c.id)
            .where(
                older.c.destination == table.c.destination,
                older.c.status == _IS_PENDING,
                older.c.id < table.c.id,
            )
            .exists(),
            table.c.leased_until.is_(None) | (table.c.leased_until < now),
        )
        .order_by(table.c.available_at, table.c.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if skip_locked else query


#: Whether a claim would find a row now (bind: now).
_ANY_DUE: Final = Prepared(claim_query(1))


class OutboxRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: Rows written in this transaction; the unit of work wakes the dispatcher if any.
        self.added = 0

    def add(self, team_id: int | None, notices: Sequence[Notice], now: datetime) -> None:
        if not notices:
            return
        self.added += len(notices)
        rows = [_values(team_id, notice, now) for notice in notices]
        prepared.execute_many(self._connection, _INSERT, rows)

    def cancel(self, destinations: Sequence[str], now: datetime, reason: str) -> None:
        """Settle the rows still waiting for these destinations without sending them (what
        they say was said another way; a creation receipt's destination is its own). One
        executemany: an expanding IN list costs more to render than the runs it saves."""
        if destinations:
            rows = [{"receipt": to, "at": now, "why": reason} for to in destinations]
            prepared.execute_many(self._connection, _CANCEL, rows)

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int, *, skip_locked: bool
    ) -> list[OutboxRow]:
        """Lease the oldest deliverable row of up to `limit` destinations (see claim_query)."""
        leased = prepared.rows(
            self._connection,
            _lease_query(limit, skip_locked=skip_locked),
            {"now": now, "owner": owner, "until": lease_until},
        )
        return sorted((_row(row) for row in leased), key=lambda r: r.id)

    def any_due(self, now: datetime) -> bool:
        """Whether a claim now would find a row (a read: no lock taken)."""
        return prepared.first(self._connection, _ANY_DUE, {"now": now}) is not None

    def mark_sent(self, row_id: int, owner: str, now: datetime) -> None:
        params = {"row_id": row_id, "owner": owner, "at": now}
        prepared.execute(self._connection, _MARK_SENT, params)

    def retry_later(self, row_id: int, owner: str, available_at: datetime, error: str) -> None:
        params = {"row_id": row_id, "owner": owner, "at": available_at, "why": error[:2000]}
        prepared.execute(self._connection, _RETRY_LATER, params)

    def release(self, row_id: int, owner: str, error: str) -> None:
        """Give a claimed row back without counting an attempt (e.g. a flood wait)."""
        params = {"row_id": row_id, "owner": owner, "why": error[:2000]}
        prepared.execute(self._connection, _RELEASE, params)

    def defer_destination(self, destination: str, available_at: datetime) -> None:
        """Hold every pending row of a destination until `available_at` (a flood wait)."""
        prepared.execute(self._connection, _DEFER, {"to": destination, "at": available_at})

    def mark_dead(self, row_id: int, owner: str, error: str, now: datetime) -> None:
        params = {"row_id": row_id, "owner": owner, "at": now, "why": error[:2000]}
        prepared.execute(self._connection, _MARK_DEAD, params)

    def pending(self) -> int:
        """Rows waiting for delivery, counted from ix_outbox_pending (sent rows stay in the
        table, so grouping it all by status would grow with its history)."""
        result = self._connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.status == _IS_PENDING)
        )
        return int(result.scalar_one())

    def rows(self, *, destination: str | None = None) -> list[OutboxRow]:
        query = select(outbox).order_by(outbox.c.id)
        if destination is not None:
            query = query.where(outbox.c.destination == destination)
        result = self._connection.execute(query)
        return [_row(row) for row in result.mappings()]


class CardRepository:
    """Messages kept per (ticket, chat): the cards (`cards`), or a ticket's first escalation in
    a group (`escalation_messages`), which share their shape."""

    def __init__(self, connection: Connection, table: Table = cards) -> None:
        self._connection = connection
        self._table = table
        self._lookup = _card_lookup(table)

    def message_id(self, ticket_id: int, chat_id: int) -> int | None:
        result = self._connection.execute(
            self._lookup, {"ticket_id": ticket_id, "chat_id": chat_id}
        )
        value = result.scalar_one_or_none()
        return int(value) if value is not None else None

    def group_chats(self, ticket_ids: Collection[int]) -> dict[int, list[int]]:
        """The groups where a card of each ticket is shown (an assignee's fallback card), by
        ticket: read for a whole batch at once (the sweep), or for one ticket."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return {}
        if len(ids) == 1:
            found = prepared.rows(self._connection, _GROUP_CHAT, {"ticket_id": ids[0]})
        else:
            found = prepared.rows(self._connection, _GROUP_CHATS, {"ticket_ids": ids})
        shown: dict[int, list[int]] = {}
        for row in found:
            shown.setdefault(int(row["ticket_id"]), []).append(int(row["chat_id"]))
        return shown

    def remember(self, ticket_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        prepared.execute(
            self._connection,
            _card_upsert(self._connection.dialect.name, self._table),
            {
                "ticket_id": ticket_id,
                "chat_id": chat_id,
                "message_id": message_id,
                "updated_at": now,
            },
        )


def card_message_query(table: Table, ticket_id: ColumnElement[int]) -> Select[Any]:
    """The message showing a ticket's card (or escalation) in a chat (bind: chat_id)."""
    return select(table.c.message_id).where(
        table.c.ticket_id == ticket_id, table.c.chat_id == bindparam("chat_id")
    )


@cache
def _card_lookup(table: Table) -> Select[Any]:
    return card_message_query(table, bindparam("ticket_id"))


@cache
def _card_upsert(dialect: str, table: Table) -> Prepared:
    """Remember a card's message (built once per dialect and table)."""
    statement = upsert_for(dialect, table)
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[table.c.ticket_id, table.c.chat_id],
            set_={
                "message_id": statement.excluded.message_id,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )
