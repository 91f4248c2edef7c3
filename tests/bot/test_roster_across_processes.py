"""Two bot processes on one database (as behind a webhook on PostgreSQL), each with its own
engine and in-memory roster: a role changed through one holds for the other's next command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram.ext import AIORateLimiter

from bot.app import TicketBot, build_bot
from bot.config import DatabaseSettings
from bot.domain.model import EventType
from bot.domain.people import Person
from emulator import EmulatorCore
from emulator.ptb import EmulatedRequest
from emulator.scenario import PersonaSpec
from storage.database import Database, open_database
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    SUPERVISOR,
    BotWorld,
    scenario,
    settings_for,
)
from tests.support.clock import FakeClock


async def _start(core: EmulatorCore, database: Database, clock: FakeClock, url: str) -> BotWorld:
    bot: TicketBot = build_bot(
        settings_for(url),
        database,
        clock,
        request=EmulatedRequest(core),
        updates_request=EmulatedRequest(core),
    )
    bot.application.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    await bot.start(workers=False)
    return BotWorld(core, bot, clock, database)


@pytest.fixture
async def two_processes(
    db: Database, clock: FakeClock, database: DatabaseSettings
) -> AsyncIterator[tuple[BotWorld, BotWorld]]:
    core = EmulatorCore(scenario())
    other = open_database(database)  # a second engine, as another process has
    first = await _start(core, db, clock, database.url)
    second = await _start(core, other, clock, database.url)
    yield first, second
    await second.bot.stop()
    await first.bot.stop()
    await other.dispose()


def _person(spec: PersonaSpec) -> Person:
    return Person(spec.id, spec.first_name, spec.last_name, spec.username)


async def test_a_role_changed_by_one_process_holds_for_the_others_next_command(
    two_processes: tuple[BotWorld, BotWorld],
) -> None:
    one, other = two_processes
    await other.introduce(AGENT, ASSIGNEE, SUPERVISOR)
    await other.send(SUPERVISOR, GROUP, "/ticket TB20261102001 @zhouhao_aftersale 杯子碎了")
    # The agent is a plain member to the other process, which has them in its roster now:
    # only the creator or a supervisor may nudge.
    await other.send(AGENT, GROUP, "/remind T1 客户在催")
    assert EventType.NUDGED not in await other.timeline(1)

    # The first process learns the group made the agent an administrator (a supervisor).
    team_id = one.team_id
    await one.bot.services.people.sync_admins(team_id, [_person(SUPERVISOR), _person(AGENT)])

    await other.send(AGENT, GROUP, "/remind T1 客户在催")
    assert (await other.timeline(1)).count(EventType.NUDGED) == 1

    # And back: demoted by the first process, refused by the other at once.
    await one.bot.services.people.sync_admins(team_id, [_person(SUPERVISOR)])
    # Past the nudge's cooldown: only the role can refuse it.
    other.clock.advance(timedelta(minutes=11))
    await other.send(AGENT, GROUP, "/remind T1 客户在催")
    assert (await other.timeline(1)).count(EventType.NUDGED) == 1
