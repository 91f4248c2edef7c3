"""Streaming exports: rows from an async source written to CSV or XLSX as they arrive."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import io
import os
import re
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, BinaryIO, Final, Protocol, TypeAlias, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell: TypeAlias = str | int | float | datetime | None
Progress: TypeAlias = Callable[[int], Awaitable[None]]
T = TypeVar("T")

#: How datetimes read in CSV, and the matching Excel number format in XLSX.
CSV_DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M"
XLSX_DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
#: A sheet name is part of the file a user opens; one sheet, so a neutral one.
SHEET_TITLE: Final = "export"

#: Rows written between two hand-backs to the event loop. A source that never really waits
#: (an in-memory generator, or a database batch already fetched) would otherwise keep the loop
#: for the whole export; 256 rows of XLSX take a few milliseconds.
CHUNK_ROWS: Final = 256
#: Leading characters that make Excel, WPS or LibreOffice read a cell as a formula (OWASP
#: "CSV injection"); such text gets a leading apostrophe so it stays text.
_FORMULA_LEADS: Final = ("=", "+", "-", "@", "\t", "\r")
#: Control characters XML 1.0 cannot carry: openpyxl refuses them, which would abort an
#: export in the middle because of one odd customer message.
_XML_ILLEGAL: Final = re.compile(r"[\000-\010\013\014\016-\037]")
#: Excel keeps 15 significant digits: larger integers (long ids) are written as text so that
#: they are not silently rounded.
_EXCEL_EXACT_INT: Final = 10**15
#: Column widths, in characters, that XLSX columns are clamped to.
_MIN_WIDTH: Final = 8
_MAX_WIDTH: Final = 60
#: Rows looked at (and held) before the XLSX column widths are fixed.
_WIDTH_SAMPLE: Final = 100


class Writer(Protocol):
    def __call__(
        self,
        rows: AsyncIterable[Sequence[Cell]],
        header: Sequence[str],
        out: BinaryIO,
        *,
        progress: Progress | None = None,
        progress_every: int = 5000,
    ) -> Awaitable[int]: ...


def neutralise(text: str) -> str:
    """`text` with a leading apostrophe if a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(_FORMULA_LEADS) else text


async def rows_from_batches(
    batches: AsyncIterable[Iterable[T]], to_row: Callable[[T], Sequence[Cell]]
) -> AsyncIterator[Sequence[Cell]]:
    """The rows of a batched source (e.g. `QueryService.export`), one at a time."""
    async for batch in batches:
        for item in batch:
            yield to_row(item)


class _Pace:
    """Counts rows; at chunk ends flushes, yields to the loop, and reports progress."""

    def __init__(self, flush: Callable[[], None], progress: Progress | None, every: int) -> None:
        if every < 1:
            raise ValueError(f"progress_every must be positive, not {every}")
        self.count = 0
        self._flush = flush
        self._progress = progress
        self._every = every

    async def row_written(self) -> None:
        self.count += 1
        report = self._progress is not None and self.count % self._every == 0
        if report or self.count % CHUNK_ROWS == 0:
            # Flush before reporting, so "exported N rows" is true of the file.
            self._flush()
            if report and self._progress is not None:
                await self._progress(self.count)
            else:
                await asyncio.sleep(0)


# --- CSV ----------------------------------------------------------------------------------


def _csv_value(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        # Already in the team's timezone: the wall-clock time, without an offset.
        return value.strftime(CSV_DATETIME_FORMAT)
    return value


async def write_csv(
    rows: AsyncIterable[Sequence[Cell]],
    header: Sequence[str],
    out: BinaryIO,
    *,
    progress: Progress | None = None,
    progress_every: int = 5000,
) -> int:
    """Write `header` and `rows` as CSV to `out`; returns the number of data rows.

    UTF-8 with a BOM (without it Excel and WPS read Chinese as mojibake), RFC 4180 quoting,
    CRLF line ends. Only one chunk of encoded text is held at a time.
    """
    buffer = io.StringIO(newline="")
    # The excel dialect is RFC 4180: minimal quoting, doubled quotes, CRLF.
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")

    def flush() -> None:
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()

    pace = _Pace(flush, progress, progress_every)
    out.write(codecs.BOM_UTF8)
    writer.writerow([neutralise(name) for name in header])
    async for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        await pace.row_written()
    flush()
    return pace.count


# --- XLSX ---------------------------------------------------------------------------------


def _xlsx_text(text: str) -> str:
    # Strip before guarding: "\x01=cmd" would start with "=" once stripped.
    return neutralise(_XML_ILLEGAL.sub("", text))


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Cell) -> Any:
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, datetime):
        # Excel has no time zones; the value is already the team's wall-clock time.
        cell = WriteOnlyCell(sheet, value.replace(tzinfo=None))
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    if isinstance(value, int) and abs(value) >= _EXCEL_EXACT_INT:
        return str(value)
    return value


