"""One pacer per chat for everything the bot sends there: direct replies, cards, edits, notices.

The real bot (as `build_bot` makes it, with its own rate limiter) against an emulator that
enforces Telegram's limits strictly (1 message/s per private chat, 20/min per group, 30/s
overall), on the event loop's compressed clock (looptime): commands arrive all at once, the
dispatcher runs beside them, and every 429 the emulator answers is counted. SQLite only: the
compressed clock would run out PostgreSQL's connection timeouts.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import TicketBot, build_bot
from emulator.core import EmulatorCore, RequestRecord
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage.database import Database, open_database
from tests.support.botworld import settings_for
from tests.support.clock import LoopClock
from tests.support.database import fresh_sqlite

pytestmark = pytest.mark.looptime

GROUP = -1001234567890
AGENT = PersonaSpec(1001, "Lin", "Mei", "linmei_cs", "en")
ASSIGNEES = tuple(
    PersonaSpec(2000 + n, f"Assignee{n}", None, f"assignee_{n:02d}", "en") for n in range(1, 30)
)
#: Telegram's figures, as `ticketbot run` has them by default.
REAL_LIMITS: dict[str, Any] = {
    "messages_per_second": 30.0,
    "private_chat_interval": timedelta(seconds=1),
    "group_messages_per_minute": 20,
}


def cast() -> Scenario:
    return Scenario(
        bot=BotSpec(),
        groups=(GroupSpec(GROUP, "Customer Service", administrators=(AGENT.id,)),),
        personas=(AGENT, *ASSIGNEES),
    )


@dataclass
class Flood:
    core: EmulatorCore
    bot: TicketBot
    database: Database

    async def send(self, persona: PersonaSpec, chat_id: int, text: str) -> None:
        await self.bot.process(self.core.user_send_text(persona.id, chat_id, text))

    def sends(self, chat_id: int | None = None) -> list[RequestRecord]:
        """Every message the bot sent or edited (accepted or refused), oldest first."""
        return [
            r
            for r in self.core.request_log
            if r.method.lower().startswith(("send", "edit", "copy", "forward"))
            and (chat_id is None or r.chat_id == chat_id)
        ]

    def refusals(self) -> list[RequestRecord]:
        return [r for r in self.sends() if r.status == 429]

    async def drained(self) -> None:
        """Until the outbox has nothing left to send."""
        while True:
            if not await self.database.read(lambda tx: tx.outbox.pending()):
                return
            await asyncio.sleep(0.5)


@pytest.fixture
async def flood(
    sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[Callable[[], Awaitable[Flood]]]:
    """The bot, its outbox dispatcher running, against an emulator enforcing the limits."""
    stop = asyncio.Event()
    made: list[tuple[Flood, asyncio.Task[None]]] = []

    async def make() -> Flood:
        loop = asyncio.get_running_loop()
        database_settings = fresh_sqlite(sqlite_template, tmp_path)
        database = open_database(database_settings)
        core = EmulatorCore(cast(), flood_limits=True, clock=loop.time)
        settings = settings_for(database_settings.url, language="en", dispatcher=REAL_LIMITS)
        bot = build_bot(
            settings,
            database,
            LoopClock(),
            request=EmulatedRequest(core),
            updates_request=EmulatedRequest(core),
        )
        await bot.start(workers=False)
        world = Flood(core, bot, database)
        for persona in (AGENT, *ASSIGNEES):  # how the bot learns its members
            await world.send(persona, GROUP, "hello")
        runner = asyncio.create_task(bot.dispatcher.run(stop))
        made.append((world, runner))
        return world

    yield make
    stop.set()
    for world, runner in made:
        await runner
        await world.bot.stop()
        await world.database.dispose()


async def test_cards_and_replies_to_one_assignee_draw_no_flood_wait(
    flood: Callable[[], Awaitable[Flood]],
) -> None:
    """24 cards (one per new ticket) and 12 direct replies to one assignee, all at once: one
    pacer spaces them, so Telegram refuses none."""
    world = await flood()
    assignee = ASSIGNEES[0]
    loop = asyncio.get_running_loop()
    started = loop.time()

    creates = [
        world.send(AGENT, GROUP, f"/ticket TB{n:04d} #shipping @{assignee.username} parcel {n}")
        for n in range(1, 25)
    ]
    asks = [
        world.send(assignee, assignee.id, text)
        for text in itertools.islice(itertools.cycle(("/mine", "/help", "/show T1")), 12)
    ]
    await asyncio.gather(*creates, *asks)
    await world.drained()
    took = loop.time() - started

    private = [r for r in world.sends(assignee.id) if r.status == 200]
    print(f"\n24 cards + 12 replies to one assignee: {len(world.refusals())} refusals, {took:.0f}s")
    assert world.refusals() == []
    assert len(private) >= 36
    shown = {
        int(found.group(1))
        for m in world.core.bot_messages(assignee.id)
        if (found := re.search(r"parcel (\d+)", str(m.get("text"))))
    }
    assert shown == set(range(1, 25))  # a card for each ticket
    gaps = [b.time - a.time for a, b in itertools.pairwise(private)]
    assert min(gaps) >= 1.0


async def test_a_flood_wait_in_the_group_holds_the_group_only(
    flood: Callable[[], Awaitable[Flood]],
) -> None:
    """Telegram holds the group for 30 s: the group's notices and replies wait exactly that,
    while the assignee's cards and replies in private go on meanwhile."""
    world = await flood()
    assignee = ASSIGNEES[0]
    loop = asyncio.get_running_loop()
    world.core.impose_flood_wait(GROUP, 30)
    held_from = loop.time()
    held_until = held_from + 30

    # Created in private, a ticket is announced in the group by the outbox.
    await world.send(AGENT, AGENT.id, f"/ticket TB0001 #shipping @{assignee.username} parcel")
    group_help = asyncio.create_task(world.send(AGENT, GROUP, "/help"))
    await asyncio.sleep(5)
    asked = loop.time()
    await world.send(assignee, assignee.id, "/mine")
    answered = loop.time()
    await group_help
    await world.drained()

    refused = world.refusals()
    assert {r.chat_id for r in refused} == {GROUP}
    private = [r for r in world.sends(assignee.id) if r.status == 200]
    # The card and the answer to /mine arrived while the group was held.
    assert len(private) >= 2
    assert all(r.time < held_until for r in private)
    assert answered - asked < 3
    # Nothing reached the group inside its flood wait, and everything did after it.
    group = world.sends(GROUP)
    assert [r for r in group if held_from < r.time < held_until - 1e-6 and r.status == 200] == []
    texts = [str(m.get("text")) for m in world.core.bot_messages(GROUP)]
    assert any("#T1" in text for text in texts)
    assert any("/ticket" in text for text in texts)  # the /help reply


