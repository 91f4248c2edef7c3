"""Peak memory of the bot process after a sweep over N open tickets, an export and deliveries.

Run: uv run python -m bench.memory [--tickets N] [--small M] [--export E] [--deliveries D]

For each of M (smaller) and N open tickets, in the same run: this process fills a fresh
SQLite file (Core executemany, not the subject) with one team holding the open tickets, D of
them past their deadline, and a second team holding E tickets to export. Then a fresh child
process, the "bot process", opens that file and runs the real parts on it:

1. the deadline sweep (bot.scheduler.Sweeper) over the N open tickets: D escalations;
2. an XLSX export of the second team's E rows (QueryService.export -> bot.export);
3. D deliveries of the outbox by the dispatcher (the real Bot through the in-process
   Bot API emulator, no sockets).

The child reports its peak resident set size (VmHWM: getrusage's ru_maxrss would carry
the parent's over), which covers the
interpreter, the libraries, SQLite's page cache and the emulator's record of what was sent
(the same D messages either way). Both lines are printed: peak RSS must not grow with N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from telegram.ext import AIORateLimiter

from bench.export import HEADER, SUPERVISOR, ticket_rows
from bench.sweep import CHUNK, NOW, SteppedClock, _ticket
from bot.app import build_bot
from bot.config import Settings
from bot.domain.model import ticket_label
from bot.domain.ticket import Ticket
from bot.export import Cell, rows_from_batches, write_export
from bot.scheduler import Sweeper
from bot.services.container import build_services
from emulator import EmulatorCore
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage import tables
from storage.database import Database, open_database
from storage.transaction import Transaction

SWEPT = -1001
EXPORTED = -1002
#: bench.sweep's tickets are assigned to users 2..21.
ASSIGNEES = tuple(PersonaSpec(user_id, f"User{user_id}") for user_id in range(2, 22))


def settings_for(path: Path) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": BotSpec().token},
            "database": {"url": f"sqlite:///{path}"},
            "dispatcher": {
                "messages_per_second": 10**6,
                "private_chat_interval": timedelta(0),
                "group_messages_per_minute": 10**9,
            },
            "scheduler": {"batch_size": 200},
            "teams": [
                {"chat_id": SWEPT, "name": "swept", "supervisors": [SUPERVISOR.id]},
                {"chat_id": EXPORTED, "name": "exported", "supervisors": [SUPERVISOR.id]},
            ],
        }
    )


def scenario() -> Scenario:
    people = (PersonaSpec(SUPERVISOR.id, "Dee", username="dee_lead"), *ASSIGNEES)
    members = tuple(p.id for p in people)
    return Scenario(
        bot=BotSpec(),
        groups=(
            GroupSpec(SWEPT, "swept", members=members),
            GroupSpec(EXPORTED, "exported", members=members),
        ),
        personas=people,
    )


# --- the parent: fill the database ---------------------------------------------------------


async def fill(path: Path, open_tickets: int, due: int, exported: int) -> None:
    settings = settings_for(path)
    database = open_database(settings.database)
    try:
        await database.migrate()
        services = build_services(settings, database, SteppedClock(NOW))
        swept, export_team = await services.people.sync_teams()
        for person in (SUPERVISOR,):
            await services.people.in_group(EXPORTED, person)
        for start in range(1, open_tickets + 1, CHUNK):
            rows = []
            for number in range(start, min(start + CHUNK, open_tickets + 1)):
                late = number <= due
                offset = -timedelta(minutes=1) if late else timedelta(minutes=number % 1440 + 1)
                rows.append(_ticket(swept.id, number, NOW + offset))
            await database.transact(_inserting(rows))
        rng = random.Random(20261102)
        start_at = NOW - timedelta(minutes=exported + 60)
        for first in range(1, exported + 1, CHUNK):
            size = min(CHUNK, exported - first + 1)
            await database.transact(
                _inserting(ticket_rows(rng, export_team.id, first, size, start_at))
            )
        for team_id, count in ((swept.id, open_tickets), (export_team.id, exported)):
            numbered = (
                update(tables.teams).where(tables.teams.c.id == team_id).values(last_number=count)
            )
            await database.transact(_executing(numbered))
        await database.transact(lambda tx: tx.connection.exec_driver_sql("ANALYZE"))
    finally:
        await database.dispose()


def _executing(statement: Any) -> Any:
    def body(tx: Transaction) -> None:
        tx.connection.execute(statement)

    return body


def _inserting(rows: list[dict[str, Any]]) -> Any:
    def body(tx: Transaction) -> None:
        tx.connection.execute(insert(tables.tickets), rows)

    return body


# --- the child: the bot process --------------------------------------------------------------


def _row(ticket: Ticket) -> list[Cell]:
    return [
        ticket_label(ticket.number),
        ticket.order_id,
        ticket.kind,
        ticket.description,
        ticket.status.value,
        ticket.assignee_id,
        ticket.created_at.replace(tzinfo=None),
        ticket.due_at.replace(tzinfo=None),
        ticket.outcome.value if ticket.outcome else None,
    ]


async def bot_process(path: Path, deliveries: int, out: Path) -> dict[str, Any]:
    settings = settings_for(path)
    database: Database = open_database(settings.database)
    clock = SteppedClock(NOW)
    core = EmulatorCore(scenario())
    bot = build_bot(
        settings,
        database,
        clock,
        request=EmulatedRequest(core),
        updates_request=EmulatedRequest(core),
    )
    bot.application.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    figures: dict[str, Any] = {}
    try:
        await bot.services.people.sync_teams()
        await bot.dispatcher_bot.initialize()
        await bot.application.initialize()
        figures["peak_rss_mib_at_start"] = _peak_mib()
        started = time.perf_counter()
        figures["escalated"] = await Sweeper(
            bot.services.tickets, database, clock, settings.scheduler
        ).sweep()
        figures["sweep_s"] = round(time.perf_counter() - started, 1)
        figures["peak_rss_mib_after_sweep"] = _peak_mib()
        profile = bot.services.directory.by_chat(EXPORTED)
        assert profile is not None
        actor = await bot.services.people.actor(profile.team.id, SUPERVISOR.id)
        started = time.perf_counter()
        with out.open("wb") as file:
            batches = bot.services.queries.export(actor, None)
            figures["exported"] = await write_export(
                "xlsx", rows_from_batches(batches, _row), HEADER, file
            )
        figures["export_s"] = round(time.perf_counter() - started, 1)
        figures["peak_rss_mib_after_export"] = _peak_mib()
        started = time.perf_counter()
        delivered = 0
        while delivered < deliveries:
            settled = await bot.dispatcher.deliver_once()
            if not settled:
                break
            delivered += settled
        figures["delivered"] = delivered
        figures["deliver_s"] = round(time.perf_counter() - started, 1)
    finally:
        await bot.stop()
        await database.dispose()
    figures["peak_rss_mib"] = _peak_mib()
    return figures


def _peak_mib() -> float:
    """The process's peak resident set so far: Linux's VmHWM (getrusage's ru_maxrss would
    carry over the parent's peak through fork and exec), else ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(kib) / 1024, 1)


# --- the run -----------------------------------------------------------------------------------


def measure(directory: Path, open_tickets: int, arguments: argparse.Namespace) -> dict[str, Any]:
    path = directory / f"memory-{open_tickets}.db"
    started = time.perf_counter()
    asyncio.run(fill(path, open_tickets, arguments.deliveries, arguments.export))
    filled = time.perf_counter() - started
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.memory",
            "--child",
            str(path),
            "--deliveries",
            str(arguments.deliveries),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    figures["fill_s"] = round(filled, 1)
    path.unlink()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open tickets swept")
    parser.add_argument("--small", type=int, default=100_000, help="the smaller run's tickets")
    parser.add_argument("--export", type=int, default=100_000, help="rows exported")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child is not None:
        out = arguments.child.with_suffix(".xlsx")
        figures = asyncio.run(bot_process(arguments.child, arguments.deliveries, out))
        out.unlink(missing_ok=True)
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory() as directory:
        runs = {
            n: measure(Path(directory), n, arguments) for n in (arguments.small, arguments.tickets)
        }
    for n, figures in runs.items():
        print(f"open_tickets_{n}: {json.dumps(figures)}")
    for n, figures in runs.items():
        print(f"peak_rss_mib_at_{n}: {figures['peak_rss_mib']}")
    small, big = (runs[n]["peak_rss_mib"] for n in (arguments.small, arguments.tickets))
    print(f"growth_mib: {big - small:.1f}")
    print(f"at: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
