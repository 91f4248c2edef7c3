"""Ticket search for inline mode: by order id prefix, number or text, within given teams."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.model import PENDING_STATUSES
from bot.domain.ticket import Ticket
from storage.tables import tickets
from storage.tickets import ticket_from_row

_NUMBER: Final = re.compile(r"^#?[Tt]?(\d{1,18})$")


def _like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TicketSearch:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(
        self, team_ids: Collection[int], text: str, *, offset: int, limit: int
    ) -> list[Ticket]:
        """Tickets of `team_ids` whose order id starts with `text` (any case), whose number it
        is (`42`, `T42`, `#T42`), or whose description contains it; newest first.

        The order id prefix uses ix_tickets_team_id_order_id_kind; the description match
        reads the team's tickets, which inline mode's small pages keep cheap enough."""
        if not team_ids:
            return []
        needle = text.strip()
        conditions: list[ColumnElement[bool]] = [
            tickets.c.order_id.ilike(_like(needle) + "%", escape="\\"),
            tickets.c.description.ilike("%" + _like(needle) + "%", escape="\\"),
        ]
        number = _NUMBER.match(needle)
        if number is not None:
            conditions.append(tickets.c.number == int(number.group(1)))
        query = (
            select(tickets)
            .where(tickets.c.team_id.in_(sorted(team_ids)), or_(*conditions))
            .order_by(tickets.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [ticket_from_row(row) for row in self._connection.execute(query).mappings()]

    def to_do(
        self, team_ids: Collection[int], user_id: int, *, offset: int, limit: int
    ) -> list[Ticket]:
        """The user's own pending tickets in `team_ids`, soonest deadline first."""
        if not team_ids:
            return []
        query = (
            select(tickets)
            .where(
                tickets.c.team_id.in_(sorted(team_ids)),
                tickets.c.assignee_id == user_id,
                tickets.c.status.in_(sorted(status.value for status in PENDING_STATUSES)),
            )
            .order_by(tickets.c.due_at.asc(), tickets.c.id.asc())
            .offset(offset)
            .limit(limit)
        )
        return [ticket_from_row(row) for row in self._connection.execute(query).mappings()]
