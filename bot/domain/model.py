"""The vocabulary of PRODUCT.md as types: status, action, role, kind, outcome, event."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.domain.errors import UsageError


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    CLOSED = "closed"
    APPEALED = "appealed"
    CANCELLED = "cancelled"


#: Statuses that still wait for someone in the team to act (the to-do list of /pending).
PENDING_STATUSES: Final = frozenset(
    {Status.OPEN, Status.IN_PROGRESS, Status.ESCALATED, Status.APPEALED}
)
#: Statuses the deadline clock runs in: the assignee has not answered yet.
AWAITING_REPLY: Final = frozenset({Status.OPEN, Status.IN_PROGRESS})
#: Statuses after which nothing more is expected unless a supervisor reopens.
FINISHED_STATUSES: Final = frozenset({Status.RESOLVED, Status.CLOSED, Status.CANCELLED})


class Action(StrEnum):
    """Everything that can happen to an existing ticket."""

    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"
    TRANSFER = "transfer"
    AGREE = "agree"
    DISAGREE = "disagree"
    DONE = "done"
    ADD_EVIDENCE = "add_evidence"
    REQUEST_CANCEL = "request_cancel"
    REJECT_CANCEL = "reject_cancel"
    APPROVE_CANCEL = "approve_cancel"
    CANCEL = "cancel"
    RULE = "rule"
    APPEAL = "appeal"
    REOPEN = "reopen"
    #: 挂起: waiting for the customer or a third party; the deadline clock stops.
    HOLD = "hold"
    RESUME = "resume"
    #: A person nudges the assignee (催办); the scheduler's own reminder is REMIND.
    NUDGE = "nudge"
    REMIND = "remind"
    ESCALATE = "escalate"
    ESCALATE_AGAIN = "escalate_again"
    #: The assignee answers a platform's collaborative work order with one of its options.
    REPLY_PLATFORM = "reply_platform"
    #: The platform's ruling (判责) and its decision on an appeal (申诉).
    PLATFORM_RULE = "platform_rule"
    DECIDE_APPEAL = "decide_appeal"
    #: 领取: a member takes an unassigned ticket (the first press wins).
    CLAIM = "claim"
    #: 延期: a supervisor gives the ticket more time.
    EXTEND = "extend"


class TeamAction(StrEnum):
    """What an actor can do in a team without a particular ticket."""

    CREATE = "create"
    VIEW = "view"
    LIST_PENDING = "list_pending"
    STATS = "stats"
    EXPORT = "export"
    SET_TEAM_LANGUAGE = "set_team_language"


class Role(StrEnum):
    """Roles an actor holds towards a team and one of its tickets."""

    STRANGER = "stranger"
    MEMBER = "member"
    CREATOR = "creator"
    ASSIGNEE = "assignee"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


class Outcome(StrEnum):
    """The negotiated-outcome reply: agreed / not agreed with the customer, or just done."""

    AGREED = "agreed"
    DISAGREED = "disagreed"
    DONE = "done"


class EventType(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"
    OUTCOME = "outcome"
    EVIDENCE = "evidence"
    REMINDED = "reminded"
    NUDGED = "nudged"
    ESCALATED = "escalated"
    CANCEL_REQUESTED = "cancel_requested"
    CANCEL_REJECTED = "cancel_rejected"
    CANCELLED = "cancelled"
    RULED = "ruled"
    APPEALED = "appealed"
    REOPENED = "reopened"
    HELD = "held"
    RESUMED = "resumed"
    REPLIED = "replied"
    #: The platform accepted or refused what was sent to it (a reply, an appeal).
    PLATFORM_ANSWERED = "platform_answered"
    APPEAL_DECIDED = "appeal_decided"
    CLAIMED = "claimed"
    EXTENDED = "extended"


class EvidenceType(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class KindClock(StrEnum):
    """How a kind's deadlines count: in the team's working time, or on the wall clock."""

    BUSINESS = "business"
    #: The platform's 24 hours for a collaborative work order are wall-clock hours.
    CALENDAR = "calendar"


_KIND_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")


def is_kind_name(text: str) -> bool:
    """Kind names are typed as hashtags, so they must be hashtag-safe lowercase words."""
    return _KIND_NAME.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Kind:
    """A ticket type with its reply deadline, reminder lead and outcome rule."""

    name: str
    label_zh: str
    label_en: str
    reply_within: timedelta
    remind_before: timedelta
    needs_outcome: bool
    default_assignee: int | str | None = None
    clock: KindClock = KindClock.BUSINESS

    def label(self, language: Language | str) -> str:
        return self.label_zh if language == Language.ZH else self.label_en

    def check_outcome(self, outcome: Outcome, command: str = "outcome") -> None:
        """Kinds that need the negotiated outcome refuse "done"; the others take only "done"."""
        if self.needs_outcome and outcome is Outcome.DONE:
            raise UsageError(command, "outcome_needs_agreement", kind=self.name)
        if not self.needs_outcome and outcome is not Outcome.DONE:
            raise UsageError(command, "outcome_only_done", kind=self.name)


#: The reply deadline and reminder lead of a kind the config says nothing about ([sla]).
DEFAULT_REPLY_WITHIN: Final = timedelta(hours=24)
DEFAULT_REMIND_BEFORE: Final = timedelta(hours=4)


def _kind(
    name: str,
    zh: str,
    en: str,
    *,
    needs_outcome: bool = False,
    clock: KindClock = KindClock.BUSINESS,
) -> Kind:
    return Kind(
        name, zh, en, DEFAULT_REPLY_WITHIN, DEFAULT_REMIND_BEFORE, needs_outcome, clock=clock
    )


#: The eight kinds of PRODUCT.md; config overrides their keys or adds kinds.
DEFAULT_KINDS: Final[tuple[Kind, ...]] = (
    _kind("review", "审单", "Order review"),
    _kind("shipping", "发货", "Shipping"),
    _kind("waybill", "打单", "Waybill printing"),
    _kind("stockout", "缺货通知", "Out-of-stock notice"),
    _kind("aftersale", "售后处理", "After-sales case", needs_outcome=True),
    _kind("memo", "客户沟通备忘", "Customer conversation memo"),
    _kind("task", "任务备忘", "Task memo"),
    _kind(
        "collab",
        "协同工单",
        "Collaborative work order",
        needs_outcome=True,
        clock=KindClock.CALENDAR,
    ),
)


@dataclass(frozen=True, slots=True)
class CancelRequest:
    """A pending request from a non-supervisor to cancel a ticket."""

    requested_by: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    """One append-only entry on a ticket's timeline."""

    type: EventType
    actor_id: int | None
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


def ticket_label(number: int) -> str:
    """How a ticket number is shown and hashtagged: T1042."""
    return f"T{number}"
