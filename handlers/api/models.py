"""The public API's bodies and queries as pydantic models: they validate every request, shape
every answer, and are the OpenAPI document's schemas (one source of truth)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from bot.domain.listing import DEFAULT_PAGE, MAX_PAGE, Bucket, SortOrder
from bot.domain.model import Action, Outcome, Status
from bot.domain.people import Person
from bot.domain.ticket import Ticket
from bot.domain.tokens import Scope
from bot.domain.views import EvidenceItem, TicketStats, TimelineEntry

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Username = Annotated[str, Field(min_length=1, max_length=33, pattern=r"^@?[A-Za-z0-9_]{1,32}$")]
#: Ticket numbers and Telegram user ids as the database holds them.
Number = Annotated[int, Field(ge=1, le=2_147_483_647)]
UserId = Annotated[int, Field(ge=1, le=2**53)]


def _iso(value: object) -> object:
    # pydantic also reads Unix seconds ("0.5") as a time; a query's times are ISO 8601 only.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date-time with its offset")
    return value


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso)]


class _In(BaseModel):
    """A request: unknown fields are refused, so a misspelt one is not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- errors --------------------------------------------------------------------------------


class ErrorDetail(_Out):
    code: str = Field(description="stable, for programs: unauthorized, forbidden, not_found, …")
    message: str = Field(description="for people, in the language of Accept-Language (zh/en)")
    field: str | None = Field(description="the request's field at fault, if one is")


class ErrorBody(_Out):
    """Every error, whatever went wrong."""

    error: ErrorDetail


# --- tickets -------------------------------------------------------------------------------


class TicketOut(_Out):
    number: int
    order_id: str
    kind: str
    description: str
    status: Status
    outcome: Outcome | None
    creator_id: int = Field(description="0: no person (the API, a platform)")
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    on_hold: bool
    escalation_level: int
    stamp: int = Field(description="pass as `seen` to refuse an action if the ticket changed")

    @classmethod
    def of(cls, ticket: Ticket) -> TicketOut:
        return cls(
            number=ticket.number,
            order_id=ticket.order_id,
            kind=ticket.kind,
            description=ticket.description,
            status=ticket.status,
            outcome=ticket.outcome,
            creator_id=ticket.creator_id,
            assignee_id=ticket.assignee_id,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            due_at=ticket.due_at,
            resolved_at=ticket.resolved_at,
            on_hold=ticket.held_since is not None,
            escalation_level=ticket.escalation_level,
            stamp=ticket.stamp,
        )


class TicketPageOut(_Out):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
    total: int


class TimelineEntryOut(_Out):
    id: int
    type: str
    actor_id: int | None
    at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryOut:
        event = entry.event
        return cls(
            id=entry.id,
            type=event.type.value,
            actor_id=event.actor_id,
            at=event.at,
            payload=dict(event.payload),
        )


class EvidenceOut(_Out):
    """A file's metadata (the file itself stays in Telegram, or the evidence archive)."""

    id: int
    type: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    caption: str | None
    uploader_id: int
    at: datetime
    sha256: str | None

    @classmethod
    def of(cls, item: EvidenceItem) -> EvidenceOut:
        return cls(
            id=item.id,
            type=item.type,
            file_name=item.file_name,
            mime_type=item.mime_type,
            size=item.size,
            caption=item.caption,
            uploader_id=item.uploader_id,
            at=item.at,
            sha256=item.sha256,
        )


class TicketDetailOut(TicketOut):
    timeline: list[TimelineEntryOut]
    evidence: list[EvidenceOut]


class CreateTicketIn(_In):
    order_id: Annotated[str, Field(min_length=1, max_length=64)]
    kind: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="a configured kind; none: the team's default kind"
    )
    description: Text
    assignee: Username | None = Field(default=None, description="@username of a team member")
    assignee_id: UserId | None = None
    allow_duplicate: bool = Field(
        default=False, description="open it even if one is open for the same order and kind"
    )


