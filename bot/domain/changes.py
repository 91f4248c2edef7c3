"""A change to a ticket as one typed command, and its origin: every entrypoint makes these."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from bot.domain.commands import (
    AddNote,
    Appeal,
    Extend,
    Hold,
    RecordOutcome,
    Remind,
    Reopen,
    Resume,
    Transfer,
    UserRef,
    Verdict,
)
from bot.domain.model import Action, Outcome
from bot.domain.permissions import Actor
from bot.domain.tokens import IdempotentRequest


class Channel(StrEnum):
    """The entrypoint a change came through."""

    CHAT = "chat"
    BUTTON = "button"
    WEB = "web"
    API = "api"
    PLATFORM = "platform"
    SCHEDULER = "scheduler"


@dataclass(frozen=True, slots=True)
class Origin:
    """Who acts, through which channel; `update_id` is recorded with the change, so an update
    Telegram delivers again has its effect once."""

    actor: Actor
    channel: Channel
    update_id: int | None = None
    #: The change happened in the team's group, whose members read the answer already.
    in_group: bool = False
    #: A platform's (name, event id): recorded with the change, so a re-sent event is a no-op.
    platform_event: tuple[str, str] | None = None
    #: A public API create request's Idempotency-Key: recorded with the ticket it makes.
    idempotency: IdempotentRequest | None = None
    #: The name of the API token a change came through: its event says so, since no person
    #: (user id 0) did it.
    integration: str | None = None

    @property
    def event_details(self) -> dict[str, str]:
        """What the origin adds to the change's event."""
        return {"via": "api", "integration": self.integration} if self.integration else {}

    @classmethod
    def chat(cls, actor: Actor, update_id: int, *, in_group: bool, button: bool = False) -> Origin:
        channel = Channel.BUTTON if button else Channel.CHAT
        return cls(actor, channel, update_id, in_group)

    @classmethod
    def platform(cls, team_id: int, platform: str, event_id: str) -> Origin:
        return cls(Actor.platform(team_id), Channel.PLATFORM, platform_event=(platform, event_id))

    @classmethod
    def api(
        cls, actor: Actor, integration: str, idempotency: IdempotentRequest | None = None
    ) -> Origin:
        return cls(actor, Channel.API, idempotency=idempotency, integration=integration)

    @classmethod
    def scheduler(cls, team_id: int) -> Origin:
        return cls(Actor.system(team_id), Channel.SCHEDULER)


@dataclass(frozen=True, slots=True)
class TicketRef:
    """A ticket as a command names it: by its number in the team, or by id (a button)."""

    number: int | None = None
    ticket_id: int | None = None
    #: The ticket's `stamp` when the button was drawn; None: whatever is current.
    seen: int | None = None


@dataclass(frozen=True, slots=True)
class ChangeTicket:
    """One action on one ticket; an outcome is read as the action it means for the kind."""

    ticket: TicketRef
    action: Action | Outcome
    text: str | None = None
    assignee: UserRef | None = None
    #: What the entrypoint adds to the event (a platform's option id or verdict).
    details: tuple[tuple[str, str], ...] = ()


#: The chat grammar's commands that change a ticket without a confirmation step.
TicketCommand = (
    AddNote | Transfer | RecordOutcome | Verdict | Appeal | Reopen | Remind | Hold | Resume | Extend
)


def change_of(command: TicketCommand) -> ChangeTicket:
    """The change a parsed command asks for."""
    match command:
        case AddNote(number, text):
            return ChangeTicket(TicketRef(number), Action.NOTE, text)
        case Transfer(number, assignee, reason):
            return ChangeTicket(TicketRef(number), Action.TRANSFER, reason, assignee)
        case RecordOutcome(number, outcome, note):
            return ChangeTicket(TicketRef(number), outcome, note)
        case Verdict(number, text):
            return ChangeTicket(TicketRef(number), Action.RULE, text)
        case Appeal(number, reason):
            return ChangeTicket(TicketRef(number), Action.APPEAL, reason)
        case Reopen(number, reason):
            return ChangeTicket(TicketRef(number), Action.REOPEN, reason)
        case Remind(number, text):
            return ChangeTicket(TicketRef(number), Action.NUDGE, text)
        case Hold(number, reason):
            return ChangeTicket(TicketRef(number), Action.HOLD, reason)
        case Resume(number):
            return ChangeTicket(TicketRef(number), Action.RESUME)
        case Extend(number, by, reason):
            details = (("extend_by", str(int(by.total_seconds()))),)
            return ChangeTicket(TicketRef(number), Action.EXTEND, reason, details=details)
        case _:
            assert_never(command)
