"""What an export says of a ticket beyond its own row: read from its timeline (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.domain.model import Event, EventType

#: The events an export reads (notes and evidence are only counted).
EXPORT_EVENTS: Final = frozenset(
    {
        EventType.ACKNOWLEDGED,
        EventType.OUTCOME,
        EventType.REPLIED,
        EventType.ESCALATED,
        EventType.RULED,
        EventType.APPEALED,
        EventType.APPEAL_DECIDED,
        EventType.CANCELLED,
    }
)
#: Events that finish a ticket for good (a resolution is the ticket's own `resolved_at`).
_CLOSING: Final = frozenset({EventType.RULED, EventType.APPEAL_DECIDED, EventType.CANCELLED})


@dataclass(frozen=True, slots=True)
class ExportFacts:
    ruling: str = ""
    appeal: str = ""
    cancel_reason: str = ""
    notes: int = 0
    evidence: int = 0
    acknowledged_at: datetime | None = None
    outcome_at: datetime | None = None
    escalated_at: datetime | None = None
    closed_at: datetime | None = None


def _text(event: Event) -> str:
    payload = event.payload
    return str(payload.get("text") or payload.get("verdict") or "")


def export_facts(events: Iterable[Event], notes: int, evidence: int) -> ExportFacts:
    """The facts of one ticket from its export events, oldest first."""
    first: dict[EventType, datetime] = {}
    last: dict[EventType, Event] = {}
    for event in events:
        first.setdefault(event.type, event.at)
        last[event.type] = event
    cancelled = last.get(EventType.CANCELLED)
    cancel_reason = ""
    if cancelled is not None:
        cancel_reason = str(cancelled.payload.get("request_reason") or _text(cancelled))
    outcome_times = [first[t] for t in (EventType.OUTCOME, EventType.REPLIED) if t in first]
    closing = [last[t].at for t in _CLOSING if t in last]
    return ExportFacts(
        ruling=_text(last[EventType.RULED]) if EventType.RULED in last else "",
        appeal=_text(last[EventType.APPEALED]) if EventType.APPEALED in last else "",
        cancel_reason=cancel_reason,
        notes=notes,
        evidence=evidence,
        acknowledged_at=first.get(EventType.ACKNOWLEDGED),
        outcome_at=min(outcome_times) if outcome_times else None,
        escalated_at=first.get(EventType.ESCALATED),
        closed_at=max(closing) if closing else None,
    )


def facts_by_ticket(
    events: Iterable[tuple[int, Event]], notes: Mapping[int, int], evidence: Mapping[int, int]
) -> dict[int, ExportFacts]:
    grouped: dict[int, list[Event]] = {}
    for ticket_id, event in events:
        grouped.setdefault(ticket_id, []).append(event)
    ids = set(grouped) | set(notes) | set(evidence)
    return {
        ticket_id: export_facts(
            grouped.get(ticket_id, []), notes.get(ticket_id, 0), evidence.get(ticket_id, 0)
        )
        for ticket_id in ids
    }
