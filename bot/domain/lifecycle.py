"""The ticket's life as one table: which action is legal in which status, and where it leads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.domain.actions import ACTIONS
from bot.domain.errors import Refused
from bot.domain.model import Action, Status

#: (status, action) → status after it, read from each action's `moves`. Missing: refused.
TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    (before, action): after
    for action, spec in ACTIONS.items()
    for before, after in spec.moves.items()
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
