"""Deadlines on an injected clock: each reminder and escalation happens once, at its time."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.domain.model import Action, EventType, Status
from bot.scheduler import Sweeper
from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.world import ASSIGNEE, SUPERVISOR, World, act, build_world, team_settings

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def _sweeper(world: World, settings: Settings) -> Sweeper:
    return Sweeper(world.services.tickets, world.services.database, world.clock, settings.scheduler)


async def _events(world: World, number: int) -> list[EventType]:
    details = await world.services.queries.show(world.actor(SUPERVISOR), number=number)
    return [entry.event.type for entry in details.timeline]


async def _templates(db: Database, destination: str) -> list[str]:
    rows = await db.read(lambda tx: tx.outbox.rows(destination=destination))
    return [str(row.payload["template"]) for row in rows]


async def test_reminder_then_escalation_each_once_at_their_instant(
    db: Database, clock: FakeClock
) -> None:
    settings = team_settings()
    world = await build_world(db, clock, settings)
    sweeper = _sweeper(world, settings)
    ticket = await world.create()  # 24h to reply, reminded 4h before

    clock.advance(20 * HOUR - SECOND)
    assert await sweeper.sweep() == 0
    clock.advance(SECOND)
    assert await sweeper.sweep() == 1
    assert await sweeper.sweep() == 0
    clock.advance(4 * HOUR - SECOND)
    assert await sweeper.sweep() == 0
    clock.advance(SECOND)
    assert await sweeper.sweep() == 1
    clock.advance(10 * HOUR)
    assert await sweeper.sweep() == 0

    assert await _events(world, ticket.number) == [
        EventType.CREATED,
        EventType.REMINDED,
        EventType.ESCALATED,
    ]
    assert (await _templates(db, f"chat:{ASSIGNEE.id}")).count("reminder") == 1
    group = f"chat:{world.team.chat_id}"
    assert (await _templates(db, group)).count("escalated") == 1


async def test_resolved_before_the_deadline_never_escalates(db: Database, clock: FakeClock) -> None:
    settings = team_settings()
    world = await build_world(db, clock, settings)
    sweeper = _sweeper(world, settings)
    ticket = await world.create()
    clock.advance(HOUR)
    await act(world.services, world.actor(ASSIGNEE), Action.AGREE, number=ticket.number)

    clock.advance(48 * HOUR)
    assert await sweeper.sweep() == 0
    assert EventType.ESCALATED not in await _events(world, ticket.number)


async def test_a_reopened_ticket_gets_a_fresh_deadline(db: Database, clock: FakeClock) -> None:
    settings = team_settings()
    world = await build_world(db, clock, settings)
    sweeper = _sweeper(world, settings)
    ticket = await world.create()
    await act(world.services, world.actor(ASSIGNEE), Action.AGREE, number=ticket.number)
    clock.advance(30 * HOUR)

    reopened = await act(
        world.services, world.actor(SUPERVISOR), Action.REOPEN, number=ticket.number
    )

    assert reopened.ticket.status is Status.OPEN
    assert reopened.ticket.due_at == clock.now() + 24 * HOUR
    clock.advance(24 * HOUR - SECOND)
    await sweeper.sweep()  # the new reminder only
    assert EventType.ESCALATED not in await _events(world, ticket.number)
    clock.advance(SECOND)
    assert await sweeper.sweep() == 1
    assert (await _events(world, ticket.number)).count(EventType.ESCALATED) == 1


async def test_the_ladder_alerts_again_when_an_escalation_stays_untouched(
    db: Database, clock: FakeClock
) -> None:
    settings = team_settings(sla={"escalate_again_after": "2h"})
    world = await build_world(db, clock, settings)
    sweeper = _sweeper(world, settings)
    untouched = await world.create("TB1")
    touched = await world.create("TB2")
    clock.advance(24 * HOUR)
    await sweeper.sweep()  # both escalate (their reminders are past: skipped)
    clock.advance(HOUR)
    await act(
        world.services,
        world.actor(SUPERVISOR),
        Action.NOTE,
        number=touched.number,
        text="calling the platform",
    )

    clock.advance(HOUR)
    assert await sweeper.sweep() == 1
    clock.advance(10 * HOUR)
    assert await sweeper.sweep() == 0

    ladder = await _events(world, untouched.number)
    assert ladder.count(EventType.ESCALATED) == 2
    assert (await _events(world, touched.number)).count(EventType.ESCALATED) == 1
    details = await world.services.queries.show(world.actor(SUPERVISOR), number=untouched.number)
    assert details.ticket.escalation_level == 2


async def test_a_bot_down_across_the_deadline_escalates_once_on_start(
    db: Database, clock: FakeClock
) -> None:
    settings = team_settings()
    world = await build_world(db, clock, settings)
    ticket = await world.create()

    clock.advance(3 * 24 * HOUR)  # nobody swept: the bot was down
    restarted = _sweeper(world, settings)
    assert await restarted.sweep() == 1
    assert await restarted.sweep() == 0

    # The deadline had passed, so no late reminder: straight to the escalation.
    assert await _events(world, ticket.number) == [EventType.CREATED, EventType.ESCALATED]