def _display_width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("2026-01-01 00:00")
    text = value if isinstance(value, str) else str(value)
    # CJK characters take two columns; a description is mostly Chinese.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _widths(header: Sequence[str], sample: Sequence[Sequence[Cell]]) -> list[float]:
    widths = [_display_width(name) for name in header]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _display_width(value))
    return [float(min(_MAX_WIDTH, max(_MIN_WIDTH, width + 2))) for width in widths]


def _discard(sheet: WriteOnlyWorksheet) -> None:
    """Close an abandoned sheet and delete its temporary file.

    openpyxl only deletes write-only temp files when the workbook is saved or the process
    exits; a bot that runs for months must not collect one per failed export.
    """
    writer = getattr(sheet, "_writer", None)
    with contextlib.suppress(Exception):
        sheet.close()
    path = getattr(writer, "out", None)
    if isinstance(path, str):
        with contextlib.suppress(Exception):
            writer.cleanup()  # type: ignore[union-attr]
        with contextlib.suppress(OSError):
            os.remove(path)


async def write_xlsx(
    rows: AsyncIterable[Sequence[Cell]],
    header: Sequence[str],
    out: BinaryIO,
    *,
    progress: Progress | None = None,
    progress_every: int = 5000,
) -> int:
    """Write `header` and `rows` as one XLSX sheet to `out`; returns the number of data rows.

    openpyxl's write-only mode streams each row into a temporary file, so memory stays flat;
    the file is zipped into `out` at the end, in a thread (it takes time proportional to the
    row count and would stall the bot).
    """
    pace = _Pace(lambda: None, progress, progress_every)  # nothing to flush: openpyxl writes
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(SHEET_TITLE)
    source = aiter(rows)
    try:
        # Write-only sheets take column widths only before the first row: size them from the
        # header and the first rows, which are held only until written.
        sample: list[Sequence[Cell]] = []
        async for row in source:
            sample.append(row)
            if len(sample) == _WIDTH_SAMPLE:
                break
        # types-openpyxl misses the write-only sheet's column_dimensions (set by _setup).
        columns = sheet.column_dimensions  # type: ignore[attr-defined]
        for index, width in enumerate(_widths(header, sample), start=1):
            columns[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, _xlsx_text(name))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)

        for row in sample:
            sheet.append([_xlsx_value(sheet, value) for value in row])
            await pace.row_written()
        del sample
        async for row in source:
            sheet.append([_xlsx_value(sheet, value) for value in row])
            await pace.row_written()
    except BaseException:
        _discard(sheet)
        raise
    # Not in the try: if the caller is cancelled during the save, the thread still owns the
    # sheet; openpyxl deletes the temporary file itself once the sheet is archived.
    await asyncio.to_thread(workbook.save, out)
    return pace.count


# --- Dispatch -----------------------------------------------------------------------------

WRITERS: Final[dict[str, Writer]] = {"csv": write_csv, "xlsx": write_xlsx}


async def write_export(
    fmt: str,
    rows: AsyncIterable[Sequence[Cell]],
    header: Sequence[str],
    out: BinaryIO,
    *,
    progress: Progress | None = None,
    progress_every: int = 5000,
) -> int:
    """Write in the format named `fmt` ("csv", "xlsx", or an `ExportFormat`)."""
    writer = WRITERS.get(str(fmt).lower())
    if writer is None:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {sorted(WRITERS)}")
    return await writer(rows, header, out, progress=progress, progress_every=progress_every)
