"""Streaming export speed and peak memory for CSV and XLSX, after 10k, 50k and 100k rows.

Run: uv run python -m bench.export [--tickets N]
     uv run python -m bench.export --lxml [--tickets N] [--rounds R]

With --lxml, only the XLSX path is timed (median of R exports), once in a child process with
openpyxl on lxml and once with OPENPYXL_LXML=False (its standard-library XML writer), and the
ratio printed: lxml is worth a dependency only if it at least doubles the rows per second.
Measured 2026-12-06 on 20,000 rows: 498 vs 294 rows/s, 1.69x; again 2026-12-07 with the same
command: 8,661 vs 6,980 rows/s, 1.24x. Not adopted. (Installed, lxml
also changes what a cell's line breaks read back as: tests/unit/test_export.py fails.)

One SQLite file in a temporary directory gets one team and N tickets (bulk-inserted with
Core executemany, not through the services: the subject here is the export). Each export goes
through the real path: QueryService.export (a supervisor; Database.stream batches) -> one row
per ticket (assignee name, kind label, times in the team's zone) -> bot.export.write_csv /
write_xlsx into a file in the temporary directory, with a progress callback every 5,000 rows.

- <fmt>_rows_per_s: rows per second of the whole path over N rows, tracemalloc off (it
  slows every allocation several times over), wall time including the XLSX zip step.
- <fmt>_peak_memory_mib_at_<n>: in a second, traced export of all N rows, tracemalloc's
  peak of the Python allocations made since the export began, read when the n-th row has
  been written (the progress callback) and, for n = N, after the file is finished (for XLSX
  that includes the zip step). One export read at three points rather than three exports of
  10k/50k/100k-row tables: the rows up to the n-th are the same either way, and tracing
  openpyxl three times over would take minutes. It counts every object and buffer allocated
  through Python's allocators in any thread: the database batch, the Ticket objects, the CSV
  chunk, openpyxl's XML elements, zlib's buffers. It does not count SQLite's own C heap (page
  cache, statement state), what existed before the export, nor the openpyxl temp file and
  the output file (on disk / in the OS page cache). Equal figures at 10k, 50k and N rows are
  the point: memory does not grow with the row count.
- <fmt>_peak_memory_mib: the same at N rows.
- max_rss_mib: the process's peak resident set (getrusage), for context: it also covers the
  bulk insert, the interpreter, SQLAlchemy, openpyxl and SQLite, and never goes down.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, insert, update

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.model import DEFAULT_KINDS, Status, ticket_label
from bot.domain.people import Person
from bot.domain.permissions import Actor
from bot.domain.ticket import Ticket
from bot.export import Cell, rows_from_batches, write_export
from bot.services.container import Services, build_services
from storage import tables
from storage.database import Database, open_database
from storage.transaction import Transaction

GROUP = -1001
SUPERVISOR = Person(1, "Dee", username="dee_lead")
AGENTS = [Person(2, "Ann", username="ann_agent"), Person(3, "Lin", username="lin_agent")]
ASSIGNEES = [
    Person(10, "Bo", "Wang", username="bo_aftersale"),
    Person(11, "Cai", username="cai_warehouse"),
    Person(12, "Dai", "Li", username="dai_ops"),
    Person(13, "Fang", username="fang_cs"),
]
HEADER = ["编号", "订单号", "类型", "描述", "状态", "处理人", "创建时间", "截止时间", "结果"]
INSERT_CHUNK = 5000
PROGRESS_EVERY = 5000
#: Rows after which the traced export's peak is read (multiples of PROGRESS_EVERY).
CHECKPOINTS = (10_000, 50_000)

_SUBJECTS = ["客户", "买家", "顾客", "消费者"]
_COMPLAINTS = [
    "说收到的杯子碎了，要求补发一个新的",
    "反馈快递三天没有更新物流信息，催促发货",
    "表示地址写错了，需要改成上海市浦东新区张江路",
    "询问蓝色M码什么时候到货，可以接受换色",
    "申请七天无理由退货，商品吊牌还在",
    "投诉包装破损，外箱有明显挤压痕迹",
    "要求开具增值税专用发票，抬头已发到聊天",
    "说赠品没有收到，订单备注里写了要送",
]
_REQUESTS = [
    "请尽快处理并回复。",
    "已安抚，等待仓库确认。",
    "协商一致后上传聊天截图。",
    "今天下班前需要答复。",
]


def description(rng: random.Random) -> str:
    """About 40 Chinese characters, like a real hand-over note."""
    return rng.choice(_SUBJECTS) + rng.choice(_COMPLAINTS) + "，" + rng.choice(_REQUESTS)


def ticket_rows(
    rng: random.Random, team_id: int, first: int, count: int, start: datetime
) -> list[dict[str, Any]]:
    """Rows for tickets first..first+count-1, created a minute apart from `start`."""
    statuses = [
        (Status.OPEN, 20),
        (Status.IN_PROGRESS, 15),
        (Status.RESOLVED, 45),
        (Status.ESCALATED, 8),
        (Status.CLOSED, 7),
        (Status.CANCELLED, 5),
    ]
    names = [s for s, _ in statuses]
    weights = [w for _, w in statuses]
    rows = []
    for number in range(first, first + count):
        kind = rng.choice(DEFAULT_KINDS)
        status = rng.choices(names, weights)[0]
        created = start + timedelta(minutes=number)
        due = created + kind.reply_within
        waiting = status in (Status.OPEN, Status.IN_PROGRESS)
        finished = status in (Status.RESOLVED, Status.CLOSED)
        outcome = None
        if status is Status.RESOLVED:
            outcome = rng.choice(["agreed", "done"]) if kind.needs_outcome else "done"
        rows.append(
            {
                "team_id": team_id,
                "number": number,
                "order_id": str(rng.randrange(10**18, 10**19)),  # Taobao ids: 19 digits
                "kind": kind.name,
                "description": description(rng),
                "creator_id": rng.choice(AGENTS).id,
                "assignee_id": rng.choice(ASSIGNEES).id if rng.random() < 0.95 else None,
                "status": status.value,
                "outcome": outcome,
                "created_at": created,
                "updated_at": created + timedelta(minutes=30),
                "due_at": due,
                "remind_at": due - kind.remind_before if waiting else None,
                "reminded": False,
                "escalation_level": 1 if status is Status.ESCALATED else 0,
                "escalated_at": due if status is Status.ESCALATED else None,
                "touched_at": created + timedelta(minutes=10) if not waiting else None,
                "resolved_at": created + timedelta(hours=3) if finished else None,
                "cancel_requested_by": None,
                "cancel_reason": None,
                "cancel_requested_at": None,
                "next_action": "remind" if waiting else None,
                "next_action_at": due - kind.remind_before if waiting else None,
                "version": 2,
            }
        )
    return rows


def _executemany(statement: Insert, rows: list[dict[str, Any]]) -> Callable[[Transaction], None]:
    def body(tx: Transaction) -> None:
        tx.connection.execute(statement, rows)

    return body


class ExportBench:
    """A migrated SQLite database with one team whose tickets grow between measurements."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.settings = Settings.model_validate(
            {
                "database": {"url": f"sqlite:///{directory / 'bot.db'}"},
                "teams": [
                    {
                        "chat_id": GROUP,
                        "name": "bench",
                        "timezone": "Asia/Shanghai",
                        "supervisors": [SUPERVISOR.id],
                    }
                ],
            }
        )
        self.database: Database = open_database(self.settings.database)
        self.services: Services = build_services(self.settings, self.database, SystemClock())
        self.rng = random.Random(20261102)
        self.tickets = 0
        self.team_id = 0
        self.actor: Actor | None = None
        self.names: dict[int, str] = {}
        self.labels = {kind.name: kind.label_zh for kind in DEFAULT_KINDS}
        self.start_at = datetime.now(UTC)

    async def start(self, total: int) -> None:
        await self.database.migrate()
        teams = await self.services.people.sync_teams()
        self.team_id = teams[0].id
        for person in (SUPERVISOR, *AGENTS, *ASSIGNEES):
            session = await self.services.people.in_group(GROUP, person)
            assert session is not None
            if person is SUPERVISOR:
                self.actor = session.actor
        people = await self.services.queries.people({p.id for p in ASSIGNEES})
        self.names = {user_id: person.display_name for user_id, person in people.items()}
        # Created a minute apart, ending about now.
        self.start_at = datetime.now(UTC) - timedelta(minutes=total + 60)

    async def grow_to(self, count: int) -> float:
        """Insert tickets up to `count`; returns the seconds it took."""
        started = time.perf_counter()
        statement = insert(tables.tickets)
        while self.tickets < count:
            size = min(INSERT_CHUNK, count - self.tickets)
            rows = ticket_rows(self.rng, self.team_id, self.tickets + 1, size, self.start_at)
            await self.database.transact(_executemany(statement, rows))
            self.tickets += size
        numbered = (
            update(tables.teams)
            .where(tables.teams.c.id == self.team_id)
            .values(last_number=self.tickets)
        )
        await self.database.transact(lambda tx: tx.connection.execute(numbered))
        return time.perf_counter() - started

    def row(self, ticket: Ticket) -> Sequence[Cell]:
        zone = self.settings.teams[0].zone
        assignee = self.names.get(ticket.assignee_id) if ticket.assignee_id else None
        return [
            ticket_label(ticket.number),
            ticket.order_id,
            self.labels.get(ticket.kind, ticket.kind),
            ticket.description,
            ticket.status.value,
            assignee,
            ticket.created_at.astimezone(zone).replace(tzinfo=None),
            ticket.due_at.astimezone(zone).replace(tzinfo=None),
            ticket.outcome.value if ticket.outcome else None,
        ]

    async def export(
        self, fmt: str, on_progress: Callable[[int], None] | None = None
    ) -> tuple[int, float, Path]:
        """Export every ticket into a file; returns (rows, seconds, file)."""
        assert self.actor is not None
        path = self.directory / f"export.{fmt}"
        reported: list[int] = []

        async def progress(count: int) -> None:
            # What a handler does here is edit a Telegram message: not the subject.
            reported.append(count)
            if on_progress is not None:
                on_progress(count)

        started = time.perf_counter()
        with path.open("wb") as out:
            batches = self.services.queries.export(self.actor, None)
            count = await write_export(
                fmt,
                rows_from_batches(batches, self.row),
                HEADER,
                out,
                progress=progress,
                progress_every=PROGRESS_EVERY,
            )
        elapsed = time.perf_counter() - started
        assert count == self.tickets, (count, self.tickets)
        assert len(reported) == count // PROGRESS_EVERY
        return count, elapsed, path

    async def stream_only(self) -> float:
        """Rows per second of QueryService.export alone: the floor under both formats."""
        assert self.actor is not None
        started = time.perf_counter()
        count = 0
        async for batch in self.services.queries.export(self.actor, None):
            count += len(batch)
        return count / (time.perf_counter() - started)

    async def peaks_mib(self, fmt: str, checkpoints: Sequence[int]) -> dict[int, float]:
        """tracemalloc's peak after each checkpoint row and at the end (see the docstring)."""
        peaks: dict[int, float] = {}

        def read(count: int) -> None:
            if count in checkpoints:
                peaks[count] = tracemalloc.get_traced_memory()[1] / 2**20

        # Started here, so only what this export allocates (and still holds) is traced.
        tracemalloc.start()
        try:
            count, _, _ = await self.export(fmt, read)
            peaks[count] = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
        return peaks


