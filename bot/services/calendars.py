"""Team calendars built from the configuration, with public holidays from `holidays`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import holidays

from bot.config import CalendarSettings
from bot.domain.calendars import WorkCalendar, parse_hours


class HolidayTable:
    """A country's public holidays and make-up workdays, as `holidays` knows them.

    The package fills a year in on first use; `weekend_workdays` (China's 调休 Saturdays and
    Sundays) is filled in with it, so a make-up day is looked up after its year is loaded.
    """

    def __init__(self, country: str) -> None:
        self._table = holidays.country_holidays(country)

    def is_holiday(self, day: date) -> bool:
        return day in self._table

    def is_make_up_day(self, day: date) -> bool:
        _ = day in self._table  # loads the day's year, make-up days included
        return day in getattr(self._table, "weekend_workdays", ())

    def name(self, day: date) -> str | None:
        found = self._table.get(day)
        return str(found) if found else None


def build_calendar(settings: CalendarSettings) -> tuple[WorkCalendar, HolidayTable | None]:
    table = HolidayTable(settings.holidays) if settings.holidays else None
    calendar = WorkCalendar(
        zone=ZoneInfo(settings.timezone),
        weekly=tuple(parse_hours(list(day)) for day in settings.weekly()),
        dates={day: parse_hours(list(hours)) for day, hours in settings.dates.items()},
    )
    if table is not None:
        calendar = replace(
            calendar, is_holiday=table.is_holiday, is_make_up_day=table.is_make_up_day
        )
    return calendar, table
