"""On hold (挂起): the deadline clock stops while the team waits for the customer."""

from __future__ import annotations

from datetime import timedelta

from bot.config import DatabaseSettings
from bot.domain.model import EventType, Status
from tests.bot.conftest import StartWorld
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld, settings_for

HOUR = timedelta(hours=1)


async def _ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()


async def test_a_ticket_on_hold_does_not_escalate_and_resumes_with_its_time_left(
    world: BotWorld,
) -> None:
    await _ticket(world)
    due = (await world.ticket(1)).due_at
    world.clock.advance(2 * HOUR)

    await world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 等客户补充照片")
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("⏸ #T1 已挂起")
    world.clock.advance(30 * HOUR)  # past the original deadline
    assert await world.bot.sweeper.sweep() == 0
    assert (await world.ticket(1)).status is Status.OPEN

    await world.send(ASSIGNEE, ASSIGNEE.id, "/resume T1")

    resumed = await world.ticket(1)
    assert resumed.due_at == due + 30 * HOUR
    assert resumed.held_since is None
    assert resumed.held_for == 30 * HOUR
    assert await world.timeline(1) == [EventType.CREATED, EventType.HELD, EventType.RESUMED]


async def test_an_outcome_ends_the_hold(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 等客户回复")
    world.clock.advance(3 * HOUR)

    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome T1 agreed 客户同意补发")

    ticket = await world.ticket(1)
    assert ticket.status is Status.RESOLVED
    assert (ticket.held_since, ticket.held_for) == (None, 3 * HOUR)


async def test_hold_twice_or_resume_without_hold_is_refused(world: BotWorld) -> None:
    await _ticket(world)

    await world.send(ASSIGNEE, ASSIGNEE.id, "/resume T1")
    assert world.last_bot_message(ASSIGNEE.id)["text"] == "#T1 没有挂起。"
    await world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 等客户")
    await world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 还在等")
    assert world.last_bot_message(ASSIGNEE.id)["text"] == "#T1 已经挂起；请先 /resume 恢复。"
    assert (await world.timeline(1)).count(EventType.HELD) == 1


async def test_a_hold_resumes_by_itself_after_max_hold(
    start_with: StartWorld, database: DatabaseSettings
) -> None:
    world = await start_with(settings_for(database.url, sla={"max_hold": "48h"}))
    await _ticket(world)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 等客户")
    world.clock.advance(47 * HOUR)
    assert await world.bot.sweeper.sweep() == 0

    world.clock.advance(HOUR)
    assert await world.bot.sweeper.sweep() == 1

    ticket = await world.ticket(1)
    assert (ticket.held_since, ticket.held_for) == (None, 48 * HOUR)
    assert (await world.timeline(1))[-1] is EventType.RESUMED
