"""Reply deadlines, reminders and the escalation ladder, computed from times handed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.calendars import WorkCalendar
from bot.domain.model import AWAITING_REPLY, Action, Kind, Status


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the reply is due and when the assignee is reminded (None: too short to remind)."""

    due_at: datetime
    remind_at: datetime | None


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """The SLA settings that are not per kind, for one ticket: the escalation ladder and,
    for a kind on a business clock in a team with a calendar, that calendar."""

    escalate_again_after: timedelta | None = None
    calendar: WorkCalendar | None = None
    #: A ticket on hold resumes by itself after this long (None: only when someone resumes).
    max_hold: timedelta | None = None


def deadline_for(kind: Kind, starts_at: datetime, calendar: WorkCalendar | None = None) -> Deadline:
    """The deadline of a ticket of `kind` whose clock starts at `starts_at`; with a calendar,
    the reply time and the reminder lead are working time, so both fall in working hours."""
    lead = kind.remind_before
    if calendar is None:
        due_at = starts_at + kind.reply_within
        remind_at = due_at - lead
    else:
        due_at = calendar.add(starts_at, kind.reply_within)
        remind_at = calendar.add(starts_at, max(kind.reply_within - lead, timedelta(0)))
    if lead <= timedelta(0) or lead >= kind.reply_within or remind_at <= starts_at:
        return Deadline(due_at, None)
    return Deadline(due_at, remind_at)


@dataclass(frozen=True, slots=True)
class NextAction:
    """What the sweeper must do to a ticket, and from when."""

    action: Action
    at: datetime


def plan_next_action(
    *,
    status: Status,
    due_at: datetime,
    remind_at: datetime | None,
    reminded: bool,
    escalation_level: int,
    escalated_at: datetime | None,
    touched_at: datetime,
    policy: EscalationPolicy,
    held_since: datetime | None = None,
) -> NextAction | None:
    """The next timed action for a ticket in this state, or None when nothing is timed."""
    if held_since is not None and status in AWAITING_REPLY:
        # On hold the deadline clock stops; only the longest hold allowed is timed.
        if policy.max_hold is None:
            return None
        return NextAction(Action.RESUME, held_since + policy.max_hold)
    if status in AWAITING_REPLY:
        if remind_at is not None and not reminded:
            return NextAction(Action.REMIND, remind_at)
        return NextAction(Action.ESCALATE, due_at)
    if (
        status is Status.ESCALATED
        and escalation_level == 1
        and policy.escalate_again_after is not None
        and escalated_at is not None
        # Anyone acting on the escalated ticket stops the ladder: it is no longer untouched.
        and touched_at <= escalated_at
    ):
        again = escalated_at + policy.escalate_again_after
        # Nobody is there to be called on outside working hours: it waits for the opening.
        if policy.calendar is not None:
            again = policy.calendar.next_opening(again)
        return NextAction(Action.ESCALATE_AGAIN, again)
    return None


def action_due(planned: NextAction, due_at: datetime, now: datetime) -> Action:
    """The action to apply now: a reminder whose deadline already passed becomes the escalation.

    This is how a bot that was down across a deadline escalates once instead of reminding late.
    """
    if planned.action is Action.REMIND and now >= due_at:
        return Action.ESCALATE
    return planned.action
