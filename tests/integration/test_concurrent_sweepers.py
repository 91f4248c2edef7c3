"""Two sweepers (as two bot processes would run them) over the same due tickets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.config import DatabaseSettings
from bot.services.container import Services, build_services
from storage.database import Database, open_database
from storage.tables import events, outbox
from tests.support.clock import FakeClock
from tests.support.world import build_world, team_settings

TICKETS = 2000


async def test_two_sweepers_escalate_each_of_2000_tickets_exactly_once(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> None:
    settings = team_settings()
    world = await build_world(db, clock, settings)
    await asyncio.gather(
        *(world.create(f"TB{index:05d}", assignee=None) for index in range(TICKETS))
    )
    clock.advance(timedelta(days=2))
    # A second process: its own engine and connections to the same database.
    other = open_database(database)
    try:
        second = build_services(settings, other, clock)
        await second.people.sync_teams()
        first = world.services

        async def sweep(services: Services) -> int:
            total = 0
            while applied := await services.tickets.apply_due(100):
                total += applied
            return total

        counts = await asyncio.gather(sweep(first), sweep(second))
    finally:
        await other.dispose()

    assert sum(counts) == TICKETS
    print(f"\nsweepers applied {counts[0]} and {counts[1]} of {TICKETS}")

    def tally(tx: object) -> tuple[int, int, int]:
        connection = tx.connection  # type: ignore[attr-defined]
        escalations = connection.execute(
            select(func.count()).select_from(events).where(events.c.type == "escalated")
        ).scalar_one()
        per_ticket = (
            connection.execute(
                select(func.count())
                .select_from(events)
                .where(events.c.type == "escalated")
                .group_by(events.c.ticket_id)
            )
            .scalars()
            .all()
        )
        alerts = connection.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.payload["template"].as_string() == "escalated")
        ).scalar_one()
        return int(escalations), int(max(per_ticket)), int(alerts)

    escalations, most_per_ticket, alerts = await db.read(tally)
    assert escalations == TICKETS
    assert most_per_ticket == 1
    assert alerts == TICKETS
