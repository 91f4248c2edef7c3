"""The roster version of a team moves only when something about its people changed: a bump
makes every process re-read its roster, and the dispatcher marks private chats on every refusal."""

from __future__ import annotations

from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.world import ASSIGNEE, build_world


async def test_marking_a_private_chat_as_it_already_is_keeps_the_version(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    team_id = world.actor(ASSIGNEE).team_id

    async def mark(is_open: bool) -> int:
        """Mark the assignee's private chat; the team's roster version after it."""
        await db.transact(lambda tx: tx.people.set_dm_open(ASSIGNEE.id, is_open))
        return await db.read(lambda tx: tx.people.directory_version(team_id))

    first = await mark(False)
    again = await mark(False)
    opened = await mark(True)

    assert again == first
    assert opened == first + 1
