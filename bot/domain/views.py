"""What queries hand to rendering: a ticket's timeline, its evidence and a team's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.model import Event


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    event: Event


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    id: int
    ticket_id: int
    type: str
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    caption: str | None
    media_group_id: str | None
    uploader_id: int
    at: datetime
    archive_path: str | None
    sha256: str | None


@dataclass(frozen=True, slots=True)
class TicketStats:
    total: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_assignee: dict[int | None, int]
    resolved: int
    resolved_in_time: int
    #: Tickets that were put on hold, and their time on hold (never counted as late).
    held: int = 0
    held_for: timedelta = timedelta(0)
