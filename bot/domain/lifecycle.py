"""The ticket's life as one table: which action is legal in which status, and where it leads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.domain.errors import Refused
from bot.domain.model import Action, Status

_O, _P, _R, _E = Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.ESCALATED
_C, _A, _X = Status.CLOSED, Status.APPEALED, Status.CANCELLED

#: (status, action) → status after it. A pair that is missing is refused.
TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    # Waiting for the assignee: the deadline clock runs.
    (_O, Action.ACKNOWLEDGE): _P,
    (_O, Action.NOTE): _O,
    (_O, Action.TRANSFER): _O,
    (_O, Action.AGREE): _R,
    (_O, Action.DISAGREE): _E,
    (_O, Action.DONE): _R,
    (_O, Action.ADD_EVIDENCE): _O,
    (_O, Action.REQUEST_CANCEL): _O,
    (_O, Action.REJECT_CANCEL): _O,
    (_O, Action.APPROVE_CANCEL): _X,
    (_O, Action.CANCEL): _X,
    (_O, Action.REMIND): _O,
    (_O, Action.ESCALATE): _E,
    (_P, Action.NOTE): _P,
    # A new assignee has to acknowledge again.
    (_P, Action.TRANSFER): _O,
    (_P, Action.AGREE): _R,
    (_P, Action.DISAGREE): _E,
    (_P, Action.DONE): _R,
    (_P, Action.ADD_EVIDENCE): _P,
    (_P, Action.REQUEST_CANCEL): _P,
    (_P, Action.REJECT_CANCEL): _P,
    (_P, Action.APPROVE_CANCEL): _X,
    (_P, Action.CANCEL): _X,
    (_P, Action.REMIND): _P,
    (_P, Action.ESCALATE): _E,
    # The platform intervenes; the team waits for its ruling.
    (_E, Action.NOTE): _E,
    (_E, Action.ADD_EVIDENCE): _E,
    (_E, Action.RULE): _C,
    (_E, Action.REQUEST_CANCEL): _E,
    (_E, Action.REJECT_CANCEL): _E,
    (_E, Action.APPROVE_CANCEL): _X,
    (_E, Action.CANCEL): _X,
    (_E, Action.REOPEN): _O,
    (_E, Action.ESCALATE_AGAIN): _E,
    # Evidence may follow the outcome: the bot asks for it right after.
    (_R, Action.NOTE): _R,
    (_R, Action.ADD_EVIDENCE): _R,
    (_R, Action.REOPEN): _O,
    # After a ruling the shop can only appeal.
    (_C, Action.NOTE): _C,
    (_C, Action.ADD_EVIDENCE): _C,
    (_C, Action.APPEAL): _A,
    (_C, Action.REOPEN): _O,
    (_A, Action.NOTE): _A,
    (_A, Action.ADD_EVIDENCE): _A,
    (_A, Action.RULE): _C,
    (_A, Action.REQUEST_CANCEL): _A,
    (_A, Action.REJECT_CANCEL): _A,
    (_A, Action.APPROVE_CANCEL): _X,
    (_A, Action.CANCEL): _X,
    (_X, Action.NOTE): _X,
    (_X, Action.REOPEN): _O,
}


def next_status(current: Status, action: Action) -> Status:
    """The status after `action`, or Refused with the reason a user will read."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Refused("refused.transition", action=action.value, status=current.value) from None


def allowed_actions(current: Status) -> frozenset[Action]:
    """Actions the table allows in `current` (buttons are built from this)."""
    return frozenset(action for (status, action) in TRANSITIONS if status is current)
