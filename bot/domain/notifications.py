"""Who hears of a change: the notices an action's rules cause, as outbox intents (no rendering)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from bot.domain.actions import (
    ACTIONS,
    Announce,
    NoticeRule,
    Recipient,
    RefreshCard,
    Remind,
    Tell,
    Template,
    WebhookEvent,
)
from bot.domain.model import Event
from bot.domain.notices import (
    CardNotice,
    EventNotice,
    EventSnapshot,
    Notice,
    TicketSnapshot,
    WebhookNotice,
    chat_destination,
    webhook_destination,
)
from bot.domain.ticket import Change, Ticket

__all__ = ["Audience", "Notice", "card", "chat_destination", "notices_for", "snapshot"]


@dataclass(frozen=True, slots=True)
class Audience:
    """Where a team's notices go: its group chat and subscribed integrations."""

    group_chat_id: int
    webhooks: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)


def snapshot(ticket: Ticket) -> TicketSnapshot:
    """The ticket fields a notice shows, frozen at the time of the event."""
    return TicketSnapshot(
        ticket_id=ticket.id,
        number=ticket.number,
        order_id=ticket.order_id,
        kind=ticket.kind,
        status=ticket.status.value,
        creator_id=ticket.creator_id,
        assignee_id=ticket.assignee_id,
        due_at=ticket.due_at.isoformat(),
        stamp=ticket.stamp,
    )


def card(
    ticket: Ticket, user_id: int, *, resend: bool = False, event: Event | None = None
) -> Notice:
    """Show (or refresh in place) the ticket's card in the private chat of `user_id`."""
    assert ticket.id is not None
    text = event.payload.get("text") if event is not None and resend else None
    actor = event.actor_id if event is not None and resend else None
    return Notice(chat_destination(user_id), CardNotice(ticket.id, resend, actor, text))


class _Notices:
    """The notices of one change, in order, each (user, template) at most once."""

    def __init__(self, change: Change, audience: Audience, before: Ticket | None, in_group: bool):
        self.ticket, self.event = change.ticket, change.event
        self.audience = audience
        self.before = before
        self.in_group = in_group
        self.notices: list[Notice] = []
        self._told: set[tuple[int, Template]] = set()

    def recipient(self, recipient: Recipient) -> int | None:
        ticket = self.ticket
        if recipient is Recipient.ASSIGNEE:
            return ticket.assignee_id
        if recipient is Recipient.CREATOR:
            # A platform's ticket has no creator to write to (PLATFORM_USER_ID is 0).
            return ticket.creator_id or None
        if recipient is Recipient.PREVIOUS_ASSIGNEE:
            return self.before.assignee_id if self.before else None
        if recipient is Recipient.REQUESTER:
            requester = self.event.payload.get("requested_by")
            return requester if isinstance(requester, int) else None
        return self.audience.group_chat_id

    def about(self, chat_id: int, template: Template) -> None:
        if (chat_id, template) in self._told:
            return
        self._told.add((chat_id, template))
        ticket_snapshot = snapshot(self.ticket)
        event = self.event
        event_snapshot = EventSnapshot(
            event.type.value, event.actor_id, event.at.isoformat(), dict(event.payload)
        )
        self.notices.append(
            Notice(
                chat_destination(chat_id), EventNotice(template, ticket_snapshot, event_snapshot)
            )
        )

    def apply(self, rule: NoticeRule) -> None:
        if isinstance(rule, RefreshCard):
            user_id = self.recipient(rule.recipient)
            if user_id is not None:
                self.notices.append(
                    card(self.ticket, user_id, resend=rule.resend, event=self.event)
                )
        elif isinstance(rule, Tell):
            user_id = self.recipient(rule.recipient)
            if user_id is not None and user_id != self.event.actor_id:
                self.about(user_id, rule.template)
        elif isinstance(rule, Announce):
            if rule.calls_on_supervisors or not self.in_group:
                self.about(self.audience.group_chat_id, rule.template)
        elif isinstance(rule, Remind):
            assignee = self.ticket.assignee_id
            self.about(self.audience.group_chat_id if assignee is None else assignee, rule.template)

    def webhooks(self, name: WebhookEvent | None) -> None:
        if name is None:
            return
        ticket, event = self.ticket, self.event
        body = {
            "event": name.value,
            "team_chat_id": self.audience.group_chat_id,
            "ticket": _public(snapshot(ticket))
            | {"outcome": ticket.outcome and ticket.outcome.value},
            "at": event.at.isoformat(),
            "actor_id": event.actor_id,
            "details": event.payload,
        }
        self.notices.extend(
            Notice(webhook_destination(url), WebhookNotice(body))
            for url, events in self.audience.webhooks
            if name.value in events
        )


def _public(ticket: TicketSnapshot) -> dict[str, object]:
    """The snapshot as integrations see it (the buttons' stamp is ours)."""
    fields = asdict(ticket)
    del fields["stamp"]
    return fields


#: What a creation causes: the assignee's card and the group's notice.
CREATED_NOTICES: tuple[NoticeRule, ...] = (RefreshCard(), Announce(Template.CREATED))


def notices_for(
    change: Change,
    audience: Audience,
    *,
    before: Ticket | None = None,
    seen_in_group: bool = False,
) -> list[Notice]:
    """The notices one change causes: the rules of its action (a creation has its own).

    The person who acted is answered directly by the entry point; notices are for everyone
    else, and a card refresh for the assignee wherever the ticket changed under them. When
    the change was made in the team's group (`seen_in_group`), the group has just read the
    answer, so it is not told again, unless the notice calls on supervisors.
    """
    notices = _Notices(change, audience, before, seen_in_group)
    spec = ACTIONS[change.action] if change.action is not None else None
    for rule in spec.notices if spec is not None else CREATED_NOTICES:
        notices.apply(rule)
    notices.webhooks(spec.webhook if spec is not None else None)
    return notices.notices
