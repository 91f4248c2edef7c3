"""Tickets and people as the page reads them (JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.people import Person
from bot.domain.ticket import Ticket
from bot.i18n import Texts
from bot.services.container import Services


def person_json(person: Person | None, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    return {
        "id": user_id,
        "name": person.display_name if person else str(user_id),
        "username": person.username if person else None,
    }


def ticket_json(
    ticket: Ticket, people: Mapping[int, Person], texts: Texts, services: Services
) -> dict[str, Any]:
    kind = services.directory.kind_or_default(ticket.kind)
    request = ticket.cancel_request
    return {
        "id": ticket.id,
        "number": ticket.number,
        "tag": f"T{ticket.number}",
        "order_id": ticket.order_id,
        "kind": ticket.kind,
        "kind_label": kind.label(texts.language),
        "description": ticket.description,
        "status": ticket.status.value,
        "status_label": str(texts(f"status.{ticket.status.value}")),
        "creator": person_json(people.get(ticket.creator_id), ticket.creator_id),
        "assignee": person_json(
            people.get(ticket.assignee_id) if ticket.assignee_id else None, ticket.assignee_id
        ),
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "due_at": ticket.due_at.isoformat(),
        "held": ticket.held_since is not None,
        "outcome": ticket.outcome.value if ticket.outcome else None,
        "escalation_level": ticket.escalation_level,
        "cancel_request": {
            "by": person_json(people.get(request.requested_by), request.requested_by),
            "reason": request.reason,
            "at": request.at.isoformat(),
        }
        if request
        else None,
        "stamp": ticket.stamp,
        "version": ticket.version,
    }
