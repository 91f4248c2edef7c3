"""Who hears of a change: the notices a ticket event causes, as outbox intents (no rendering)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from bot.domain.model import Event, EventType, Outcome, Status
from bot.domain.ticket import Change, Ticket

#: Events that do not change what a card shows (or that send a message of their own).
_NO_CARD_REFRESH: Final = frozenset({EventType.NOTE, EventType.EVIDENCE, EventType.REMINDED})
#: Group notices that ask supervisors to act (mentions, buttons): sent even where the group
#: saw the action itself.
_CALLS_ON_SUPERVISORS: Final = frozenset({"escalated", "cancel_requested"})
#: Event types that integrations can subscribe to, keyed by what caused them.
WEBHOOK_EVENTS: Final = ("escalated", "resolved", "cancelled", "ruled")


def chat_destination(chat_id: int) -> str:
    return f"chat:{chat_id}"


def webhook_destination(url: str) -> str:
    return f"webhook:{url}"


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to deliver after commit: where to, and what (a template and its data)."""

    destination: str
    payload: dict[str, Any]
    delay: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class Audience:
    """Where a team's notices go: its group chat and subscribed integrations."""

    group_chat_id: int
    webhooks: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """The ticket fields a notice shows, frozen at the time of the event."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "order_id": ticket.order_id,
        "kind": ticket.kind,
        "status": ticket.status.value,
        "creator_id": ticket.creator_id,
        "assignee_id": ticket.assignee_id,
        "due_at": ticket.due_at.isoformat(),
    }


def card(ticket: Ticket, user_id: int) -> Notice:
    """Show (or refresh in place) the ticket's card in the private chat of `user_id`."""
    return Notice(chat_destination(user_id), {"template": "card", "ticket_id": ticket.id})


def _notice(chat_id: int, template: str, ticket: Ticket, event: Event) -> Notice:
    return Notice(
        chat_destination(chat_id),
        {
            "template": template,
            "ticket": snapshot(ticket),
            "event": {
                "type": event.type.value,
                "actor_id": event.actor_id,
                "at": event.at.isoformat(),
                "payload": event.payload,
            },
        },
    )


def _webhook_event(ticket: Ticket, event: Event) -> str | None:
    if event.type is EventType.ESCALATED:
        return "escalated"
    if event.type is EventType.OUTCOME:
        return "resolved" if ticket.status is Status.RESOLVED else "escalated"
    if event.type is EventType.CANCELLED:
        return "cancelled"
    if event.type is EventType.RULED:
        return "ruled"
    return None


def _webhooks(audience: Audience, ticket: Ticket, event: Event) -> list[Notice]:
    name = _webhook_event(ticket, event)
    if name is None:
        return []
    body = {
        "event": name,
        "team_chat_id": audience.group_chat_id,
        "ticket": snapshot(ticket) | {"outcome": ticket.outcome and ticket.outcome.value},
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "details": event.payload,
    }
    return [
        Notice(webhook_destination(url), {"template": "webhook", "body": body})
        for url, events in audience.webhooks
        if name in events
    ]


def notices_for(
    change: Change,
    audience: Audience,
    *,
    before: Ticket | None = None,
    seen_in_group: bool = False,
) -> list[Notice]:
    """The notices one change causes. `before` is the ticket before the change (None: created).

    The person who acted is answered directly by the entry point; notices are for everyone
    else, and a card refresh for the assignee wherever the ticket changed under them. When
    the change was made in the team's group (`seen_in_group`), the group has just read the
    answer, so it is not told again, unless the notice calls on supervisors.
    """
    ticket, event = change.ticket, change.event
    actor = event.actor_id
    group = audience.group_chat_id
    notices: list[Notice] = []

    def tell(user_id: int | None, template: str) -> None:
        if user_id is not None and user_id != actor:
            notices.append(_notice(user_id, template, ticket, event))

    def announce(template: str) -> None:
        if template in _CALLS_ON_SUPERVISORS or not seen_in_group:
            notices.append(_notice(group, template, ticket, event))

    kind = event.type
    if ticket.assignee_id is not None and kind not in _NO_CARD_REFRESH:
        notices.append(card(ticket, ticket.assignee_id))
    if kind is EventType.CREATED:
        announce("created")
    elif kind in (EventType.TRANSFERRED, EventType.ASSIGNED):
        previous = before.assignee_id if before else None
        if previous is not None:
            notices.append(card(ticket, previous))
        announce("transferred")
    elif kind is EventType.NOTE:
        tell(ticket.assignee_id, "note")
        if ticket.creator_id != ticket.assignee_id:
            tell(ticket.creator_id, "note")
    elif kind is EventType.OUTCOME:
        disagreed = event.payload.get("outcome") == Outcome.DISAGREED.value
        announce("escalated" if disagreed else "resolved")
    elif kind is EventType.REMINDED:
        if ticket.assignee_id is None:
            announce("reminder")
        else:
            notices.append(_notice(ticket.assignee_id, "reminder", ticket, event))
    elif kind is EventType.ESCALATED:
        announce("escalated")
    elif kind is EventType.CANCEL_REQUESTED:
        announce("cancel_requested")
    elif kind is EventType.CANCEL_REJECTED:
        tell(event.payload.get("requested_by"), "cancel_rejected")
    elif kind is EventType.CANCELLED:
        announce("cancelled")
        tell(ticket.assignee_id, "cancelled")
        requester = event.payload.get("requested_by")
        if requester != ticket.assignee_id:
            tell(requester, "cancelled")
    elif kind is EventType.RULED:
        announce("ruled")
        tell(ticket.assignee_id, "ruled")
    elif kind is EventType.APPEALED:
        announce("appealed")
    elif kind is EventType.REOPENED:
        announce("reopened")
    notices.extend(_webhooks(audience, ticket, event))
    return notices
