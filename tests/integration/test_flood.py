"""Delivery within Telegram's flood limits, against an emulator that enforces them.

The event loop's time is compressed (looptime): the dispatcher's pacing, the emulator's
sliding windows and the database's timestamps all run on the loop clock, so a thousand
messages at 30/s take 33 s of loop time and a fraction of that in real time.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import TicketBot, build_bot
from bot.config import Settings
from bot.domain.commands import CreateTicket
from bot.domain.notices import from_json
from bot.domain.notifications import Notice, chat_destination
from bot.services.tickets import Created
from emulator.core import EmulatorCore, RequestRecord
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage.database import Database, open_database
from tests.support.clock import LoopClock
from tests.support.database import fresh_sqlite
from tests.support.world import chat_origin

GROUP = -1001234567890
AGENT = 1
USERS = 1000
_RETRY = re.compile(r"retry after (\d+)")

pytestmark = pytest.mark.looptime


def scenario() -> Scenario:
    personas = [PersonaSpec(AGENT, "Agent", username="agent_one")]
    personas += [PersonaSpec(10_000 + i, f"User{i}") for i in range(USERS)]
    return Scenario(
        bot=BotSpec(),
        groups=(GroupSpec(GROUP, "Flood team", administrators=(AGENT,)),),
        personas=tuple(personas),
    )


def settings(url: str, dispatcher: dict[str, Any] | None = None) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": BotSpec().token},
            "database": {"url": url},
            "teams": [{"chat_id": GROUP, "name": "Flood", "supervisors": [AGENT]}],
            "dispatcher": dispatcher or {},
        }
    )


World = tuple[EmulatorCore, TicketBot, Database]


@pytest.fixture
async def flood_world(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Make the bot, on a fresh SQLite file, against an emulator enforcing the limits."""
    opened: list[World] = []

    async def make(**dispatcher: Any) -> World:
        loop = asyncio.get_running_loop()
        database_settings = fresh_sqlite(sqlite_template, tmp_path)
        database = open_database(database_settings)
        core = EmulatorCore(scenario(), flood_limits=True, clock=loop.time)
        bot = build_bot(
            settings(database_settings.url, dispatcher),
            database,
            LoopClock(),
            request=EmulatedRequest(core),
        )
        await bot.start(workers=False)
        opened.append((core, bot, database))
        return core, bot, database

    yield make
    for _, bot, database in opened:
        await bot.stop()
        await database.dispose()


async def _queue(bot: TicketBot, database: Database, destinations: list[int]) -> None:
    """One reminder-shaped notice per destination, written as the services would."""
    agent = await bot.services.people.actor(bot.services.directory.teams()[0].team.id, AGENT)
    created = await bot.services.tickets.create(
        CreateTicket("TB1", "task", None, "flood"),
        chat_origin(agent, in_group=True),
        confirmed=True,
    )
    assert isinstance(created, Created)
    ticket = created.ticket
    payload = {
        "template": "note",
        "ticket": {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "order_id": ticket.order_id,
            "kind": ticket.kind,
            "status": ticket.status.value,
            "creator_id": ticket.creator_id,
            "assignee_id": None,
            "due_at": ticket.due_at.isoformat(),
        },
        "event": {
            "type": "note",
            "actor_id": AGENT,
            "at": ticket.created_at.isoformat(),
            "payload": {"text": "hello"},
        },
    }
    notices = [Notice(chat_destination(chat), from_json(payload)) for chat in destinations]
    now = bot.clock.now()
    await database.transact(lambda tx: tx.outbox.add(ticket.team_id, notices, now))


async def _drain(bot: TicketBot, database: Database) -> None:
    stop = asyncio.Event()
    runner = asyncio.create_task(bot.dispatcher.run(stop))
    while True:
        if not await database.read(lambda tx: tx.outbox.pending()):
            break
        await asyncio.sleep(1)
    stop.set()
    await runner


def _sends(core: EmulatorCore) -> list[RequestRecord]:
    return [r for r in core.request_log if r.method.lower() == "sendmessage"]


async def test_a_thousand_dms_go_out_at_thirty_per_second_without_a_flood_wait(
    flood_world: Callable[..., Any],
) -> None:
    core, bot, database = await flood_world()
    users = [10_000 + i for i in range(USERS)]
    await _queue(bot, database, users)

    await _drain(bot, database)

    sends = [r for r in _sends(core) if r.chat_id in set(users)]
    accepted = [r for r in sends if r.status == 200]
    assert len({r.chat_id for r in accepted}) == USERS
    assert [r for r in sends if r.status == 429] == []
    span = accepted[-1].time - accepted[0].time
    rate = (len(accepted) - 1) / span
    print(f"\n1000 DMs to distinct users: {rate:.1f} messages/s over {span:.1f}s of loop time")
    assert 27.0 <= rate <= 33.0


async def test_one_chat_gets_at_most_one_message_per_second(
    flood_world: Callable[..., Any],
) -> None:
    core, bot, database = await flood_world()
    chat = 10_000
    await _queue(bot, database, [chat] * 8)

    await _drain(bot, database)

    sends = [r for r in _sends(core) if r.chat_id == chat]
    assert [r for r in sends if r.status == 429] == []
    times = [r.time for r in sends if r.status == 200]
    assert len(times) == 8
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1.0 - 1e-6, gaps


async def test_a_flood_wait_is_honoured_exactly_and_nothing_is_lost(
    flood_world: Callable[..., Any],
) -> None:
    """Configured past Telegram's limit (45/s), the bot gets 429s. A refused chat gets nothing
    until its retry_after has passed; a second chat refused meanwhile shows the limit is the
    bot's, so nothing goes anywhere until that one's has passed too; every message arrives."""
    core, bot, database = await flood_world(messages_per_second=45.0)
    users = [10_000 + i for i in range(300)]
    await _queue(bot, database, users)

    await _drain(bot, database)

    sends = _sends(core)
    floods = [r for r in sends if r.status == 429]
    assert floods, "the test expected Telegram to push back"

    def window(flood: RequestRecord) -> tuple[float, float]:
        match = _RETRY.search(flood.description or "")
        assert match is not None
        return flood.time, flood.time + int(match.group(1)) - 1e-6

    for flood in floods:
        start, end = window(flood)
        inside = [r for r in sends if r.chat_id == flood.chat_id and start < r.time < end]
        assert inside == [], f"sent to the chat during the retry_after window of {flood}"
    for first, second in itertools.pairwise(floods):
        if first.chat_id != second.chat_id and second.time < window(first)[1]:
            start, end = window(second)
            inside = [r for r in sends if start < r.time < end]
            assert inside == [], f"sent during the bot-wide flood wait after {second}"
    # Pushed back, the bot stops at the second refusal of a window, not at the hundredth.
    assert len(floods) <= 2 * (len(sends) // 30 + 1)
    delivered = {r.chat_id for r in sends if r.status == 200}
    assert delivered >= set(users)
