"""Ticket creations per second through the service layer vs raw aiosqlite commits.

Run: uv run python -m bench.storage [--tickets N] [--rounds R] [--in-flight K]

Everything is measured in one run on SQLite files in a temporary directory, in alternating
rounds so that both sides see the same machine state, and the median round is reported:

- raw_commits_per_s: aiosqlite, one INSERT of one row and a commit, one after another.
- service_creates_per_s: TicketService.create with everything a /ticket from Telegram writes
  (its update id, the ticket, its `created` event, the assignee's card in the outbox), each
  create its own transaction, K commands in flight at once as a busy group produces them;
  the SQLite writer coalesces transactions that queue up into one commit (each keeps its own
  savepoint and outcome).
- sequential_creates_per_s: the same, one command at a time (one commit each).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.changes import Channel, Origin
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.people import Person
from bot.domain.permissions import Actor
from bot.services.container import Services, build_services
from bot.services.tickets import Created
from storage.database import Database, open_database

GROUP = -1001
AGENT = Person(1, "Ann", username="ann_agent")
ASSIGNEE = Person(2, "Bo", username="bo_aftersale")


class ServiceBench:
    """A migrated database with one team, and a counter for unique orders and update ids."""

    def __init__(self, directory: Path) -> None:
        self.settings = Settings.model_validate(
            {
                "database": {"url": f"sqlite:///{directory / 'bot.db'}"},
                "teams": [{"chat_id": GROUP, "name": "bench", "supervisors": [AGENT.id]}],
            }
        )
        self.database: Database = open_database(self.settings.database)
        self.services: Services = build_services(self.settings, self.database, SystemClock())
        self.actor: Actor | None = None
        self.next_id = 0

    async def start(self) -> None:
        await self.database.migrate()
        await self.services.people.sync_teams()
        session = await self.services.people.in_group(GROUP, AGENT)
        assert session is not None
        assert await self.services.people.in_group(GROUP, ASSIGNEE) is not None
        self.actor = session.actor
        await self.creates(200, in_flight=1)  # warm up caches and connections

    async def create(self) -> None:
        assert self.actor is not None
        self.next_id += 1
        command = CreateTicket(
            f"TB{self.next_id}", "aftersale", UserRef(username=ASSIGNEE.username), "bench"
        )
        origin = Origin(self.actor, Channel.CHAT, self.next_id)
        result = await self.services.tickets.create(command, origin)
        assert isinstance(result, Created)

    async def creates(self, count: int, *, in_flight: int) -> float:
        """Creations per second with `in_flight` commands running at once."""

        async def worker(share: int) -> None:
            for _ in range(share):
                await self.create()

        base, extra = divmod(count, in_flight)
        shares = [base + (1 if i < extra else 0) for i in range(in_flight)]
        started = time.perf_counter()
        await asyncio.gather(*(worker(share) for share in shares))
        return count / (time.perf_counter() - started)


async def raw_commits(connection: aiosqlite.Connection, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        await connection.execute("INSERT INTO t (v) VALUES (?)", (f"row {index}",))
        await connection.commit()
    return count / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000, help="per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=16)
    arguments = parser.parse_args()
    raw: list[float] = []
    coalesced: list[float] = []
    sequential: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        bench = ServiceBench(Path(directory))
        await bench.start()
        async with aiosqlite.connect(Path(directory) / "raw.db") as connection:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA synchronous=NORMAL")
            await connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            await connection.commit()
            await raw_commits(connection, 200)
            for _ in range(arguments.rounds):
                raw.append(await raw_commits(connection, arguments.tickets))
                coalesced.append(
                    await bench.creates(arguments.tickets, in_flight=arguments.in_flight)
                )
                sequential.append(await bench.creates(arguments.tickets, in_flight=1))
        await bench.database.dispose()
    raw_median = statistics.median(raw)
    print(f"service_creates_per_s: {statistics.median(coalesced):.0f}")
    print(f"raw_commits_per_s: {raw_median:.0f}")
    print(f"ratio: {statistics.median(coalesced) / raw_median:.2f}")
    print(f"sequential_creates_per_s: {statistics.median(sequential):.0f}")
    print(f"sequential_ratio: {statistics.median(sequential) / raw_median:.2f}")
    print(f"in_flight: {arguments.in_flight}")
    print(f"rounds: {arguments.rounds} x {arguments.tickets} per side")


if __name__ == "__main__":
    asyncio.run(main())