async def xlsx_only(total: int, rounds: int) -> None:
    """The child of --lxml: XLSX rows per second, as openpyxl is configured by the environment."""
    from openpyxl import xml as openpyxl_xml

    with tempfile.TemporaryDirectory() as directory:
        bench = ExportBench(Path(directory))
        await bench.start(total)
        await bench.grow_to(total)
        rates = []
        for _ in range(rounds):
            count, elapsed, _ = await bench.export("xlsx")
            rates.append(count / elapsed)
        await bench.database.dispose()
    print(f"lxml={openpyxl_xml.LXML} rows_per_s={statistics.median(rates):.0f}")


def compare_lxml(total: int, rounds: int) -> None:
    rates: dict[bool, float] = {}
    for lxml in (True, False):
        environment = dict(os.environ, OPENPYXL_LXML=str(lxml))
        child = subprocess.run(
            [
                sys.executable,
                *("-m", "bench.export", "--xlsx-only"),
                *("--tickets", str(total), "--rounds", str(rounds)),
            ],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        )
        flag, rate = child.stdout.strip().splitlines()[-1].split()
        used = flag == "lxml=True"
        if lxml and not used:
            print("lxml: not installed (uv pip install lxml to measure it)")
            return
        rates[lxml] = float(rate.split("=")[1])
    print(f"xlsx_rows_per_s_with_lxml: {rates[True]:.0f}")
    print(f"xlsx_rows_per_s_without_lxml: {rates[False]:.0f}")
    print(f"lxml_speedup: {rates[True] / rates[False]:.2f}")
    print(f"rows: {total}, median of {rounds} exports each")


