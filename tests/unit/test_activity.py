"""Opened and resolved per day of the team's timezone, and the median time to outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.activity import activity

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_days_are_the_teams_local_days_and_the_median_is_of_resolved_tickets() -> None:
    # 23:30 UTC on Dec 5 is 07:30 on Dec 6 in Shanghai.
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    rows = [
        (late, late + timedelta(hours=1)),
        (late, late + timedelta(hours=3)),
        (late, None),
        (datetime(2026, 11, 1, tzinfo=UTC), late),  # opened before the period, resolved in it
    ]
    found = activity(rows, SHANGHAI, date(2026, 12, 6), 3)
    assert [(d.day.day, d.opened, d.resolved) for d in found.days] == [
        (4, 0, 0),
        (5, 0, 0),
        (6, 3, 3),
    ]
    assert found.median_to_outcome == timedelta(hours=3)


def test_no_outcome_no_median() -> None:
    found = activity([], SHANGHAI, date(2026, 12, 6), 2)
    assert found.median_to_outcome is None
    assert [d.opened for d in found.days] == [0, 0]
