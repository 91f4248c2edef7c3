"""A platform's collaborative work orders and the event ids it sent: the SQL of both."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from bot.domain.errors import AlreadyProcessed
from bot.domain.platform import PlatformLink, options_from_json, options_to_json
from storage.tables import platform_events, platform_tickets

_CLAIM: Final = insert(platform_events)


def _link(row: RowMapping) -> PlatformLink:
    return PlatformLink(
        platform=row["platform"],
        platform_ticket_id=row["platform_ticket_id"],
        shop_id=row["shop_id"],
        options=options_from_json(row["options"]),
        ticket_id=row["ticket_id"],
        replied_option=row["replied_option"],
        verdict=row["verdict"],
    )


class PlatformRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def seen(self, platform: str, event_id: str) -> bool:
        result = self._connection.execute(
            select(platform_events.c.event_id).where(
                platform_events.c.platform == platform, platform_events.c.event_id == event_id
            )
        )
        return result.first() is not None

    def claim(self, platform: str, event_id: str, now: datetime) -> None:
        """Record the event in this transaction; AlreadyProcessed if it was handled before."""
        try:
            self._connection.execute(
                _CLAIM, {"platform": platform, "event_id": event_id, "received_at": now}
            )
        except IntegrityError:
            # The primary key: the same event, handled concurrently and committed first.
            raise AlreadyProcessed(event_id=event_id) from None

    def add(self, link: PlatformLink, ticket_id: int, now: datetime) -> None:
        self._connection.execute(
            insert(platform_tickets).values(
                ticket_id=ticket_id,
                platform=link.platform,
                platform_ticket_id=link.platform_ticket_id,
                shop_id=link.shop_id,
                options=options_to_json(link.options),
                created_at=now,
            )
        )

    def by_platform_id(self, platform: str, platform_ticket_id: str) -> PlatformLink | None:
        """Found by the unique (platform, platform_ticket_id)."""
        result = self._connection.execute(
            select(platform_tickets).where(
                platform_tickets.c.platform == platform,
                platform_tickets.c.platform_ticket_id == platform_ticket_id,
            )
        )
        row = result.mappings().one_or_none()
        return _link(row) if row is not None else None

    def of_ticket(self, ticket_id: int) -> PlatformLink | None:
        """By the primary key: a ticket that did not come from a platform has none."""
        result = self._connection.execute(
            select(platform_tickets).where(platform_tickets.c.ticket_id == ticket_id)
        )
        row = result.mappings().one_or_none()
        return _link(row) if row is not None else None

    def record(
        self, ticket_id: int, *, replied_option: str | None = None, verdict: str | None = None
    ) -> None:
        values = {
            key: value
            for key, value in (("replied_option", replied_option), ("verdict", verdict))
            if value is not None
        }
        self._connection.execute(
            update(platform_tickets).where(platform_tickets.c.ticket_id == ticket_id).values(values)
        )
