"""What a list of tickets asks for: filters, buckets, sort orders and the keyset cursor.

The workbench, the public API and the chat's lists all describe a list the same way; storage
turns a `TicketFilter` into one indexed query. Pure: no SQL, no clock (the caller passes now).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.errors import UsageError
from bot.domain.model import Status
from bot.domain.people import Person
from bot.domain.ticket import Ticket

#: Page sizes a caller may ask for; more is clamped, so one request stays one cheap query.
MAX_PAGE: Final = 200
DEFAULT_PAGE: Final = 50

_NUMBER: Final = re.compile(r"#?[Tt]?(\d{1,9})")


class Bucket(StrEnum):
    """The workbench's Team view: where a ticket stands against its deadline, or who waits."""

    OVERDUE = "overdue"
    DUE_WITHIN_HOUR = "due_1h"
    DUE_TODAY = "due_today"
    LATER = "later"
    UNASSIGNED = "unassigned"
    CANCEL_REQUESTED = "cancel_requested"
    ESCALATED = "escalated"
    APPEALED = "appealed"
    RESOLVED_TODAY = "resolved_today"


class SortOrder(StrEnum):
    DEADLINE = "deadline"
    NEWEST = "newest"
    OLDEST = "oldest"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which of a team's tickets to list; every field left empty means "any"."""

    statuses: frozenset[Status] = frozenset()
    kinds: frozenset[str] = frozenset()
    assignee_id: int | None = None
    unassigned: bool = False
    creator_id: int | None = None
    #: Created at or after (UTC).
    created_from: datetime | None = None
    #: Created before (UTC).
    created_to: datetime | None = None
    #: "42", "T42" or "#T42" finds ticket 42 (and orders starting with the digits); other text
    #: finds order ids starting with it and descriptions containing it.
    text: str | None = None
    bucket: Bucket | None = None
    sort: SortOrder = SortOrder.DEADLINE
    #: Exactly this order id (the chat's /order).
    order_id: str | None = None

    @property
    def number(self) -> int | None:
        """The ticket number the search text names, if it is one."""
        if self.text is None:
            return None
        match = _NUMBER.fullmatch(self.text.strip())
        return int(match.group(1)) if match else None

    @property
    def search_text(self) -> str | None:
        """The text to look for in order ids and descriptions (a "#T" prefix stripped)."""
        if self.text is None or not self.text.strip():
            return None
        number = self.number
        return str(number) if number is not None else self.text.strip()


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The instants that bound the buckets, in UTC, for one team's timezone."""

    now: datetime
    within_hour: datetime
    day_start: datetime
    day_end: datetime

    @classmethod
    def at(cls, now: datetime, zone: ZoneInfo) -> DayWindow:
        local = now.astimezone(zone)
        start = datetime.combine(local.date(), time(0), tzinfo=zone)
        end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        return cls(
            now, now + timedelta(hours=1), start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)
        )


@dataclass(frozen=True, slots=True)
class TicketPage:
    """One page of a list: its tickets, the people they name, and where the next page starts."""

    tickets: list[Ticket]
    people: dict[int, Person]
    next_cursor: str | None
    total: int


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: the sort key and id of its last ticket, for the given order."""

    sort: SortOrder
    key: str
    ticket_id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort.value, self.key, self.ticket_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: SortOrder) -> Cursor:
        """The cursor a previous page handed out; anything else is a usage error."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            order, key, ticket_id = json.loads(raw)
            cursor = cls(SortOrder(order), str(key), int(ticket_id))
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise UsageError("list", "bad_cursor", token=text[:40]) from None
        if cursor.sort is not sort:
            # A cursor of another order would skip or repeat tickets.
            raise UsageError("list", "bad_cursor", token=text[:40])
        return cursor


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def compact_cursor(cursor: Cursor) -> str:
    """A deadline-order cursor in few bytes (`<µs since epoch>.<id>`), for a button's 64."""
    if cursor.sort is not SortOrder.DEADLINE:
        raise ValueError(cursor.sort)
    moment = datetime.fromisoformat(cursor.key)
    return f"{(moment - _EPOCH) // _MICROSECOND}.{cursor.ticket_id}"


def deadline_cursor(ticket: Ticket) -> Cursor:
    """The deadline-order cursor at `ticket` (a chat list's page starts or ends there)."""
    assert ticket.id is not None
    return Cursor(SortOrder.DEADLINE, ticket.due_at.isoformat(), ticket.id)


def from_compact(text: str) -> Cursor:
    """The deadline-order cursor `compact_cursor` wrote; anything else is a usage error."""
    micros, _, ticket_id = text.partition(".")
    if not micros.isdigit() or not ticket_id.isdigit():
        raise UsageError("list", "bad_cursor", token=text[:40])
    moment = _EPOCH + int(micros) * _MICROSECOND
    return Cursor(SortOrder.DEADLINE, moment.isoformat(), int(ticket_id))


def clamp_limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))
