"""Deep links that open a ticket in private chat: `t.me/<bot>?start=t<team>_<number>`.

Telegram allows a start parameter of at most 64 characters of [A-Za-z0-9_-]; two decimal ids
and three other characters stay far below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAX_START_PARAMETER: Final = 64
_TICKET: Final = re.compile(r"^t(\d{1,19})_(\d{1,19})$")


@dataclass(frozen=True, slots=True)
class TicketLink:
    """A ticket named across teams: the team's id and the ticket's number in it."""

    team_id: int
    number: int

    @property
    def start_parameter(self) -> str:
        parameter = f"t{self.team_id}_{self.number}"
        if len(parameter) > MAX_START_PARAMETER:
            raise ValueError(f"start parameter {parameter!r} is longer than Telegram allows")
        return parameter

    def url(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.start_parameter}"


def ticket_link_of(start_parameter: str | None) -> TicketLink | None:
    """The ticket a /start parameter names, or None for any other parameter."""
    match = _TICKET.match(start_parameter or "")
    if match is None:
        return None
    return TicketLink(int(match.group(1)), int(match.group(2)))
