"""`ticketbot calendar` and `ticketbot deadline`: what a team's working time will be."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, timedelta

from bot.config import ConfigError, Settings, TeamSettings, load_settings
from bot.domain.deadlines import deadline_for
from bot.domain.model import KindClock
from bot.services.calendars import build_calendar

Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register_commands(add: Add) -> None:
    calendar = add("calendar", _calendar, "print a team's working hours and holidays")
    calendar.add_argument("--team", type=int, required=True, help="the team's group chat id")
    calendar.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
    calendar.add_argument("--days", type=int, default=14)
    deadline = add("deadline", _deadline, "print when a ticket opened at a time is due")
    deadline.add_argument("--team", type=int, required=True, help="the team's group chat id")
    deadline.add_argument("--kind", required=True)
    deadline.add_argument("--at", type=datetime.fromisoformat, required=True, help="ISO 8601")


def _team(settings: Settings, chat_id: int) -> TeamSettings:
    for team in settings.teams:
        if team.chat_id == chat_id:
            return team
    raise ConfigError(f"no [[teams]] with chat_id {chat_id} in the configuration")


def _calendar(arguments: argparse.Namespace) -> int:
    settings = load_settings(arguments.config)
    team = _team(settings, arguments.team)
    if team.calendar is None:
        print(f"team {team.chat_id} names no calendar: its deadlines are wall-clock time")
        return 0
    calendar, table = build_calendar(settings.calendars[team.calendar])
    start: date = arguments.start or datetime.now(calendar.zone).date()
    for offset in range(arguments.days):
        day = start + timedelta(days=offset)
        hours = calendar.hours_on(day)
        shown = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in hours) or "off"
        notes = []
        if day in calendar.dates:
            notes.append("configured")
        elif table is not None and table.is_make_up_day(day):
            notes.append("make-up workday")
        elif table is not None and (name := table.name(day)):
            notes.append(name)
        suffix = f"  ({'; '.join(notes)})" if notes else ""
        print(f"{day.isoformat()} {day.strftime('%a')}  {shown}{suffix}")
    return 0


def _deadline(arguments: argparse.Namespace) -> int:
    settings = load_settings(arguments.config)
    team = _team(settings, arguments.team)
    kinds = settings.resolved_kinds()
    if arguments.kind not in kinds:
        raise ConfigError(f"no kind {arguments.kind!r} (kinds: {', '.join(kinds)})")
    kind = kinds[arguments.kind]
    calendar = None
    if team.calendar is not None and kind.clock is KindClock.BUSINESS:
        calendar = build_calendar(settings.calendars[team.calendar])[0]
    zone = calendar.zone if calendar else team.zone
    opened: datetime = arguments.at
    if opened.tzinfo is None:
        opened = opened.replace(tzinfo=zone)
    deadline = deadline_for(kind, opened, calendar)
    remind = deadline.remind_at.astimezone(zone).isoformat() if deadline.remind_at else "none"
    print(f"clock: {'business' if calendar else 'calendar'}")
    print(f"remind_at: {remind}")
    print(f"escalate_at: {deadline.due_at.astimezone(zone).isoformat()}")
    return 0


def _clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
