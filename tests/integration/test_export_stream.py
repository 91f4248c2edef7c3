"""Exports streamed from the real query service on SQLite and PostgreSQL into CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.errors import Refused
from bot.domain.model import ticket_label
from bot.domain.ticket import Ticket
from bot.export import Cell, rows_from_batches, write_csv, write_xlsx
from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.world import AGENT, ASSIGNEE, SUPERVISOR, World, build_world

HEADER = ["编号", "订单号", "类型", "描述", "状态", "处理人", "创建时间"]
DESCRIPTIONS = [
    "客户说收到的杯子碎了，要求补发",
    "买家反馈快递三天没有更新物流信息",
    '地址写错了，"请改成" 上海市浦东新区',
    '=HYPERLINK("http://evil") 顾客留言',
    "缺货：蓝色 M 码，请通知客户换色\n第二行备注",
]


def as_row(world: World, ticket: Ticket) -> Sequence[Cell]:
    return [
        ticket_label(ticket.number),
        ticket.order_id,
        ticket.kind,
        ticket.description,
        ticket.status.value,
        ticket.assignee_id,
        # The team's wall clock, naive: what the writers expect.
        ticket.created_at.astimezone(world.team.zone).replace(tzinfo=None),
    ]


async def create_tickets(world: World, clock: FakeClock) -> list[Ticket]:
    created = []
    for index, description in enumerate(DESCRIPTIONS, start=1):
        created.append(await world.create(f"TB2026110200{index}", description=description))
        clock.advance(timedelta(minutes=7))
    return created


async def test_csv_export_streams_every_ticket_in_number_order(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    created = await create_tickets(world, clock)
    out = io.BytesIO()
    progress: list[int] = []

    async def report(count: int) -> None:
        progress.append(count)

    batches = world.services.queries.export(world.actor(SUPERVISOR), None)
    count = await write_csv(
        rows_from_batches(batches, lambda t: as_row(world, t)),
        HEADER,
        out,
        progress=report,
        progress_every=2,
    )

    assert count == len(DESCRIPTIONS)
    assert progress == [2, 4]
    parsed = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert parsed[0] == HEADER
    assert [row[0] for row in parsed[1:]] == ["T1", "T2", "T3", "T4", "T5"]
    assert [row[3] for row in parsed[1:]] == [
        *DESCRIPTIONS[:3],
        "'" + DESCRIPTIONS[3],  # formula text stays text in a spreadsheet
        DESCRIPTIONS[4],
    ]
    first = parsed[1]
    assert first[1] == created[0].order_id
    assert first[4] == "open"
    assert first[5] == str(ASSIGNEE.id)
    # FakeClock starts at 01:00 UTC: 09:00 in Asia/Shanghai, seven minutes per ticket.
    assert [row[6] for row in parsed[1:3]] == ["2026-11-02 09:00", "2026-11-02 09:07"]


async def test_xlsx_export_streams_every_ticket_in_number_order(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    created = await create_tickets(world, clock)
    out = io.BytesIO()

    batches = world.services.queries.export(world.actor(SUPERVISOR), None)
    count = await write_xlsx(rows_from_batches(batches, lambda t: as_row(world, t)), HEADER, out)

    assert count == len(DESCRIPTIONS)
    out.seek(0)
    sheet = load_workbook(out).worksheets[0]
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [row[0] for row in rows[1:]] == [ticket_label(t.number) for t in created]
    assert rows[1][3] == DESCRIPTIONS[0]
    assert rows[4][3] == "'" + DESCRIPTIONS[3]
    assert rows[1][5] == ASSIGNEE.id
    assert rows[1][6] == as_row(world, created[0])[6]


async def test_export_period_keeps_only_recent_tickets(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    await world.create("TB_OLD", description="上个月的工单")
    clock.advance(timedelta(days=40))
    recent = await world.create("TB_NEW", description="这周的工单")
    out = io.BytesIO()

    batches = world.services.queries.export(world.actor(SUPERVISOR), timedelta(days=30))
    count = await write_csv(rows_from_batches(batches, lambda t: as_row(world, t)), HEADER, out)

    assert count == 1
    parsed = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert [row[1] for row in parsed[1:]] == [recent.order_id]


async def test_only_supervisors_may_export(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    await world.create()

    # The service is an async generator: the refusal comes with the first batch asked for.
    with pytest.raises(Refused) as refused:
        _ = [batch async for batch in world.services.queries.export(world.actor(AGENT), None)]

    assert refused.value.key == "refused.team_permission"
