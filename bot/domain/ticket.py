"""The ticket aggregate: every change goes through `apply`, which returns one event."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain.actions import (
    ACTIONS,
    CancelRequestRule,
    DeadlineEffect,
    Effects,
    Request,
    end_hold,
)
from bot.domain.calendars import WorkCalendar
from bot.domain.deadlines import (
    Deadline,
    EscalationPolicy,
    NextAction,
    deadline_for,
    plan_next_action,
)
from bot.domain.errors import Refused, UsageError
from bot.domain.lifecycle import next_status
from bot.domain.model import (
    AWAITING_REPLY,
    FINISHED_STATUSES,
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
    #: On hold (挂起) since then: the deadline clock stands still.
    held_since: datetime | None = None
    #: Time spent on hold before (never counted against the deadline).
    held_for: timedelta = timedelta(0)
    outcome: Outcome | None = None
    cancel_request: CancelRequest | None = None
    next_action: NextAction | None = None
    version: int = 1

    @property
    def stamp(self) -> int:
        """What a button is drawn for: the status, the assignee and the pending cancel request.

        A note, evidence or a reminder leaves it as it was, so a card's buttons keep working;
        an outcome, a transfer, a cancel or a new cancel request changes it, and a press drawn
        before them is refused as a conflict.
        """
        request = self.cancel_request
        pending = (
            f"{request.requested_by}:{request.at.isoformat()}:{request.reason}" if request else ""
        )
        drawn_for = f"{self.status.value}:{self.assignee_id}:{pending}"
        return zlib.crc32(drawn_for.encode())

    def roles_of(self, actor: Actor) -> frozenset[Role]:
        return ticket_roles(
            actor, team_id=self.team_id, creator_id=self.creator_id, assignee_id=self.assignee_id
        )

    def may(self, actor: Actor, action: Action) -> bool:
        """Whether `actor` could do `action` now (used to offer only useful buttons)."""
        try:
            self.check(actor, action)
        except Refused:
            return False
        return True

    def check(self, actor: Actor, action: Action) -> Status:
        """The status `action` leads to; Refused with the reason when the actor may not."""
        spec = ACTIONS[action]
        require(self.roles_of(actor), action)
        after = next_status(self.status, action)
        if spec.cancel_request is CancelRequestRule.NONE_PENDING and self.cancel_request:
            raise Refused("refused.cancel_already_requested")
        if spec.cancel_request is CancelRequestRule.PENDING and self.cancel_request is None:
            raise Refused("refused.no_cancel_request")
        return after

    @staticmethod
    def cooldown_left(
        action: Action, *, at: datetime, last_done_at: datetime | None
    ) -> timedelta | None:
        """How long `action`, last done at `last_done_at`, still cools down (a nudge waits its
        cooldown after the last one); None when it may be done now."""
        cooldown = ACTIONS[action].cooldown
        if cooldown is None or last_done_at is None:
            return None
        wait = last_done_at + cooldown - at
        return wait if wait > timedelta(0) else None

    def check_cooldown(
        self, action: Action, *, at: datetime, last_done_at: datetime | None
    ) -> None:
        """Refused while `action` is still cooling down (see `cooldown_left`)."""
        wait = self.cooldown_left(action, at=at, last_done_at=last_done_at)
        if wait is not None:
            raise Refused("refused.cooldown", action=action.value, wait=wait)

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
        last_done_at: datetime | None = None,
    ) -> Change:
        """Do `action` as `actor` at `at`; Refused when the role or the status forbids it.

        `last_done_at`: when the action was last done to this ticket (for a cooldown).
        """
        spec = ACTIONS[action]
        status = self.check(actor, action)
        self.check_cooldown(action, at=at, last_done_at=last_done_at)
        if spec.needs_text and not (text and text.strip()):
            raise UsageError(action.value, "text_missing")
        request = Request(
            actor.user_id, at, kind, text, assignee_id, payload or {}, policy.calendar
        )
        effects = Effects(changes={"status": status}, payload=dict(request.payload))
        if text:
            effects.payload["text"] = text
        if spec.outcome is not None:
            kind.check_outcome(spec.outcome)
            effects.changes["outcome"] = spec.outcome
            effects.payload["outcome"] = spec.outcome.value
        if spec.effect is not None:
            spec.effect(self, request, effects)
        self._status_effects(status, at, policy.calendar, effects)
        if spec.deadline is DeadlineEffect.RESTART:
            _restart_deadline(kind, at, policy, effects)
        if not spec.system:
            effects.changes["touched_at"] = at
        after = replace(self, updated_at=at, version=self.version + 1, **effects.changes)
        after = replace(after, next_action=after.planned_action(policy))
        event = Event(effects.event or spec.event, actor.user_id, at, effects.payload)
        return Change(after, event, action)

    def _status_effects(
        self, status: Status, at: datetime, calendar: WorkCalendar | None, effects: Effects
    ) -> None:
        """What reaching `status` means, whichever action reached it."""
        if status in FINISHED_STATUSES:
            effects.changes["cancel_request"] = None
        if status is Status.RESOLVED:
            effects.changes["resolved_at"] = at
        if self.held_since is not None and status not in AWAITING_REPLY:
            # An outcome (or a cancel) ends the hold, as a resume would.
            end_hold(self, at, calendar, effects)
        if status is Status.ESCALATED and self.status is not Status.ESCALATED:
            effects.changes.update(escalation_level=1, escalated_at=at)
            effects.payload.setdefault("level", 1)
            effects.payload["assignee_id"] = self.assignee_id
            effects.payload["due_at"] = self.due_at.isoformat()

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
            held_since=self.held_since,
        )


def _restart_deadline(kind: Kind, at: datetime, policy: EscalationPolicy, effects: Effects) -> None:
    """A fresh deadline and a clean slate, as if the ticket were new (reopen)."""
    fresh = deadline_for(kind, at, policy.calendar)
    effects.changes.update(
        due_at=fresh.due_at,
        remind_at=fresh.remind_at,
        reminded=False,
        escalation_level=0,
        escalated_at=None,
        resolved_at=None,
        outcome=None,
        cancel_request=None,
    )
    effects.payload["due_at"] = fresh.due_at.isoformat()


@dataclass(frozen=True, slots=True)
class Change:
    """A ticket after one action, with the one event that records it (no action: created)."""

    ticket: Ticket
    event: Event
    action: Action | None = None


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
    due_at: datetime | None = None,
) -> Change:
    """A new ticket and its `created` event; only members and supervisors create (and a
    platform, whose ticket is due when the platform says, `due_at`)."""
    require_team(actor, TeamAction.CREATE)
    if actor.user_id is None:
        raise Refused("refused.team_permission", action=TeamAction.CREATE.value)
    deadline = deadline_for(kind, at, policy.calendar)
    if due_at is not None:
        remind_at = due_at - kind.remind_before
        deadline = Deadline(due_at, remind_at if at < remind_at < due_at else None)
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
