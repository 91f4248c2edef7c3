"""The workbench's statistics over days: tickets opened and resolved per local day, and the
median time from opening to the outcome. Pure: the caller passes the rows and the day."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    opened: int
    resolved: int


@dataclass(frozen=True, slots=True)
class Activity:
    days: list[Day]
    #: Median of resolved_at − created_at over the tickets resolved in the period.
    median_to_outcome: timedelta | None


def activity(
    rows: Iterable[tuple[datetime, datetime | None]], zone: ZoneInfo, today: date, days: int
) -> Activity:
    """`rows` are (created_at, resolved_at) of tickets created or resolved in the period."""
    first = today - timedelta(days=days - 1)
    opened = dict.fromkeys((first + timedelta(days=n) for n in range(days)), 0)
    resolved = dict(opened)
    spans: list[float] = []
    for created_at, resolved_at in rows:
        created_day = created_at.astimezone(zone).date()
        if created_day in opened:
            opened[created_day] += 1
        if resolved_at is not None:
            resolved_day = resolved_at.astimezone(zone).date()
            if resolved_day in resolved:
                resolved[resolved_day] += 1
                spans.append((resolved_at - created_at).total_seconds())
    median = timedelta(seconds=statistics.median(spans)) if spans else None
    return Activity([Day(d, opened[d], resolved[d]) for d in opened], median)
