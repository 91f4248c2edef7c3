"""Working time: a team's opening hours, public holidays and make-up workdays (调休).

Pure arithmetic over a calendar handed in: which hours a day has, the next opening, a span of
working time added to a moment, the working time between two moments. Times go in and out as
aware datetimes; the calendar's own zone only decides what "09:00 on Monday" is, so a DST
change shortens or lengthens that day's real hours as the clock on the wall does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo

#: Opening hours as offsets from local midnight ("24:00" is allowed as an end).
Interval = tuple[timedelta, timedelta]
Hours = tuple[Interval, ...]

#: How far ahead a search for working time goes before the calendar is called empty.
HORIZON: Final = timedelta(days=3 * 366)
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class NoWorkingTime(ValueError):
    """The calendar has no opening within the horizon (every day is off)."""


def parse_interval(text: str) -> Interval:
    """ "09:00-12:00" → (9 h, 12 h); ValueError with the reason for anything else."""
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise ValueError(f"expected HH:MM-HH:MM (got {text!r})")
    start, end = _clock_time(start_text), _clock_time(end_text)
    if not start < end:
        raise ValueError(f"expected the end after the start (got {text!r})")
    return start, end


def _clock_time(text: str) -> timedelta:
    hours, colon, minutes = text.strip().partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected HH:MM (got {text!r})")
    value = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) > 59 or value > timedelta(hours=24):
        raise ValueError(f"expected a time of day (got {text!r})")
    return value


def parse_hours(texts: tuple[str, ...] | list[str]) -> Hours:
    """A day's intervals, sorted; overlapping intervals are refused."""
    hours = tuple(sorted(parse_interval(text) for text in texts))
    for (_, end), (start, _) in pairwise(hours):
        if start < end:
            raise ValueError(f"overlapping opening hours: {', '.join(texts)}")
    return hours


def _never(day: date) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Opening hours per weekday (Monday first), with the days that differ.

    `dates` (configured) wins over everything; then a make-up workday has the hours of the
    calendar's standard day (the first weekday with hours); then a public holiday is off;
    otherwise the weekday's hours apply.
    """

    zone: ZoneInfo
    #: Monday to Sunday.
    weekly: tuple[Hours, ...]
    dates: Mapping[date, Hours] = field(default_factory=dict)
    is_holiday: Callable[[date], bool] = _never
    is_make_up_day: Callable[[date], bool] = _never

    def __post_init__(self) -> None:
        if len(self.weekly) != len(WEEKDAYS):
            raise ValueError(f"expected hours for 7 weekdays (got {len(self.weekly)})")

    @property
    def standard_day(self) -> Hours:
        return next((hours for hours in self.weekly if hours), ())

    def hours_on(self, day: date) -> Hours:
        if day in self.dates:
            return self.dates[day]
        if self.is_make_up_day(day):
            return self.standard_day
        if self.is_holiday(day):
            return ()
        return self.weekly[day.weekday()]

    def _openings(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening intervals (in UTC) that end at or after `start`, in order."""
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(HORIZON.days):
            day = first + timedelta(days=offset)
            for begin, end in self.hours_on(day):
                # Offsets are wall-clock: 09:00 stays 09:00 across a DST change.
                opens, closes = _wall(day, begin, self.zone), _wall(day, end, self.zone)
                if closes >= start:
                    yield max(opens, start), closes
        raise NoWorkingTime("no working time within three years")

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself during working hours (closing time included), else the next opening."""
        opens, _ = next(self._openings(at))
        return opens

    def add(self, start: datetime, span: timedelta) -> datetime:
        """The moment `span` of working time after `start` (at least the next opening)."""
        left = span
        for opens, closes in self._openings(start):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        raise NoWorkingTime("unreachable")  # pragma: no cover - _openings raises first

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two moments (zero if `end` is not after `start`)."""
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._openings(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    def is_open(self, at: datetime) -> bool:
        return self.next_opening(at) == at


def _wall(day: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    """Local `day` + `offset` as a UTC moment; "24:00" is the next day's midnight."""
    if offset == timedelta(hours=24):
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return (datetime.combine(day, time(0), tzinfo=zone) + offset).astimezone(UTC)
