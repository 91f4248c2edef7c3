"""The deadline sweep over 1,000,000 open tickets in SQLite: nothing due, then 1,000 due.

Run: uv run python -m bench.sweep [--tickets N] [--due N]

Prints, measured in one run on an SQLite file in a temporary directory:
- sweep_0_due_ms: one sweep when nothing is due (the next_action_at index answers at once)
- sweep_1000_due_ms: one sweep applying 1,000 due escalations with their events and alerts
- full_scan_ms: the baseline of a sweep without the index, reading every open ticket and
  checking its deadline (what re-checking every active SLA on each run costs)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bot.config import Settings
from bot.scheduler import Sweeper
from bot.services.container import build_services
from storage.database import Database, open_database
from storage.tables import teams, tickets
from storage.transaction import Transaction

GROUP = -1001
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
CHUNK = 20_000


class SteppedClock:
    """The sweep's clock, set by the bench: first an hour before the deadlines, then at them."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def _ticket(team_id: int, number: int, due_at: datetime) -> dict[str, Any]:
    created = due_at - timedelta(hours=24)
    return {
        "team_id": team_id,
        "number": number,
        "order_id": f"TB{number:010d}",
        "kind": "collab",
        "description": "平台协同工单：客户反映商品破损，要求补发",
        "creator_id": 1,
        "assignee_id": 2 + number % 20,
        "status": "open",
        "outcome": None,
        "created_at": created,
        "updated_at": created,
        "due_at": due_at,
        "remind_at": due_at - timedelta(hours=4),
        "reminded": True,
        "escalation_level": 0,
        "escalated_at": None,
        "touched_at": created,
        "resolved_at": None,
        "cancel_requested_by": None,
        "cancel_reason": None,
        "cancel_requested_at": None,
        "next_action": "escalate",
        "next_action_at": due_at,
        "version": 1,
    }


async def fill(database: Database, team_id: int, count: int, due: int) -> None:
    """`count` open tickets; the first `due` are past their deadline, the rest are not."""
    for start in range(1, count + 1, CHUNK):
        rows = []
        for number in range(start, min(start + CHUNK, count + 1)):
            offset = (
                -timedelta(minutes=1) if number <= due else timedelta(minutes=number % 1440 + 1)
            )
            rows.append(_ticket(team_id, number, NOW + offset))

        def write(tx: Transaction, rows: list[dict[str, Any]] = rows) -> None:
            tx.connection.execute(insert(tickets), rows)

        await database.transact(write)
    await database.transact(
        lambda tx: tx.connection.execute(
            update(teams).where(teams.c.id == team_id).values(last_number=count)
        )
    )
    # Fresh statistics, as `PRAGMA optimize` would gather on a long-running database.
    await database.transact(lambda tx: tx.connection.exec_driver_sql("ANALYZE"))


def full_scan(tx: Transaction, now: datetime) -> int:
    """The baseline: every open ticket read and its deadline checked."""
    open_ = tx.connection.execute(
        select(tickets.c.id, tickets.c.due_at).where(tickets.c.status.in_(["open", "in_progress"]))
    )
    return sum(1 for row in open_ if row.due_at <= now)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings.model_validate(
            {
                "database": {"url": f"sqlite:///{Path(directory) / 'sweep.db'}"},
                "teams": [{"chat_id": GROUP, "name": "bench", "supervisors": [1]}],
                "scheduler": {"batch_size": 200},
            }
        )
        database = open_database(settings.database)
        clock = SteppedClock(NOW - timedelta(hours=1))
        try:
            await database.migrate()
            services = build_services(settings, database, clock)
            team = (await services.people.sync_teams())[0]
            started = time.perf_counter()
            await fill(database, team.id, arguments.tickets, arguments.due)
            print(f"tickets: {arguments.tickets} (filled in {time.perf_counter() - started:.0f}s)")
            sweeper = Sweeper(services.tickets, database, clock, settings.scheduler)

            empty = []
            for _ in range(20):  # an hour before anything is due
                started = time.perf_counter()
                assert await sweeper.sweep() == 0
                empty.append(time.perf_counter() - started)
            clock.moment = NOW
            scans = []
            for _ in range(3):
                started = time.perf_counter()
                found = await database.read(lambda tx: full_scan(tx, NOW))
                scans.append(time.perf_counter() - started)
            assert found == arguments.due
            started = time.perf_counter()
            applied = await sweeper.sweep()
            busy = time.perf_counter() - started
            assert applied == arguments.due
            alerts = await database.read(lambda tx: tx.outbox.pending())
        finally:
            await database.dispose()
    print(f"sweep_0_due_ms: {statistics.median(empty) * 1000:.2f}")
    print(f"sweep_{arguments.due}_due_ms: {busy * 1000:.0f}")
    print(f"per_escalation_ms: {busy * 1000 / arguments.due:.2f}")
    print(f"full_scan_ms: {statistics.median(scans) * 1000:.0f}")
    print(f"alerts_written: {alerts}")


if __name__ == "__main__":
    asyncio.run(main())
