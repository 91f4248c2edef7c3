"""How SQLite transactions are committed: those started in one turn of the event loop share a
commit, each keeping its own outcome; the WAL is checkpointed off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

import storage.database as database_module
from bot.config import DatabaseSettings
from bot.domain.errors import AlreadyProcessed
from storage.database import SqliteDatabase
from storage.tables import processed_updates
from storage.transaction import Transaction
from tests.support.database import fresh_sqlite

NOW = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)


@pytest.fixture
async def sqlite_db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    settings: DatabaseSettings = fresh_sqlite(sqlite_template, tmp_path)
    opened = database_module.open_database(settings)
    assert isinstance(opened, SqliteDatabase)
    try:
        yield opened
    finally:
        await opened.dispose()


def _count_commits(db: SqliteDatabase) -> list[int]:
    commits: list[int] = []

    @event.listens_for(db.engine, "commit")
    def _committed(_connection: Any) -> None:
        commits.append(1)

    return commits


def _remember(update_id: int) -> Any:
    def body(tx: Transaction) -> int:
        tx.processed.claim(update_id, NOW)
        return update_id

    return body


async def _recorded(db: SqliteDatabase) -> set[int]:
    def body(tx: Transaction) -> set[int]:
        return set(tx.connection.execute(select(processed_updates.c.update_id)).scalars())

    return await db.read(body)


async def test_transactions_started_in_one_turn_of_the_loop_share_one_commit(
    sqlite_db: SqliteDatabase,
) -> None:
    await sqlite_db.transact(_remember(99))  # opens (and sets up) the connection
    commits = _count_commits(sqlite_db)

    answers = await asyncio.gather(*(sqlite_db.transact(_remember(n)) for n in range(16)))

    assert answers == list(range(16))
    # The first runs at once; the fifteen that start while it is committing go in one commit.
    assert len(commits) == 2
    assert await _recorded(sqlite_db) == set(range(16)) | {99}


async def test_a_transaction_that_fails_in_a_shared_commit_fails_alone(
    sqlite_db: SqliteDatabase,
) -> None:
    def half_then_fail(tx: Transaction) -> None:
        tx.processed.claim(102, NOW)
        raise ValueError("the use case refused")

    def duplicate(tx: Transaction) -> None:
        tx.processed.claim(101, NOW)  # the row the job before it wrote: AlreadyProcessed

    answers = await asyncio.gather(
        sqlite_db.transact(_remember(100)),
        sqlite_db.transact(_remember(101)),
        sqlite_db.transact(half_then_fail),
        sqlite_db.transact(duplicate),
        sqlite_db.transact(_remember(103)),
        return_exceptions=True,
    )

    assert list(answers[:2]) == [100, 101]
    assert isinstance(answers[2], ValueError)
    assert isinstance(answers[3], AlreadyProcessed)
    assert answers[4] == 103
    assert await _recorded(sqlite_db) == {100, 101, 103}


async def test_a_transaction_whose_caller_is_cancelled_before_its_commit_does_not_run(
    sqlite_db: SqliteDatabase,
) -> None:
    first = asyncio.create_task(sqlite_db.transact(_remember(1)))
    second = asyncio.create_task(sqlite_db.transact(_remember(2)))
    # One turn: the first commits at once, the second waits for the end of the turn...
    await asyncio.sleep(0)
    assert not second.done()
    second.cancel()  # ...and its caller goes away before then.

    assert await first == 1
    with pytest.raises(asyncio.CancelledError):
        await second
    await asyncio.sleep(0)
    assert await _recorded(sqlite_db) == {1}


async def test_every_so_many_commits_the_wal_is_checkpointed_off_the_event_loop(
    sqlite_db: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BACKGROUND_CHECKPOINT_COMMITS", 5)
    for update_id in range(4):
        await sqlite_db.transact(_remember(update_id))
    assert sqlite_db.background_checkpoint is None

    await sqlite_db.transact(_remember(4))
    running = sqlite_db.background_checkpoint
    assert running is not None
    busy, pages, checkpointed = await running

    # Every page of the five commits was copied into the database file.
    assert (busy, checkpointed) == (0, pages)
    assert pages > 0
    assert sqlite_db.background_checkpoint is None


async def test_a_checkpoint_copies_the_wal_and_writers_go_on_meanwhile(
    sqlite_db: SqliteDatabase,
) -> None:
    await asyncio.gather(*(sqlite_db.transact(_remember(n)) for n in range(3)))

    checkpoint = asyncio.ensure_future(sqlite_db.checkpoint())
    written = await sqlite_db.transact(_remember(3))
    busy, pages, checkpointed = await checkpoint

    assert written == 3
    assert busy == 0
    assert 0 < checkpointed <= pages
    assert await _recorded(sqlite_db) == {0, 1, 2, 3}