async def test_a_burst_over_thirty_chats_draws_no_flood_wait_and_drains(
    flood: Callable[[], Awaitable[Flood]],
) -> None:
    """330 commands at once over 30 chats (the team's group and 29 assignees' private chats):
    every reply, card and card edit is paced per chat; none is refused, and it is all out
    within a bounded time (the group's 40 replies at 20 a minute set it)."""
    world = await flood()
    loop = asyncio.get_running_loop()
    started = loop.time()

    commands = [
        world.send(AGENT, GROUP, f"/ticket TB{n:04d} #shipping @{persona.username} parcel {n}")
        for n, persona in enumerate(ASSIGNEES, start=1)
    ]
    commands += [world.send(AGENT, GROUP, text) for text in ("/help", "/mine") * 5 + ("/help",)]
    for n, persona in enumerate(ASSIGNEES, start=1):
        texts = ("/mine", "/help", f"/show T{n}", f"/note T{n} called the customer", "/created")
        commands += [world.send(persona, persona.id, text) for text in texts * 2]
    assert len(commands) == 330
    await asyncio.gather(*commands)
    await world.drained()
    took = loop.time() - started

    refused = world.refusals()
    print(f"\n330 commands over 30 chats: {len(refused)} refusals, drained in {took:.0f}s")
    assert refused == []
    for persona in ASSIGNEES:
        assert len([r for r in world.sends(persona.id) if r.status == 200]) >= 11
    # 40 group replies at 20 a minute (with the pacer's margin) take 132 s; private chats less.
    assert took < 180