class TicketQuery(_In):
    """Filters of a list, as the workbench and the chat's lists have them."""

    status: list[Status] = Field(default_factory=list, description="any of these (repeat)")
    kind: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(default_factory=list)
    assignee_id: UserId | None = None
    unassigned: bool = False
    creator_id: Annotated[int, Field(ge=0, le=2**53)] | None = None
    created_from: IsoDatetime | None = None
    created_to: IsoDatetime | None = None
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="a number (42, T42), an order id prefix or words"
    )
    bucket: Bucket | None = None
    sort: SortOrder = SortOrder.DEADLINE
    cursor: Annotated[str, Field(min_length=1, max_length=400)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class TicketPath(_In):
    number: Number


class ApiAction(StrEnum):
    """What `POST /tickets/{number}/{action}` can do: the chat's actions; the last three are
    the platform's own and need a platform token."""

    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"
    TRANSFER = "transfer"
    AGREE = "agree"
    DISAGREE = "disagree"
    DONE = "done"
    REQUEST_CANCEL = "request_cancel"
    REJECT_CANCEL = "reject_cancel"
    APPROVE_CANCEL = "approve_cancel"
    CANCEL = "cancel"
    RULE = "rule"
    APPEAL = "appeal"
    REOPEN = "reopen"
    NUDGE = "nudge"
    HOLD = "hold"
    RESUME = "resume"
    REPLY_PLATFORM = "reply_platform"
    ESCALATE = "escalate"
    PLATFORM_RULE = "platform_rule"
    DECIDE_APPEAL = "decide_appeal"

    @property
    def meant(self) -> Action | Outcome:
        """What the ticket service is asked: the outcome for agree/disagree/done (the kind
        decides which it allows), the action otherwise."""
        return _OUTCOMES.get(self) or Action(self.value)

    @property
    def platform_only(self) -> bool:
        return self in _PLATFORM_ACTIONS


_OUTCOMES: Final = {
    ApiAction.AGREE: Outcome.AGREED,
    ApiAction.DISAGREE: Outcome.DISAGREED,
    ApiAction.DONE: Outcome.DONE,
}
_PLATFORM_ACTIONS: Final = frozenset(
    {ApiAction.ESCALATE, ApiAction.PLATFORM_RULE, ApiAction.DECIDE_APPEAL}
)


class ActionPath(_In):
    number: Number
    action: ApiAction


class ActionIn(_In):
    """What an action may need: its text (a note, a reason, a verdict's text), a member
    (transfer), a platform's option (reply_platform) or verdict (platform_rule)."""

    text: Text | None = None
    assignee: Username | None = None
    assignee_id: UserId | None = None
    option: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    verdict: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    seen: Annotated[int, Field(ge=0, le=2**32)] | None = Field(
        default=None, description="the ticket's `stamp` as last read: refused (409) if changed"
    )


class ActedOut(_Out):
    ticket: TicketOut
    event: TimelineEntryOut | None = None


# --- members, statistics, export -----------------------------------------------------------


class MemberOut(_Out):
    id: int
    name: str
    username: str | None

    @classmethod
    def of(cls, person: Person) -> MemberOut:
        return cls(id=person.id, name=person.display_name, username=person.username)


class MembersOut(_Out):
    items: list[MemberOut]


class PeriodQuery(_In):
    days: Annotated[int, Field(ge=1, le=3660)] | None = Field(
        default=None, description="only tickets created in the last N days; none: all"
    )


class AssigneeCount(_Out):
    assignee_id: int | None
    count: int


class StatisticsOut(_Out):
    total: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_assignee: list[AssigneeCount]
    resolved: int
    resolved_in_time: int
    held: int
    held_seconds: int

    @classmethod
    def of(cls, stats: TicketStats) -> StatisticsOut:
        return cls(
            total=stats.total,
            by_kind=stats.by_kind,
            by_status=stats.by_status,
            by_assignee=[
                AssigneeCount(assignee_id=a, count=n) for a, n in stats.by_assignee.items()
            ],
            resolved=stats.resolved,
            resolved_in_time=stats.resolved_in_time,
            held=stats.held,
            held_seconds=int(stats.held_for.total_seconds()),
        )


class TokenOut(_Out):
    """GET /api/v1/token: what the token in use may do."""

    id: int
    name: str
    scope: Scope
    team_chat_id: int
