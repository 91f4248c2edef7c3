"""SQLite transactions run on the event loop still let other tasks in between them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import DatabaseSettings
from storage.database import open_database


async def test_a_loop_of_transactions_lets_other_tasks_run(tmp_path: Path) -> None:
    database = open_database(DatabaseSettings(url=f"sqlite:///{tmp_path / 'bot.db'}"))
    await database.migrate()
    ticks = 0

    async def other_task() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    try:
        started = ticks
        for _ in range(50):  # a sweep's batches, one after another
            await database.transact(lambda tx: tx.outbox.pending())
        assert ticks - started >= 49
    finally:
        other.cancel()
        await database.dispose()
