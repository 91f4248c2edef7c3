"""Durations as people type them (1d12h): the accepted forms, the rejected ones, the inverse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.durations import MAX_SECONDS, BadDuration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("90s", timedelta(seconds=90), id="seconds"),
        pytest.param("30m", timedelta(minutes=30), id="minutes"),
        pytest.param("24h", timedelta(hours=24), id="hours"),
        pytest.param("2d", timedelta(days=2), id="days"),
        pytest.param("1d12h", timedelta(days=1, hours=12), id="days-then-hours"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="hours-then-minutes"),
        pytest.param("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4), id="all-units"),
        pytest.param("7D", timedelta(days=7), id="upper-case-unit"),
        pytest.param(" 24h ", timedelta(hours=24), id="surrounding-spaces-ignored"),
        pytest.param("0d1h", timedelta(hours=1), id="a-zero-part-in-a-positive-total"),
    ],
)
def test_parse_duration_reads_the_documented_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("0s", id="zero"),
        pytest.param("0d0h", id="zero-in-parts"),
        pytest.param("12", id="number-without-unit"),
        pytest.param("h", id="unit-without-number"),
        pytest.param("1x", id="unknown-unit"),
        pytest.param("12h1d", id="units-in-wrong-order"),
        pytest.param("1h1h", id="unit-twice"),
        pytest.param(" 1 h", id="space-between-number-and-unit"),
        pytest.param("1d 12h", id="space-between-parts"),
        pytest.param("-1h", id="negative"),
        pytest.param("1.5h", id="fraction"),
        pytest.param("1w", id="weeks-are-not-a-unit"),
    ],
)
def test_parse_duration_rejects_malformed_text(text: str) -> None:
    with pytest.raises(BadDuration):
        parse_duration(text)


def test_bad_duration_is_a_value_error_carrying_the_text() -> None:
    with pytest.raises(ValueError, match="12h1d"):
        parse_duration("12h1d")


def test_a_duration_too_large_for_timedelta_is_a_bad_duration() -> None:
    with pytest.raises(BadDuration):
        parse_duration("1000000000d")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(timedelta(seconds=90), "1m30s", id="seconds-carry-into-minutes"),
        pytest.param(timedelta(hours=36), "1d12h", id="hours-carry-into-days"),
        pytest.param(timedelta(hours=24), "1d", id="a-whole-day"),
        pytest.param(timedelta(days=2, seconds=5), "2d5s", id="zero-parts-left-out"),
        pytest.param(timedelta(minutes=30), "30m", id="minutes"),
        pytest.param(timedelta(0), "0s", id="zero"),
    ],
)
def test_format_duration_writes_the_shortest_form(value: timedelta, expected: str) -> None:
    assert format_duration(value) == expected


whole_seconds = st.integers(min_value=1, max_value=MAX_SECONDS).map(lambda s: timedelta(seconds=s))


@given(whole_seconds)
def test_parse_duration_inverts_format_duration(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value
