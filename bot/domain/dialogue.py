"""A user's conversation with the bot in one chat, as a state machine: its steps and inputs.

There is at most one conversation per user and chat. Its state is stored between updates
(bot/services/dialogues.py); this module only says which input each step takes and which step
follows, so a stale button or a reply nobody asked for is refused in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Final

from bot.domain.errors import DomainError

#: A conversation nobody continued for this long is forgotten: every step ends this way too.
DIALOGUE_TTL: Final = timedelta(hours=2)


class DialogueStep(StrEnum):
    """Where a conversation stands; the values are the strings stored for it."""

    # A guided /ticket, one question at a time.
    ORDER = "order"
    KIND = "kind"
    ASSIGNEE = "assignee"
    DESCRIPTION = "description"
    CONFIRM = "confirm"
    #: A one-line /ticket named an order with an open ticket of its kind: create anyway?
    DUPLICATE = "duplicate"
    #: The next reply is a note on a ticket.
    NOTE = "note"
    #: Files go to a ticket until Finish.
    EVIDENCE = "evidence"
    #: A supervisor confirms the cancellation they typed.
    CANCEL = "cancel"
    #: Not a conversation: remembers that "which ticket?" was asked for an album already.
    ASKED = "asked"


#: The steps of a guided /ticket.
GUIDED: Final = frozenset(
    {
        DialogueStep.ORDER,
        DialogueStep.KIND,
        DialogueStep.ASSIGNEE,
        DialogueStep.DESCRIPTION,
        DialogueStep.CONFIRM,
    }
)


class DialogueInput(StrEnum):
    """What a user does that starts or moves a conversation."""

    # These start one, in place of whatever conversation was under way.
    GUIDED_TICKET = "guided_ticket"  # /ticket with no arguments
    DUPLICATE_FOUND = "duplicate_found"  # a one-line /ticket for an order with an open ticket
    ASK_NOTE = "ask_note"  # a card's Note button
    COLLECT_EVIDENCE = "collect_evidence"  # /evidence, Evidence, an outcome, a captioned file
    ASK_CANCEL = "ask_cancel"  # /cancel by someone who may cancel, to be confirmed
    UNKNOWN_ALBUM = "unknown_album"  # an album for no known ticket
    # These continue one.
    TEXT = "text"  # a reply to the bot's prompt
    FILE = "file"
    KIND = "kind"  # a kind button
    ASSIGNEE = "assignee"  # an assignee button
    CREATE = "create"
    CREATE_ANYWAY = "create_anyway"
    CONFIRM_CANCEL = "confirm_cancel"
    KEEP = "keep"  # keep the ticket: no cancellation
    FINISH = "finish"  # no more evidence
    ABORT = "abort"  # discard the ticket being drafted


_S, _I = DialogueStep, DialogueInput

#: Inputs that start a conversation whatever the user was doing, and its first step.
OPENERS: Final[Mapping[DialogueInput, DialogueStep]] = {
    _I.GUIDED_TICKET: _S.ORDER,
    _I.DUPLICATE_FOUND: _S.DUPLICATE,
    _I.ASK_NOTE: _S.NOTE,
    _I.COLLECT_EVIDENCE: _S.EVIDENCE,
    _I.ASK_CANCEL: _S.CANCEL,
}

#: (step, input) -> the next step; None as the next step: the conversation is over; None as
#: the step: no conversation. An input with no row for a step is one that step does not take.
TRANSITIONS: Final[Mapping[tuple[DialogueStep | None, DialogueInput], DialogueStep | None]] = {
    **{(step, given): first for step in (None, *_S) for given, first in OPENERS.items()},
    (_S.ORDER, _I.TEXT): _S.KIND,
    (_S.KIND, _I.KIND): _S.ASSIGNEE,
    (_S.ASSIGNEE, _I.ASSIGNEE): _S.DESCRIPTION,
    # A description given with /ticket answers this step at once.
    (_S.DESCRIPTION, _I.TEXT): _S.CONFIRM,
    (_S.CONFIRM, _I.CREATE): None,
    **{(step, _I.ABORT): None for step in GUIDED},
    (_S.DUPLICATE, _I.CREATE_ANYWAY): None,
    (_S.DUPLICATE, _I.ABORT): None,
    (_S.NOTE, _I.TEXT): None,
    (_S.EVIDENCE, _I.FILE): _S.EVIDENCE,
    (_S.EVIDENCE, _I.FINISH): None,
    (_S.CANCEL, _I.CONFIRM_CANCEL): None,
    (_S.CANCEL, _I.KEEP): None,
    # Asked once per album, again for another album; a conversation under way is left be.
    (None, _I.UNKNOWN_ALBUM): _S.ASKED,
    (_S.ASKED, _I.UNKNOWN_ALBUM): _S.ASKED,
}


class OutOfStep(DomainError):
    """An input the conversation does not wait for: a stale button, or one of a past dialogue."""

    key = "reply.expired"

    def __init__(self, step: DialogueStep | None, given: DialogueInput) -> None:
        super().__init__()
        self.step = step
        self.given = given

    def __str__(self) -> str:
        return f"{self.given} does not follow {self.step or 'no conversation'}"


def takes(step: DialogueStep | None, given: DialogueInput) -> bool:
    """Whether `given` is an input for `step` (None: when no conversation is under way)."""
    return (step, given) in TRANSITIONS


def next_step(step: DialogueStep | None, given: DialogueInput) -> DialogueStep | None:
    """The step after `given` (None: the conversation is over), or OutOfStep."""
    try:
        return TRANSITIONS[(step, given)]
    except KeyError:
        raise OutOfStep(step, given) from None


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A conversation under way: its step, its team and what was answered so far."""

    step: DialogueStep
    team_id: int | None
    data: dict[str, Any]

    def takes(self, given: DialogueInput) -> bool:
        return takes(self.step, given)

    def ends(self, given: DialogueInput) -> bool:
        """Whether `given` ends the conversation at this step."""
        return self.takes(given) and next_step(self.step, given) is None

    def then(self, given: DialogueInput, **data: Any) -> Dialogue:
        """The conversation one step on, with `data` noted; OutOfStep unless it goes on.

        A new conversation (an opener) starts with `begin`, keeping nothing of this one.
        """
        step = next_step(self.step, given)
        if step is None:
            raise OutOfStep(self.step, given)
        return Dialogue(step, self.team_id, self.data | data)


def begin(given: DialogueInput, team_id: int | None, **data: Any) -> Dialogue:
    """The conversation `given` starts when none is under way (an opener: in place of any)."""
    step = next_step(None, given)
    if step is None:
        raise OutOfStep(None, given)
    return Dialogue(step, team_id, data)
