"""The ticket aggregate: every change goes through `apply`, which returns one event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.domain.deadlines import (
    EscalationPolicy,
    NextAction,
    deadline_for,
    plan_next_action,
)
from bot.domain.errors import Refused, UsageError
from bot.domain.lifecycle import next_status
from bot.domain.model import (
    EVENT_OF_ACTION,
    Action,
    CancelRequest,
    Event,
    EventType,
    Kind,
    Outcome,
    Role,
    Status,
    TeamAction,
)
from bot.domain.permissions import Actor, require, require_team, ticket_roles

#: Actions that carry an outcome, and the outcome they record.
_OUTCOME_OF: dict[Action, Outcome] = {
    Action.AGREE: Outcome.AGREED,
    Action.DISAGREE: Outcome.DISAGREED,
    Action.DONE: Outcome.DONE,
}
_SYSTEM_ACTIONS = frozenset({Action.REMIND, Action.ESCALATE, Action.ESCALATE_AGAIN})
_NEEDS_TEXT = frozenset(
    {Action.NOTE, Action.CANCEL, Action.REQUEST_CANCEL, Action.RULE, Action.APPEAL}
)


@dataclass(frozen=True, slots=True)
class Ticket:
    """A work order bound to an order id, as the domain sees it (no storage concerns)."""

    id: int | None
    team_id: int
    number: int
    order_id: str
    kind: str
    description: str
    creator_id: int
    assignee_id: int | None
    status: Status
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    remind_at: datetime | None
    reminded: bool = False
    escalation_level: int = 0
    escalated_at: datetime | None = None
    touched_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: Outcome | None = None
    cancel_request: CancelRequest | None = None
    next_action: NextAction | None = None
    version: int = 1

    def roles_of(self, actor: Actor) -> frozenset[Role]:
        return ticket_roles(
            actor, team_id=self.team_id, creator_id=self.creator_id, assignee_id=self.assignee_id
        )

    def may(self, actor: Actor, action: Action) -> bool:
        """Whether `actor` could do `action` now (used to offer only useful buttons)."""
        try:
            self._check(actor, action)
        except Refused:
            return False
        return True

    def _check(self, actor: Actor, action: Action) -> Status:
        require(self.roles_of(actor), action)
        after = next_status(self.status, action)
        if action is Action.REQUEST_CANCEL and self.cancel_request is not None:
            raise Refused("refused.cancel_already_requested")
        if action in (Action.REJECT_CANCEL, Action.APPROVE_CANCEL) and self.cancel_request is None:
            raise Refused("refused.no_cancel_request")
        return after

    def apply(
        self,
        actor: Actor,
        action: Action,
        *,
        at: datetime,
        kind: Kind,
        policy: EscalationPolicy,
        text: str | None = None,
        assignee_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Change:
        """Do `action` as `actor` at `at`; Refused when the role or the status forbids it."""
        status = self._check(actor, action)
        event_payload: dict[str, Any] = dict(payload or {})
        if action in _NEEDS_TEXT and not (text and text.strip()):
            raise UsageError(action.value, "text_missing")
        if text:
            event_payload["text"] = text
        changes: dict[str, Any] = {"status": status}
        event_type = EVENT_OF_ACTION[action]

        if action in _OUTCOME_OF:
            if kind.outcome_action(_OUTCOME_OF[action]) is not action:
                raise Refused("refused.outcome_kind")
            changes["outcome"] = _OUTCOME_OF[action]
            event_payload["outcome"] = _OUTCOME_OF[action].value
        if action is Action.TRANSFER:
            if assignee_id is None:
                raise UsageError("transfer", "assignee_missing")
            if assignee_id == self.assignee_id:
                raise Refused("refused.same_assignee")
            changes["assignee_id"] = assignee_id
            event_payload.update({"from": self.assignee_id, "to": assignee_id})
            if self.assignee_id is None:
                event_type = EventType.ASSIGNED
        if action is Action.REQUEST_CANCEL:
            assert actor.user_id is not None
            changes["cancel_request"] = CancelRequest(actor.user_id, text or "", at)
        if action in (Action.REJECT_CANCEL, Action.APPROVE_CANCEL):
            assert self.cancel_request is not None
            changes["cancel_request"] = None
            event_payload.update(
                requested_by=self.cancel_request.requested_by,
                request_reason=self.cancel_request.reason,
            )
        if status in (Status.CANCELLED, Status.RESOLVED, Status.CLOSED):
            changes["cancel_request"] = None
        if status is Status.RESOLVED:
            changes["resolved_at"] = at
        if action is Action.REMIND:
            changes["reminded"] = True
        if status is Status.ESCALATED and self.status is not Status.ESCALATED:
            changes.update(escalation_level=1, escalated_at=at)
            event_payload.setdefault("level", 1)
            event_payload["assignee_id"] = self.assignee_id
            event_payload["due_at"] = self.due_at.isoformat()
        if action is Action.ESCALATE_AGAIN:
            changes["escalation_level"] = self.escalation_level + 1
            event_payload["level"] = self.escalation_level + 1
            event_payload["assignee_id"] = self.assignee_id
        if action is Action.REOPEN:
            fresh = deadline_for(kind, at)
            changes.update(
                due_at=fresh.due_at,
                remind_at=fresh.remind_at,
                reminded=False,
                escalation_level=0,
                escalated_at=None,
                resolved_at=None,
                outcome=None,
                cancel_request=None,
            )
            event_payload["due_at"] = fresh.due_at.isoformat()
        if action not in _SYSTEM_ACTIONS:
            changes["touched_at"] = at

        after = replace(self, updated_at=at, version=self.version + 1, **changes)
        after = replace(after, next_action=after.planned_action(policy))
        return Change(after, Event(event_type, actor.user_id, at, event_payload))

    def planned_action(self, policy: EscalationPolicy) -> NextAction | None:
        return plan_next_action(
            status=self.status,
            due_at=self.due_at,
            remind_at=self.remind_at,
            reminded=self.reminded,
            escalation_level=self.escalation_level,
            escalated_at=self.escalated_at,
            touched_at=self.touched_at or self.created_at,
            policy=policy,
        )


@dataclass(frozen=True, slots=True)
class Change:
    """A ticket after one action, with the one event that records it."""

    ticket: Ticket
    event: Event


def open_ticket(
    actor: Actor,
    *,
    number: int,
    order_id: str,
    kind: Kind,
    description: str,
    assignee_id: int | None,
    at: datetime,
    policy: EscalationPolicy,
) -> Change:
    """A new ticket and its `created` event; only members and supervisors create."""
    require_team(actor, TeamAction.CREATE)
    if actor.user_id is None:
        raise Refused("refused.team_permission", action=TeamAction.CREATE.value)
    deadline = deadline_for(kind, at)
    ticket = Ticket(
        id=None,
        team_id=actor.team_id,
        number=number,
        order_id=order_id,
        kind=kind.name,
        description=description,
        creator_id=actor.user_id,
        assignee_id=assignee_id,
        status=Status.OPEN,
        created_at=at,
        updated_at=at,
        due_at=deadline.due_at,
        remind_at=deadline.remind_at,
        touched_at=at,
    )
    ticket = replace(ticket, next_action=ticket.planned_action(policy))
    event = Event(
        EventType.CREATED,
        actor.user_id,
        at,
        {
            "order_id": order_id,
            "kind": kind.name,
            "description": description,
            "assignee_id": assignee_id,
            "due_at": deadline.due_at.isoformat(),
        },
    )
    return Change(ticket, event)
