"""What each action means, written once: one row per action, read by everything else.

The lifecycle table (`lifecycle.TRANSITIONS`), the permission table
(`permissions.TICKET_PERMISSIONS`), the event an action writes and the notices it causes
are all derived from `ACTIONS`; `Ticket.apply` is a lookup in it plus the small effect
functions below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from bot.domain.calendars import WorkCalendar
from bot.domain.errors import Refused, UsageError
from bot.domain.model import Action, CancelRequest, EventType, Kind, Outcome, Role, Status

if TYPE_CHECKING:
    from bot.domain.ticket import Ticket

_O, _P, _R, _E = Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.ESCALATED
_C, _A, _X = Status.CLOSED, Status.APPEALED, Status.CANCELLED


class DeadlineEffect(StrEnum):
    """What an action does to the reply deadline."""

    KEEP = "keep"
    #: A fresh deadline from the action's time, as if the ticket were new (reopen).
    RESTART = "restart"


class CancelRequestRule(StrEnum):
    """What an action needs of the pending cancel request."""

    ANY = "any"
    NONE_PENDING = "none_pending"
    PENDING = "pending"


class Template(StrEnum):
    """Every kind of message the outbox delivers."""

    CARD = "card"
    ALBUM_ACK = "album_ack"
    DM_FALLBACK = "dm_fallback"
    WEBHOOK = "webhook"
    CREATED = "created"
    TRANSFERRED = "transferred"
    NOTE = "note"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    REMINDER = "reminder"
    CANCEL_REQUESTED = "cancel_requested"
    CANCEL_REJECTED = "cancel_rejected"
    CANCELLED = "cancelled"
    RULED = "ruled"
    APPEALED = "appealed"
    REOPENED = "reopened"
    PLATFORM_REPLIED = "platform_replied"
    PLATFORM_RULED = "platform_ruled"
    PLATFORM_REFUSED = "platform_refused"
    APPEAL_DECIDED = "appeal_decided"
    #: A reply or an appeal sent to a platform (not a chat).
    PLATFORM_MESSAGE = "platform_message"
    EXTENDED = "extended"
    DIGEST = "digest"
    #: "Your ticket was created", should the direct reply to its creator have been lost.
    RECEIPT = "receipt"


class Recipient(StrEnum):
    """Whom a notice rule addresses, relative to the ticket and its event."""

    GROUP = "group"
    ASSIGNEE = "assignee"
    CREATOR = "creator"
    #: Whoever asked for the cancellation the event settles.
    REQUESTER = "requester"
    #: The assignee before a transfer (their card then shows it is no longer theirs).
    PREVIOUS_ASSIGNEE = "previous_assignee"


@dataclass(frozen=True, slots=True)
class Tell:
    """Send `template` about the event to `recipient` (never to the actor themselves)."""

    recipient: Recipient
    template: Template


@dataclass(frozen=True, slots=True)
class Announce:
    """Post `template` in the team's group, unless the group saw the action itself;
    `calls_on_supervisors` notices (mentions, buttons) are posted all the same."""

    template: Template
    calls_on_supervisors: bool = False


@dataclass(frozen=True, slots=True)
class Remind:
    """The assignee's reminder; with nobody assigned, the group is reminded instead."""

    template: Template = Template.REMINDER


@dataclass(frozen=True, slots=True)
class RefreshCard:
    """Redraw `recipient`'s card of the ticket (sent anew when `resend`, else edited in place)."""

    recipient: Recipient = Recipient.ASSIGNEE
    resend: bool = False


NoticeRule = Tell | Announce | Remind | RefreshCard


class WebhookEvent(StrEnum):
    """Event types that integrations can subscribe to."""

    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    RULED = "ruled"


@dataclass(frozen=True, slots=True)
class Request:
    """What an action is applied with: who, when, the ticket's kind and the user's input."""

    actor_id: int | None
    at: datetime
    kind: Kind
    text: str | None = None
    assignee_id: int | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    #: The team's calendar when the ticket's kind counts working time.
    calendar: WorkCalendar | None = None


