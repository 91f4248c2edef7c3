"""The topic of each ticket in storage: wanted at creation, leased to one keeper at a time,
out of step again when the ticket's status moves (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Action
from storage.database import Database
from storage.topics import TopicState
from tests.support.clock import FakeClock
from tests.support.world import SUPERVISOR, World, act, build_world, team_settings

LEASE = timedelta(minutes=1)


async def topic_world(db: Database, clock: FakeClock) -> World:
    settings = team_settings()
    team = settings.teams[0].model_copy(update={"topics": "per_ticket"})
    return await build_world(db, clock, settings.model_copy(update={"teams": (team,)}))


async def claim(db: Database, clock: FakeClock) -> list[TopicState]:
    now = clock.now()
    return await db.transact(
        lambda tx: tx.topics.claim(now, now + LEASE, 50, skip_locked=tx.skip_locked)
    )


async def test_a_new_ticket_wants_a_topic_and_one_keeper_gets_it(
    db: Database, clock: FakeClock
) -> None:
    world = await topic_world(db, clock)
    ticket = await world.create("TB1001")

    first = await claim(db, clock)
    assert [(s.ticket.number, s.thread_id, s.shown_status) for s in first] == [(1, None, None)]
    # Leased: a second keeper (another process) does not open it too.
    assert await claim(db, clock) == []
    # The lease runs out (the first keeper died): it is offered again.
    clock.advance(LEASE + timedelta(seconds=1))
    assert [s.ticket.id for s in await claim(db, clock)] == [ticket.id]


async def test_a_shown_topic_is_out_of_step_again_when_the_status_moves(
    db: Database, clock: FakeClock
) -> None:
    world = await topic_world(db, clock)
    ticket = await world.create("TB1002")
    ticket_id = ticket.id or 0
    await claim(db, clock)
    now = clock.now()
    await db.transact(lambda tx: tx.topics.shown(ticket_id, 77, "open", now))
    assert await claim(db, clock) == []
    assert await db.read(lambda tx: tx.topics.ticket_of(world.team.chat_id, 77)) == ticket_id
    assert await db.read(lambda tx: tx.topics.threads([ticket_id])) == {ticket_id: 77}

    await act(world.services, world.actor(SUPERVISOR), Action.CANCEL, number=1, text="duplicate")
    (moved,) = await claim(db, clock)
    assert (moved.thread_id, moved.shown_status, moved.ticket.status.value) == (
        77,
        "open",
        "cancelled",
    )


async def test_a_team_without_topics_wants_none(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    await world.create("TB1003")
    assert await claim(db, clock) == []
