"""Working time with real dates: China's holidays and make-up workdays, lunch breaks, a DST
change, configured days off; and the properties every business-clock deadline keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import CalendarSettings
from bot.domain.calendars import WorkCalendar, parse_hours
from bot.domain.deadlines import EscalationPolicy, deadline_for
from bot.domain.model import DEFAULT_KINDS, Action, Role
from bot.domain.permissions import Actor
from bot.domain.ticket import Ticket, open_ticket
from bot.services.calendars import build_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ("09:00-12:00", "13:30-18:00")
KINDS = {kind.name: kind for kind in DEFAULT_KINDS}
HOUR = timedelta(hours=1)


def shop(**extra: object) -> WorkCalendar:
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE)
    settings = CalendarSettings.model_validate(
        {"timezone": "Asia/Shanghai", "holidays": "CN", **week, **extra}
    )
    return build_calendar(settings)[0]


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("opened", "span", "due"),
    [
        # The last working day before National Day: one hour left, then the holiday week
        # (1-7 October 2026, with 5-7 October the days moved from 20 Sept and 10 Oct).
        (at(SHANGHAI, 2026, 9, 30, 17), 8 * HOUR, at(SHANGHAI, 2026, 10, 8, 17, 30)),
        # The make-up Saturday 10 October 2026 (调休) is a working day.
        (at(SHANGHAI, 2026, 10, 9, 17), 2 * HOUR, at(SHANGHAI, 2026, 10, 10, 10)),
        # Across the lunch break.
        (at(SHANGHAI, 2026, 11, 2, 11), 2 * HOUR, at(SHANGHAI, 2026, 11, 2, 14, 30)),
        # Opened at night: the clock starts at the next opening.
        (at(SHANGHAI, 2026, 11, 2, 22), HOUR, at(SHANGHAI, 2026, 11, 3, 10)),
        # Friday evening: the weekend does not count.
        (at(SHANGHAI, 2026, 11, 6, 17), 8 * HOUR, at(SHANGHAI, 2026, 11, 9, 17, 30)),
    ],
)
def test_working_time_in_a_chinese_shop(opened: datetime, span: timedelta, due: datetime) -> None:
    assert shop().add(opened, span) == due


def test_a_configured_day_off_wins_over_the_weekday() -> None:
    calendar = shop(dates={"2026-11-04": []})

    assert calendar.add(at(SHANGHAI, 2026, 11, 3, 17), 2 * HOUR) == at(SHANGHAI, 2026, 11, 5, 10)


def test_a_configured_make_up_day_works_a_sunday() -> None:
    calendar = shop(dates={"2026-11-08": ["10:00-12:00"]})

    assert calendar.add(at(SHANGHAI, 2026, 11, 6, 17), 2 * HOUR) == at(SHANGHAI, 2026, 11, 8, 11)


def test_across_a_dst_change_working_time_is_real_time() -> None:
    always = tuple(parse_hours(["00:00-24:00"]) for _ in range(7))
    calendar = WorkCalendar(BERLIN, always)

    # Sunday 29 March 2026 has 23 hours in Berlin: 24 hours from Saturday noon end at 13:00.
    due = calendar.add(at(BERLIN, 2026, 3, 28, 12), 24 * HOUR)

    assert due == at(BERLIN, 2026, 3, 29, 13)
    assert due - at(BERLIN, 2026, 3, 28, 12) == 24 * HOUR


def test_a_shipping_task_opened_friday_evening_is_reminded_and_escalates_on_monday() -> None:
    calendar = shop()
    policy = EscalationPolicy(timedelta(hours=2), calendar)
    kind = KINDS["shipping"]  # 24 h, reminded 4 h before: both working time
    opened = at(SHANGHAI, 2026, 11, 6, 17)

    change = open_ticket(
        Actor(1, 1, Role.MEMBER),
        number=1,
        order_id="TB1",
        kind=kind,
        description="d",
        assignee_id=2,
        at=opened,
        policy=policy,
    )

    ticket = change.ticket
    # 1 h on Friday, 7.5 h on Mon, Tue and Wed: 24 h end Thursday at 09:30.
    assert ticket.due_at == at(SHANGHAI, 2026, 11, 12, 9, 30)
    assert ticket.remind_at == at(SHANGHAI, 2026, 11, 11, 14, 30)
    assert ticket.next_action is not None
    assert (ticket.next_action.action, ticket.next_action.at) == (Action.REMIND, ticket.remind_at)


def test_collab_stays_on_the_wall_clock() -> None:
    opened = at(SHANGHAI, 2026, 11, 6, 17)

    assert deadline_for(KINDS["collab"], opened).due_at == opened + 24 * HOUR


def test_holidays_knows_chinas_make_up_days_for_2025_and_2026() -> None:
    calendar = shop()
    make_up = [
        "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    for day in make_up:
        assert calendar.hours_on(datetime.fromisoformat(day).date()) == parse_hours(list(OFFICE))


CALENDAR = shop()
_moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)
)
_spans = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=80))


@settings(max_examples=300, deadline=None)
@given(opened=_moments, span=_spans)
def test_the_working_time_to_the_deadline_is_the_sla(opened: datetime, span: timedelta) -> None:
    due = CALENDAR.add(opened, span)

    assert CALENDAR.working_time(opened, due) == span
    assert CALENDAR.is_open(due)


@settings(max_examples=300, deadline=None)
@given(first=_moments, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)))
def test_a_later_opening_never_gives_an_earlier_deadline(first: datetime, later: timedelta) -> None:
    span = 8 * HOUR

    assert CALENDAR.add(first + later, span) >= CALENDAR.add(first, span)


@settings(max_examples=200, deadline=None)
@given(opened=_moments)
def test_reminders_and_escalations_fall_in_working_hours(opened: datetime) -> None:
    deadline = deadline_for(KINDS["shipping"], opened, CALENDAR)

    assert CALENDAR.is_open(deadline.due_at)
    assert deadline.remind_at is not None
    assert CALENDAR.is_open(deadline.remind_at)
    assert deadline.remind_at < deadline.due_at


def _shipping_ticket(opened: datetime, policy: EscalationPolicy) -> Ticket:
    return open_ticket(
        Actor(1, 1, Role.MEMBER),
        number=1,
        order_id="TB1",
        kind=KINDS["shipping"],
        description="d",
        assignee_id=2,
        at=opened,
        policy=policy,
    ).ticket


@settings(max_examples=200, deadline=None)
@given(opened=_moments, before=_spans, pause=_spans)
def test_time_on_hold_is_never_counted(
    opened: datetime, before: timedelta, pause: timedelta
) -> None:
    policy = EscalationPolicy(calendar=CALENDAR)
    assignee = Actor(2, 1, Role.MEMBER)
    ticket = _shipping_ticket(opened, policy)
    held_at = opened + before
    kind = KINDS["shipping"]
    held = ticket.apply(
        assignee, Action.HOLD, at=held_at, kind=kind, policy=policy, text="waiting"
    ).ticket
    assert held.next_action is None  # the clock stands still

    resumed = held.apply(
        assignee, Action.RESUME, at=held_at + pause, kind=kind, policy=policy
    ).ticket

    left_at_hold = CALENDAR.working_time(held_at, ticket.due_at)
    assert CALENDAR.working_time(held_at + pause, resumed.due_at) == left_at_hold
    assert resumed.held_for == pause


def test_a_hold_resumes_by_itself_after_max_hold() -> None:
    policy = EscalationPolicy(max_hold=timedelta(hours=48))
    opened = at(SHANGHAI, 2026, 11, 2, 10)
    ticket = _shipping_ticket(opened, policy)

    held = ticket.apply(
        Actor(2, 1, Role.MEMBER),
        Action.HOLD,
        at=opened,
        kind=KINDS["shipping"],
        policy=policy,
        text="waiting",
    ).ticket

    assert held.next_action is not None
    assert (held.next_action.action, held.next_action.at) == (
        Action.RESUME,
        opened + timedelta(hours=48),
    )