@dataclass(slots=True)
class Effects:
    """What an effect function adds to the change: ticket fields and event payload."""

    changes: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    event: EventType | None = None


Effect = Callable[["Ticket", Request, Effects], None]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """Everything an action means: its event, who may, where it moves, what it needs and causes."""

    event: EventType
    roles: frozenset[Role]
    moves: Mapping[Status, Status]
    needs_text: bool = False
    deadline: DeadlineEffect = DeadlineEffect.KEEP
    outcome: Outcome | None = None
    cancel_request: CancelRequestRule = CancelRequestRule.ANY
    notices: tuple[NoticeRule, ...] = ()
    webhook: WebhookEvent | None = None
    #: At most once per this long per ticket (a human nudge); None: no limit.
    cooldown: timedelta | None = None
    effect: Effect | None = None

    @property
    def system(self) -> bool:
        """Done by the scheduler, not by a person: it does not count as touching the ticket."""
        return self.roles == frozenset({Role.SYSTEM})


# --- the effects particular to one action ------------------------------------------------


def _transfer(ticket: Ticket, request: Request, effects: Effects) -> None:
    if request.assignee_id is None:
        raise UsageError("transfer", "assignee_missing")
    if request.assignee_id == ticket.assignee_id:
        raise Refused("refused.same_assignee")
    effects.changes["assignee_id"] = request.assignee_id
    effects.payload.update({"from": ticket.assignee_id, "to": request.assignee_id})
    if ticket.assignee_id is None:
        effects.event = EventType.ASSIGNED
    _remind_new_assignee(ticket, request, effects)


def _remind_new_assignee(ticket: Ticket, request: Request, effects: Effects) -> None:
    """The deadline stays (the customer's clock does not restart); a new assignee who takes
    the ticket inside the reminder lead is reminded at once, by the next sweep."""
    lead_began = ticket.remind_at is None or ticket.remind_at <= request.at
    if lead_began and request.at < ticket.due_at and ticket.held_since is None:
        effects.changes.update(remind_at=request.at, reminded=False)


def _claim(ticket: Ticket, request: Request, effects: Effects) -> None:
    if ticket.assignee_id is not None:
        raise Refused("refused.already_claimed", assignee_id=ticket.assignee_id)
    effects.changes["assignee_id"] = request.actor_id
    effects.payload.update({"to": request.actor_id})
    _remind_new_assignee(ticket, request, effects)


def _extend(ticket: Ticket, request: Request, effects: Effects) -> None:
    """The deadline moves later by the duration (from now, if it has passed already); an
    escalation for lack of a reply is withdrawn, a disagreement is not."""
    seconds = int(request.payload.get("extend_by", 0))
    if seconds <= 0:
        raise UsageError("extend", "duration_missing")
    if ticket.status is Status.ESCALATED and ticket.outcome is not None:
        raise Refused("refused.extend_disagreed")
    by = timedelta(seconds=seconds)
    start = max(ticket.due_at, request.at)
    calendar = request.calendar
    due_at = calendar.add(start, by) if calendar is not None else start + by
    lead = request.kind.remind_before
    remind_at = due_at - lead if lead > timedelta(0) else None
    if calendar is not None and lead > timedelta(0):
        remind_at = calendar.add(
            request.at, max(calendar.working_time(request.at, due_at) - lead, timedelta(0))
        )
    effects.changes.update(
        due_at=due_at,
        remind_at=remind_at if remind_at is not None and remind_at > request.at else None,
        reminded=False,
        escalation_level=0,
        escalated_at=None,
    )
    effects.payload.update(
        due_at=due_at.isoformat(), before=ticket.due_at.isoformat(), extend_by=seconds
    )


def _request_cancel(ticket: Ticket, request: Request, effects: Effects) -> None:
    assert request.actor_id is not None
    effects.changes["cancel_request"] = CancelRequest(
        request.actor_id, request.text or "", request.at
    )


