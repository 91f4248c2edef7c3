"""The workbench's list queries with 100,000 tickets in one team, on SQLite.

Run: uv run python -m bench.workbench [--tickets N] [--rounds R]

One SQLite file (bulk-inserted as bench/export.py does: realistic statuses, kinds, assignees and
deadlines) and, in the same run and in alternating rounds, the median milliseconds of:

- team_view_ms: what the Team view asks the server for, through the services: the bucket counts
  (ListingService.bucket_counts) and the first page of 50 (ListingService.search, deadline
  order, with its total).
- filtered_search_ms: a filtered search (open/in progress, one kind, one assignee, created in
  the last 30 days, deadline order) of 50, with its total.
- bare_select_ms: the same rows as the filtered search's page, a bare SELECT of the ticket
  columns on the same index through the same Database runner (no count, no people, no cursor).
- bucket_counts_ms and team_first_page_ms: the two halves of team_view_ms.

Target: team_view_ms and filtered_search_ms under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.export import ASSIGNEES, ExportBench
from bot.domain.listing import SortOrder, TicketFilter
from bot.domain.model import Status
from storage import tables
from storage.listing import ASSIGNEE_INDEX
from storage.transaction import Transaction


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        bench = ExportBench(Path(directory))
        await bench.start(arguments.tickets)
        seeded = await bench.grow_to(arguments.tickets)
        actor = bench.actor
        assert actor is not None
        listing = bench.services.listing
        since = datetime.now(UTC) - timedelta(days=30)
        assignee = ASSIGNEES[0].id
        wanted = TicketFilter(
            statuses=frozenset({Status.OPEN, Status.IN_PROGRESS}),
            kinds=frozenset({"aftersale"}),
            assignee_id=assignee,
            created_from=since,
            sort=SortOrder.DEADLINE,
        )
        t = tables.tickets
        bare = (
            select(t)
            .where(
                t.c.team_id == actor.team_id,
                t.c.status.in_([Status.OPEN.value, Status.IN_PROGRESS.value]),
                t.c.kind == "aftersale",
                t.c.assignee_id == assignee,
                t.c.created_at >= since,
            )
            .order_by(t.c.due_at, t.c.id)
            .limit(50)
            .with_hint(t, f"INDEXED BY {ASSIGNEE_INDEX}", "sqlite")
        )

        def bare_rows(tx: Transaction) -> int:
            return len(tx.connection.execute(bare).all())

        async def team_view() -> None:
            await listing.bucket_counts(actor)
            await listing.search(actor, TicketFilter(), limit=50)

        async def filtered() -> None:
            page = await listing.search(actor, wanted, limit=50)
            assert page.tickets

        async def select_only() -> None:
            assert await bench.database.read(bare_rows)

        measured: dict[str, list[float]] = {
            "team_view_ms": [],
            "filtered_search_ms": [],
            "bare_select_ms": [],
        }
        calls = {
            "team_view_ms": team_view,
            "filtered_search_ms": filtered,
            "bare_select_ms": select_only,
        }
        for call in calls.values():  # warm the caches once
            await call()
        parts: dict[str, list[float]] = {"bucket_counts_ms": [], "team_first_page_ms": []}
        for _ in range(arguments.rounds):
            for name, call in calls.items():
                measured[name].append(await _timed(call))
            parts["bucket_counts_ms"].append(await _timed(lambda: listing.bucket_counts(actor)))
            parts["team_first_page_ms"].append(
                await _timed(lambda: listing.search(actor, TicketFilter(), limit=50))
            )
        await bench.database.dispose()

    print(f"tickets: {arguments.tickets:,} (seeded in {seeded:.1f} s), rounds: {arguments.rounds}")
    for name, values in {**measured, **parts}.items():
        print(f"{name:>20}: median {statistics.median(values):7.2f}  max {max(values):7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
