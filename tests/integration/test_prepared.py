"""Prepared statements (storage/prepared.py) answer exactly as SQLAlchemy's execute does, on
SQLite's own cursor, and fall back to SQLAlchemy for what they cannot run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, StatementError

from bot.domain.errors import AlreadyProcessed
from bot.domain.people import Person
from storage import prepared
from storage.database import Database
from storage.prepared import Prepared
from storage.tables import outbox, teams, users
from storage.transaction import Transaction
from storage.types import UtcDateTime

NOW = datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC)

_OUTBOX_ROWS = Prepared(select(outbox).order_by(outbox.c.id))
_ADD_ROW = Prepared(insert(outbox))
_USERS = Prepared(select(users).order_by(users.c.id))


def _connection(tx: Transaction) -> Connection:
    return tx.connection


async def _seed(db: Database) -> None:
    def body(tx: Transaction) -> None:
        connection = _connection(tx)
        connection.execute(
            insert(teams),
            {"id": 1, "chat_id": -1, "name": "t", "language": "zh", "timezone": "UTC"}
            | {"created_at": NOW},
        )
        prepared.execute_many(
            connection,
            _ADD_ROW,
            [
                {
                    "team_id": 1,
                    "destination": f"chat:{n}",
                    "payload": {"template": "card", "ticket_id": n, "text": "杯子碎了"},
                    "status": "pending",
                    "created_at": NOW,
                    "available_at": NOW + timedelta(minutes=n),
                    "attempts": 0,
                    "leased_until": None if n else NOW,
                }
                for n in range(3)
            ],
        )
        for n in range(12):
            person = Person(1000 + n, "名" if n % 2 else "Ann", username=f"user{n}")
            tx.people.learn(person, NOW)

    await db.transact(body)


async def test_rows_come_back_as_through_sqlalchemy(db: Database) -> None:
    await _seed(db)

    def body(tx: Transaction) -> tuple[list[Any], list[Any]]:
        connection = _connection(tx)
        ours = [dict(row) for row in prepared.rows(connection, _OUTBOX_ROWS, {})]
        theirs = [dict(row) for row in connection.execute(_OUTBOX_ROWS.statement).mappings()]
        return ours, theirs

    ours, theirs = await db.read(body)
    assert ours == theirs
    assert len(ours) == 3
    first = ours[0]
    assert first["created_at"] == NOW
    assert first["created_at"].tzinfo is UTC
    assert first["leased_until"] == NOW
    assert ours[1]["leased_until"] is None
    assert first["payload"] == {"template": "card", "ticket_id": 0, "text": "杯子碎了"}


async def test_sqlite_runs_them_on_the_driver_cursor(db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("PostgreSQL runs every statement through SQLAlchemy")
    await _seed(db)
    seen: list[str] = []

    def body(tx: Transaction) -> int:
        connection = _connection(tx)
        listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
        event.listen(connection, "before_cursor_execute", listener)
        try:
            return len(prepared.rows(connection, _USERS, {}))
        finally:
            event.remove(connection, "before_cursor_execute", listener)

    assert await db.read(body) == 12
    assert seen == []  # SQLAlchemy's execute path was not taken


async def test_a_duplicate_key_raises_sqlalchemys_integrity_error(db: Database) -> None:
    await db.transact(lambda tx: tx.processed.claim(77, NOW))
    with pytest.raises(AlreadyProcessed):
        await db.transact(lambda tx: tx.processed.claim(77, NOW))

    def raw(tx: Transaction) -> None:
        prepared.execute(
            _connection(tx),
            Prepared(insert(teams)),
            {"id": 5, "chat_id": 9, "name": "a", "language": "en", "timezone": "UTC"}
            | {"created_at": NOW},
        )
        prepared.execute(
            _connection(tx),
            Prepared(insert(teams)),
            {"id": 6, "chat_id": 9, "name": "b", "language": "en", "timezone": "UTC"}
            | {"created_at": NOW},
        )

    with pytest.raises(IntegrityError):
        await db.transact(raw)
    # The failed transaction left nothing behind.
    found = await db.read(lambda tx: tx.people.team_by_chat(9))
    assert found is None


async def test_a_missing_parameter_goes_to_sqlalchemy_which_refuses_it(db: Database) -> None:
    lookup = Prepared(select(users).where(users.c.id == bindparam("user_id")))
    with pytest.raises(StatementError):
        await db.read(lambda tx: prepared.rows(_connection(tx), lookup, {}))


async def test_people_by_a_few_ids_and_by_many(db: Database) -> None:
    await _seed(db)
    few = await db.read(lambda tx: tx.people.people([1003, 1001, 1003]))
    assert sorted(few) == [1001, 1003]
    assert few[1001].first_name == "名"
    many = await db.read(lambda tx: tx.people.people(range(1000, 1012)))
    assert sorted(many) == list(range(1000, 1012))
    none = await db.read(lambda tx: tx.people.people([5]))
    assert none == {}


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]),
        allow_imaginary=False,
    )
)
def test_utc_datetimes_are_the_text_sqlalchemy_writes_and_read_back(value: datetime) -> None:
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect)
    text = ours.bind_processor(dialect)(value)  # type: ignore[misc]
    naive = value.astimezone(UTC).replace(tzinfo=None)
    assert text == DATETIME().bind_processor(dialect)(naive)  # type: ignore[misc, no-untyped-call]
    back = ours.result_processor(dialect, None)(text)  # type: ignore[misc]
    assert back == value.astimezone(UTC)  # the same instant (== across zones is odd at a fold)
    assert back.tzinfo is UTC
