"""The streaming export writers: CSV bytes as Excel/WPS expect them, XLSX read back by openpyxl."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.commands import ExportFormat
from bot.export import (
    CHUNK_ROWS,
    Cell,
    neutralise,
    rows_from_batches,
    write_csv,
    write_export,
    write_xlsx,
)

HEADER = ["编号", "订单号", "类型", "描述", "处理人", "创建时间"]
CREATED = datetime(2026, 11, 2, 9, 5, 59)
ROWS: list[list[Cell]] = [
    ["T1", "TB20261102001", "售后处理", "客户说收到的杯子碎了", 1002, CREATED],
    ["T2", "TB20261102002", "发货", 'Says "hi", then, a comma', None, CREATED],
    ["T3", "TB20261102003", "打单", "第一行\n第二行\r\n第三行", 1003, None],
]


async def source(rows: Sequence[Sequence[Cell]]) -> AsyncIterator[Sequence[Cell]]:
    for row in rows:
        yield row


def numbered(count: int) -> list[list[Cell]]:
    return [[f"T{n}", n, "描述"] for n in range(1, count + 1)]


async def csv_rows(
    rows: Sequence[Sequence[Cell]], header: Sequence[str] = HEADER
) -> list[list[str]]:
    out = io.BytesIO()
    await write_csv(source(rows), header, out)
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))


async def xlsx_sheet(rows: Sequence[Sequence[Cell]], header: Sequence[str] = HEADER) -> Worksheet:
    out = io.BytesIO()
    await write_xlsx(source(rows), header, out)
    out.seek(0)
    sheet = load_workbook(out).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


class Progress:
    def __init__(self) -> None:
        self.counts: list[int] = []

    async def __call__(self, count: int) -> None:
        self.counts.append(count)


# --- the injection guard -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("客户=1", "客户=1"),
        ("a-b", "a-b"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_evaluate_gets_an_apostrophe(text: str, expected: str) -> None:
    assert neutralise(text) == expected


# --- CSV -----------------------------------------------------------------------------------


async def test_csv_starts_with_a_bom_and_ends_lines_with_crlf() -> None:
    out = io.BytesIO()

    count = await write_csv(source(ROWS[:1]), HEADER, out)

    data = out.getvalue()
    assert count == 1
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.endswith(b"\r\n")
    assert data.decode("utf-8-sig").split("\r\n")[0] == ",".join(HEADER)


async def test_csv_chinese_commas_quotes_and_newlines_round_trip() -> None:
    parsed = await csv_rows(ROWS)

    assert parsed[0] == HEADER
    assert parsed[1][3] == "客户说收到的杯子碎了"
    assert parsed[2][3] == 'Says "hi", then, a comma'
    assert parsed[3][3] == "第一行\n第二行\r\n第三行"
    assert len(parsed) == 4


async def test_csv_quotes_only_what_needs_it() -> None:
    out = io.BytesIO()

    await write_csv(source(ROWS[1:2]), ["a"], out)

    line = out.getvalue().decode("utf-8-sig").split("\r\n")[1]
    assert line == 'T2,TB20261102002,发货,"Says ""hi"", then, a comma",,2026-11-02 09:05'


async def test_csv_datetimes_are_minutes_without_offset_and_none_is_empty() -> None:
    shanghai = timezone(timedelta(hours=8))
    rows: list[list[Cell]] = [[CREATED, None, 3, 2.5], [CREATED.replace(tzinfo=shanghai)]]

    parsed = await csv_rows(rows, ["at", "none", "int", "float"])

    assert parsed[1] == ["2026-11-02 09:05", "", "3", "2.5"]
    # An aware time is already the team's wall clock: written as is, never converted.
    assert parsed[2] == ["2026-11-02 09:05"]


async def test_csv_guards_formula_text_but_not_numbers() -> None:
    rows: list[list[Cell]] = [["=1+1", "@cmd", "+86", "-x", "\tx", -5, -1.5]]

    parsed = await csv_rows(rows, ["a"])

    assert parsed[1] == ["'=1+1", "'@cmd", "'+86", "'-x", "'\tx", "-5", "-1.5"]


async def test_csv_reports_progress_every_n_rows_with_the_file_flushed() -> None:
    out = io.BytesIO()
    seen: list[tuple[int, int]] = []

    async def progress(count: int) -> None:
        # What the file holds when progress is told: header plus `count` rows.
        lines = out.getvalue().decode("utf-8-sig").count("\r\n") - 1
        seen.append((count, lines))

    count = await write_csv(source(numbered(12)), ["n"], out, progress=progress, progress_every=5)

    assert count == 12
    assert seen == [(5, 5), (10, 10)]


async def test_csv_of_no_rows_is_the_header_alone() -> None:
    out = io.BytesIO()

    assert await write_csv(source([]), ["a", "b"], out) == 0
    assert out.getvalue() == b"\xef\xbb\xbfa,b\r\n"


async def test_csv_hands_the_loop_back_while_a_source_never_waits() -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    await write_csv(source(numbered(CHUNK_ROWS * 4)), ["n"], io.BytesIO())
    stop.set()
    await task

    assert ticks >= 4


# --- XLSX ----------------------------------------------------------------------------------


async def test_xlsx_header_is_bold_and_frozen() -> None:
    sheet = await xlsx_sheet(ROWS)

    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4


async def test_xlsx_keeps_chinese_and_types() -> None:
    sheet = await xlsx_sheet(ROWS)

    assert sheet["D2"].value == "客户说收到的杯子碎了"
    # XML parsers normalise CRLF to LF (Excel's own line break in a cell).
    assert sheet["D4"].value == "第一行\n第二行\n第三行"
    assert sheet["E2"].value == 1002
    assert sheet["E2"].data_type == "n"
    assert sheet["E3"].value is None
    created = sheet["F2"]
    assert isinstance(created.value, datetime)
    assert created.value == CREATED
    assert created.is_date
    assert created.number_format == "yyyy-mm-dd hh:mm"


async def test_xlsx_aware_datetimes_keep_their_wall_clock() -> None:
    shanghai = timezone(timedelta(hours=8))

    sheet = await xlsx_sheet([[CREATED.replace(tzinfo=shanghai)]], ["at"])

    assert sheet["A2"].value == CREATED


async def test_xlsx_guards_formulas_and_drops_characters_xml_cannot_carry() -> None:
    rows: list[list[Cell]] = [["=1+1", "@cmd", "-x", "\x01=2", "bell\x07", -5]]

    sheet = await xlsx_sheet(rows, ["a", "b", "c", "d", "e", "f"])

    values = [cell.value for cell in sheet[2]]
    assert values == ["'=1+1", "'@cmd", "'-x", "'=2", "bell", -5]
    assert all(cell.data_type != "f" for cell in sheet[2])


async def test_xlsx_writes_huge_integers_as_text_so_excel_does_not_round_them() -> None:
    sheet = await xlsx_sheet([[2**60, 10**15 - 1]], ["big", "fits"])

    assert sheet["A2"].value == str(2**60)
    assert sheet["B2"].value == 10**15 - 1


async def test_xlsx_columns_are_sized_from_the_header_and_first_rows() -> None:
    sheet = await xlsx_sheet([["x", "客户说收到的杯子碎了", "y" * 500]], ["编号", "描述", "long"])

    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["A"] == 8  # the minimum
    assert widths["B"] == 22  # ten wide characters, plus padding
    assert widths["C"] == 60  # the maximum


async def test_xlsx_reports_progress_and_counts_rows() -> None:
    progress = Progress()
    out = io.BytesIO()

    count = await write_xlsx(
        source(numbered(250)), ["n"], out, progress=progress, progress_every=100
    )

    assert count == 250
    assert progress.counts == [100, 200]
    out.seek(0)
    sheet = load_workbook(out).worksheets[0]
    assert isinstance(sheet, Worksheet)
    assert sheet.max_row == 251
    assert sheet["B251"].value == 250


async def test_xlsx_failure_midway_leaves_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    async def broken() -> AsyncIterator[Sequence[Cell]]:
        for row in numbered(150):
            yield row
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        await write_xlsx(broken(), ["n"], io.BytesIO())

    assert os.listdir(tmp_path) == []


# --- dispatch and batches -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX, "csv", "XLSX"])
async def test_write_export_dispatches_on_the_format(fmt: str) -> None:
    out = io.BytesIO()

    count = await write_export(fmt, source(ROWS), HEADER, out)

    assert count == len(ROWS)
    magic = b"PK" if str(fmt).lower() == "xlsx" else b"\xef\xbb\xbf"
    assert out.getvalue().startswith(magic)


async def test_write_export_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="pdf"):
        await write_export("pdf", source(ROWS), HEADER, io.BytesIO())


async def test_rows_from_batches_flattens_in_order() -> None:
    async def batches() -> AsyncIterator[list[int]]:
        yield [1, 2]
        yield []
        yield [3]

    rows = [row async for row in rows_from_batches(batches(), lambda n: [n, n * 10])]

    assert rows == [[1, 10], [2, 20], [3, 30]]


async def test_progress_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="progress_every"):
        await write_csv(source(ROWS), HEADER, io.BytesIO(), progress_every=0)
