"""Durations as people type them: 90s, 30m, 24h, 2d, 1d12h."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

_UNIT_SECONDS: Final = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
#: Ten years: longer than any deadline or report period, and far from timedelta's limits.
MAX_SECONDS: Final = 3650 * 86_400
_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"(?:\d+[dhms])+")


class BadDuration(ValueError):
    """A text that is not a duration like 90s, 30m, 24h, 2d or 1d12h."""


def parse_duration(text: str) -> timedelta:
    """Read `1d12h`-style text; units d, h, m, s, each at most once, largest first."""
    compact = text.strip().lower()
    if not compact or not _WHOLE.fullmatch(compact):
        raise BadDuration(text)
    units = [unit for _, unit in _PART.findall(compact)]
    order = list(_UNIT_SECONDS)
    if len(set(units)) != len(units) or units != sorted(units, key=order.index):
        raise BadDuration(text)
    seconds = sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _PART.findall(compact))
    if not 0 < seconds <= MAX_SECONDS:
        raise BadDuration(text)
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest `1d12h` form of a positive duration (the inverse of parse_duration)."""
    remaining = int(value.total_seconds())
    parts: list[str] = []
    for unit, size in _UNIT_SECONDS.items():
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