def _settle_cancel_request(ticket: Ticket, request: Request, effects: Effects) -> None:
    assert ticket.cancel_request is not None
    effects.changes["cancel_request"] = None
    effects.payload.update(
        requested_by=ticket.cancel_request.requested_by,
        request_reason=ticket.cancel_request.reason,
    )


def _hold(ticket: Ticket, request: Request, effects: Effects) -> None:
    if ticket.held_since is not None:
        raise Refused("refused.already_on_hold")
    effects.changes["held_since"] = request.at


def _resume(ticket: Ticket, request: Request, effects: Effects) -> None:
    """The deadline moves by the pause: the time that was left when the hold began is left
    again now (working time on a business clock, wall-clock time otherwise)."""
    if ticket.held_since is None:
        raise Refused("refused.not_on_hold")
    end_hold(ticket, request.at, request.calendar, effects)


def end_hold(
    ticket: Ticket, now: datetime, calendar: WorkCalendar | None, effects: Effects
) -> None:
    """Close the ticket's hold at `now`: the deadline moves by the pause, so time on hold is
    never counted against it (resume, and any outcome or cancel while on hold)."""
    held_since = ticket.held_since
    assert held_since is not None

    def moved(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        if calendar is None:
            return moment + (now - held_since)
        return calendar.add(now, calendar.working_time(held_since, moment))

    due_at = moved(ticket.due_at)
    assert due_at is not None
    effects.changes.update(
        held_since=None,
        held_for=ticket.held_for + (now - held_since),
        due_at=due_at,
        remind_at=None if ticket.reminded else moved(ticket.remind_at),
    )
    effects.payload["held_for_seconds"] = int((now - held_since).total_seconds())
    effects.payload.setdefault("due_at", due_at.isoformat())


def _remind(ticket: Ticket, request: Request, effects: Effects) -> None:
    effects.changes["reminded"] = True


def _escalate_again(ticket: Ticket, request: Request, effects: Effects) -> None:
    effects.changes["escalation_level"] = ticket.escalation_level + 1
    effects.payload["level"] = ticket.escalation_level + 1
    effects.payload["assignee_id"] = ticket.assignee_id


def _replied(ticket: Ticket, request: Request, effects: Effects) -> None:
    # The shop's part is done; which option it chose is the event's, the ruling the platform's.
    effects.changes["outcome"] = Outcome.DONE


# --- the table -----------------------------------------------------------------------------

_MEMBERS: Final = frozenset({Role.MEMBER, Role.CREATOR, Role.ASSIGNEE, Role.SUPERVISOR})
_HANDLERS: Final = frozenset({Role.ASSIGNEE, Role.SUPERVISOR})
_OWNERS: Final = frozenset({Role.CREATOR, Role.ASSIGNEE, Role.SUPERVISOR})
_SUPERVISORS: Final = frozenset({Role.SUPERVISOR})
_SYSTEM: Final = frozenset({Role.SYSTEM})

#: Statuses in which the team still works on the ticket (not finished, not waiting to appeal).
_WORKING: Final = (_O, _P, _E, _A)


def _stay(*statuses: Status) -> Mapping[Status, Status]:
    return {status: status for status in statuses}


def _outcome(outcome: Outcome, after: Status, rules: tuple[NoticeRule, ...]) -> ActionSpec:
    return ActionSpec(
        EventType.OUTCOME,
        _HANDLERS,
        {_O: after, _P: after},
        outcome=outcome,
        notices=(RefreshCard(), *rules),
        webhook=WebhookEvent.RESOLVED if after is _R else WebhookEvent.ESCALATED,
    )


_CANCELLED_NOTICES: Final = (
    RefreshCard(),
    Announce(Template.CANCELLED),
    Tell(Recipient.ASSIGNEE, Template.CANCELLED),
    Tell(Recipient.REQUESTER, Template.CANCELLED),
)

ACTIONS: Final[Mapping[Action, ActionSpec]] = {
    Action.ACKNOWLEDGE: ActionSpec(
        EventType.ACKNOWLEDGED, _HANDLERS, {_O: _P}, notices=(RefreshCard(),)
    ),
    Action.NOTE: ActionSpec(
        EventType.NOTE,
        _MEMBERS,
        _stay(_O, _P, _E, _R, _C, _A, _X),
        needs_text=True,
        notices=(Tell(Recipient.ASSIGNEE, Template.NOTE), Tell(Recipient.CREATOR, Template.NOTE)),
    ),
    # A new assignee has to acknowledge again.
    Action.TRANSFER: ActionSpec(
        EventType.TRANSFERRED,
        _OWNERS,
        {_O: _O, _P: _O},
        notices=(
            RefreshCard(),
            RefreshCard(Recipient.PREVIOUS_ASSIGNEE),
            Announce(Template.TRANSFERRED),
        ),
        effect=_transfer,
    ),
    Action.AGREE: _outcome(Outcome.AGREED, _R, (Announce(Template.RESOLVED),)),
    # Not agreed: the platform intervenes, as on a timeout.
    Action.DISAGREE: _outcome(
        Outcome.DISAGREED, _E, (Announce(Template.ESCALATED, calls_on_supervisors=True),)
    ),
    Action.DONE: _outcome(Outcome.DONE, _R, (Announce(Template.RESOLVED),)),
    # Evidence may follow the outcome: the bot asks for it right after.
    Action.ADD_EVIDENCE: ActionSpec(EventType.EVIDENCE, _OWNERS, _stay(_O, _P, _E, _R, _C, _A)),
    Action.REQUEST_CANCEL: ActionSpec(
        EventType.CANCEL_REQUESTED,
        frozenset({Role.MEMBER, Role.CREATOR, Role.ASSIGNEE}),
        _stay(*_WORKING),
        needs_text=True,
        cancel_request=CancelRequestRule.NONE_PENDING,
        notices=(RefreshCard(), Announce(Template.CANCEL_REQUESTED, calls_on_supervisors=True)),
        effect=_request_cancel,
    ),
    Action.REJECT_CANCEL: ActionSpec(
        EventType.CANCEL_REJECTED,
        _SUPERVISORS,
        _stay(*_WORKING),
        cancel_request=CancelRequestRule.PENDING,
        notices=(RefreshCard(), Tell(Recipient.REQUESTER, Template.CANCEL_REJECTED)),
        effect=_settle_cancel_request,
    ),
    Action.APPROVE_CANCEL: ActionSpec(
        EventType.CANCELLED,
        _SUPERVISORS,
        dict.fromkeys(_WORKING, _X),
        cancel_request=CancelRequestRule.PENDING,
        notices=_CANCELLED_NOTICES,
        webhook=WebhookEvent.CANCELLED,
        effect=_settle_cancel_request,
    ),
    # Only supervisors cancel; the others can only ask them to.
    Action.CANCEL: ActionSpec(
        EventType.CANCELLED,
        _SUPERVISORS,
        dict.fromkeys(_WORKING, _X),
        needs_text=True,
        notices=_CANCELLED_NOTICES,
        webhook=WebhookEvent.CANCELLED,
    ),
    Action.RULE: ActionSpec(
        EventType.RULED,
        _SUPERVISORS,
        {_E: _C, _A: _C},
        needs_text=True,
        notices=(
            RefreshCard(),
            Announce(Template.RULED),
            Tell(Recipient.ASSIGNEE, Template.RULED),
        ),
        webhook=WebhookEvent.RULED,
    ),
    # After a ruling the shop can only appeal.
    Action.APPEAL: ActionSpec(
        EventType.APPEALED,
        _HANDLERS,
        {_C: _A},
        needs_text=True,
        notices=(RefreshCard(), Announce(Template.APPEALED)),
    ),
    Action.REOPEN: ActionSpec(
        EventType.REOPENED,
        _SUPERVISORS,
        dict.fromkeys((_E, _R, _C, _X), _O),
        deadline=DeadlineEffect.RESTART,
        notices=(RefreshCard(), Announce(Template.REOPENED)),
    ),
    # 催办: the card again, with what the creator or a supervisor says.
    Action.NUDGE: ActionSpec(
        EventType.NUDGED,
        frozenset({Role.CREATOR, Role.SUPERVISOR}),
        _stay(_O, _P),
        notices=(RefreshCard(resend=True),),
        cooldown=timedelta(minutes=10),
    ),
    Action.HOLD: ActionSpec(
        EventType.HELD,
        _HANDLERS,
        _stay(_O, _P),
        needs_text=True,
        notices=(RefreshCard(),),
        effect=_hold,
    ),
    # By the assignee or a supervisor, or by the scheduler after [sla] max_hold.
    Action.RESUME: ActionSpec(
        EventType.RESUMED,
        _HANDLERS | _SYSTEM,
        _stay(_O, _P),
        notices=(RefreshCard(),),
        effect=_resume,
    ),
    Action.REMIND: ActionSpec(
        EventType.REMINDED, _SYSTEM, _stay(_O, _P), notices=(Remind(),), effect=_remind
    ),
    Action.ESCALATE: ActionSpec(
        EventType.ESCALATED,
        _SYSTEM,
        {_O: _E, _P: _E},
        notices=(RefreshCard(), Announce(Template.ESCALATED, calls_on_supervisors=True)),
        webhook=WebhookEvent.ESCALATED,
    ),
    Action.ESCALATE_AGAIN: ActionSpec(
        EventType.ESCALATED,
        _SYSTEM,
        _stay(_E),
        notices=(RefreshCard(), Announce(Template.ESCALATED, calls_on_supervisors=True)),
        webhook=WebhookEvent.ESCALATED,
        effect=_escalate_again,
    ),
    # 领取: the first member to press Claim becomes the assignee; a second press is refused.
    Action.CLAIM: ActionSpec(
        EventType.CLAIMED,
        _MEMBERS,
        _stay(_O, _P, _E),
        notices=(RefreshCard(),),
        effect=_claim,
    ),
    # 延期: more time; a ticket escalated for lack of a reply is back in progress.
    Action.EXTEND: ActionSpec(
        EventType.EXTENDED,
        _SUPERVISORS,
        {_O: _O, _P: _P, _E: _P},
        notices=(RefreshCard(), Tell(Recipient.ASSIGNEE, Template.EXTENDED)),
        effect=_extend,
    ),
    # The platform's own actions (Origin channel platform); the reply's sending to the
    # platform is added by the platform service, which knows the platform ticket.
    Action.REPLY_PLATFORM: ActionSpec(
        EventType.REPLIED,
        _HANDLERS,
        {_O: _R, _P: _R},
        notices=(RefreshCard(), Announce(Template.PLATFORM_REPLIED)),
        effect=_replied,
    ),
    Action.PLATFORM_RULE: ActionSpec(
        EventType.RULED,
        _SYSTEM,
        dict.fromkeys((_O, _P, _R, _E), _C),
        needs_text=True,
        notices=(
            RefreshCard(),
            Announce(Template.PLATFORM_RULED, calls_on_supervisors=True),
            Tell(Recipient.ASSIGNEE, Template.PLATFORM_RULED),
        ),
        webhook=WebhookEvent.RULED,
    ),
    Action.DECIDE_APPEAL: ActionSpec(
        EventType.APPEAL_DECIDED,
        _SYSTEM,
        {_A: _C},
        needs_text=True,
        notices=(
            RefreshCard(),
            Announce(Template.APPEAL_DECIDED),
            Tell(Recipient.ASSIGNEE, Template.APPEAL_DECIDED),
        ),
    ),
}

#: The one event each action writes (a first transfer is recorded as `assigned`).
EVENT_OF_ACTION: Final[Mapping[Action, EventType]] = {
    action: spec.event for action, spec in ACTIONS.items()
}
#: The action each outcome means, and back.
OUTCOME_ACTIONS: Final[Mapping[Outcome, Action]] = {
    spec.outcome: action for action, spec in ACTIONS.items() if spec.outcome is not None
}