def max_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--lxml", action="store_true", help="XLSX with and without lxml")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--xlsx-only", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    total: int = arguments.tickets
    if arguments.xlsx_only:
        await xlsx_only(total, arguments.rounds)
        return
    if arguments.lxml:
        compare_lxml(total, arguments.rounds)
        return
    checkpoints = [n for n in CHECKPOINTS if n < total and n % PROGRESS_EVERY == 0]
    with tempfile.TemporaryDirectory() as directory:
        bench = ExportBench(Path(directory))
        await bench.start(total)
        inserting = await bench.grow_to(total)
        rss_after_insert = max_rss_mib()
        stream_rate = await bench.stream_only()
        rates: dict[str, float] = {}
        file_sizes: dict[str, int] = {}
        for fmt in ("csv", "xlsx"):
            count, elapsed, path = await bench.export(fmt)
            rates[fmt] = count / elapsed
            file_sizes[fmt] = path.stat().st_size
        peaks = {fmt: await bench.peaks_mib(fmt, checkpoints) for fmt in ("csv", "xlsx")}
        await bench.database.dispose()
    for fmt in ("csv", "xlsx"):
        print(f"{fmt}_rows_per_s: {rates[fmt]:.0f}")
        print(f"{fmt}_peak_memory_mib: {peaks[fmt][total]:.2f}")
        for size in [*checkpoints, total]:
            print(f"{fmt}_peak_memory_mib_at_{size}: {peaks[fmt][size]:.2f}")
        print(f"{fmt}_file_mib: {file_sizes[fmt] / 2**20:.1f}")
    print(f"stream_only_rows_per_s: {stream_rate:.0f}")
    print(f"insert_rows_per_s: {total / inserting:.0f}")
    print(f"max_rss_mib_after_insert: {rss_after_insert:.1f}")
    print(f"max_rss_mib: {max_rss_mib():.1f}")
    print(f"tickets: {total}")


if __name__ == "__main__":
    asyncio.run(main())
