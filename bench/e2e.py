"""Updates per second of the whole bot against the framework's floor, in one run.

Run: uv run python -m bench.e2e [--updates N] [--rounds R] [--in-flight K] [--chunk C]

Everything runs in one process on an SQLite file in a temporary directory, with the Bot API
emulated in-process (emulator.ptb.EmulatedRequest: no sockets, the same request encoding PTB
sends over HTTP). Updates are made by the emulator's personas before each timed stretch, so
that only their handling is timed; each side parses the update's JSON (Update.de_json).

- bare_per_s: a bare python-telegram-bot Application with one CommandHandler that answers
  `/ticket …` with one reply: the framework's floor.
- handled_per_s: TicketBot.process of `/ticket <order> #aftersale @assignee <text>` in the
  team's group, one update at a time: the ticket is created and the group gets its reply.
- with_card_per_s: the same, and then the dispatcher delivers the outbox (the assignee's card
  in private) before the next update.
- in_flight_per_s: K updates handled at once (no delivery), as a busy bot serving many teams
  sees them: each of the K at a time from another team's group (K groups, K teams).
- in_flight_one_chat_per_s: the same with all K from one group. A chat's updates are handled
  one after another (ChatOrder keeps their answers in order), so this is the sequential figure
  plus the cost of queueing; it is printed for comparison with the first runs of this bench,
  which measured in-flight this way.

The machine is shared and its speed changes from one second to the next, so the sides take
turns of `--chunk` updates (48) within each round, and a round's figure for a side is its
updates over its time in all its turns: each side sees the same mix of machine states. Before
each turn the objects that exist are frozen (gc.freeze), so that full collections, which would
otherwise scan the emulator's growing history of every message, do not land whole in one turn.
Each side's median round is printed; the ratios, the last lines, are the medians of the
rounds' own ratios to the bare floor of the same round.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.app import TicketBot, build_bot
from bot.clock import SystemClock
from bot.config import Settings
from emulator import EmulatorCore
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage.database import open_database

GROUP = -1001234567890
#: The most groups (each a team's) that in-flight updates may come from; GROUP is the first.
MAX_GROUPS = 64
AGENT = PersonaSpec(1001, "Lin", "Mei", "linmei_cs", "zh-hans", role="agent")
ASSIGNEE = PersonaSpec(1002, "Zhou", "Hao", "zhouhao_aftersale", "zh-hans", role="assignee")
SUPERVISOR = PersonaSpec(1004, "Wang", "Lei", "wanglei_lead", "en", role="supervisor")

Side = Callable[[int], Awaitable[float]]


def group_ids(count: int) -> list[int]:
    return [GROUP - index for index in range(count)]


def scenario(chat_ids: list[int]) -> Scenario:
    people = (AGENT, ASSIGNEE, SUPERVISOR)
    specs = tuple(
        GroupSpec(
            chat_id,
            f"客服组 Customer Service {index + 1}",
            administrators=(SUPERVISOR.id,),
            creator_id=SUPERVISOR.id,
            members=tuple(p.id for p in people),
        )
        for index, chat_id in enumerate(chat_ids)
    )
    return Scenario(bot=BotSpec(), groups=specs, personas=people)


def settings_for(directory: Path, chat_ids: list[int]) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": BotSpec().token},
            "database": {"url": f"sqlite:///{directory / 'bot.db'}"},
            # Flood spacing is not this bench's business: the pacer that replies and notices
            # share lets everything go at once.
            "dispatcher": {
                "messages_per_second": 10**6,
                "private_chat_interval": timedelta(0),
                "group_messages_per_minute": 10**9,
            },
            "teams": [
                {
                    "chat_id": chat_id,
                    "name": f"客服组 {index + 1}",
                    "language": "zh",
                    "timezone": "Asia/Shanghai",
                    "supervisors": [SUPERVISOR.id],
                    "admins_are_supervisors": False,
                }
                for index, chat_id in enumerate(chat_ids)
            ],
        }
    )


class Bench:
    def __init__(self, directory: Path, groups: int = 1) -> None:
        self.groups = group_ids(groups)
        self.core = EmulatorCore(scenario(self.groups))
        settings = settings_for(directory, self.groups)
        self.database = open_database(settings.database)
        self.bot: TicketBot = build_bot(
            settings,
            self.database,
            SystemClock(),
            request=EmulatedRequest(self.core),
            updates_request=EmulatedRequest(self.core),
        )
        self.bare: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(BotSpec().token)
            .request(EmulatedRequest(self.core))
            .get_updates_request(EmulatedRequest(self.core))
            .updater(None)
            .build()
        )
        self.bare.add_handler(CommandHandler("ticket", _bare_reply))
        self.orders = 0

    async def start(self) -> None:
        await self.database.migrate()
        await self.bot.start(workers=False)
        await self.bare.initialize()
        for chat_id in self.groups:
            for persona in (AGENT, ASSIGNEE, SUPERVISOR):
                await self.bot.process(
                    self.core.user_send_text(
                        persona.id, chat_id, f"大家好, I am {persona.first_name}"
                    )
                )
        await self.deliver()

    async def stop(self) -> None:
        await self.bare.shutdown()
        await self.bot.stop()
        await self.database.dispose()

    def updates(self, count: int, groups: int = 1) -> list[dict[str, Any]]:
        """`count` /ticket updates from the agent, each for a new order, in turn in the first
        `groups` groups."""
        made = []
        for index in range(count):
            self.orders += 1
            text = f"/ticket TB{self.orders:08d} #aftersale @{ASSIGNEE.username} 杯子碎了，要求补发"
            chat_id = self.groups[index % groups]
            made.append(self.core.user_send_text(AGENT.id, chat_id, text))
        return made

    async def deliver(self) -> int:
        total = 0
        while delivered := await self.bot.dispatcher.deliver_once():
            total += delivered
        return total

    # --- the five sides: each returns updates per second ----------------------------------

    def sides(self, width: int) -> dict[str, Side]:
        """The five sides by name, each taking a number of updates."""
        return {
            "bare": self.bare_side,
            "handled": self.handled,
            "with_card": self.with_card,
            "in_flight": partial(self.in_flight, width=width),
            "in_flight_one_chat": partial(self.in_flight, width=width, one_chat=True),
        }

    async def bare_side(self, count: int) -> float:
        updates = self.updates(count)
        bot = self.bare.bot
        started = time.perf_counter()
        for data in updates:
            await self.bare.process_update(Update.de_json(data, bot))
        return count / (time.perf_counter() - started)

    async def handled(self, count: int) -> float:
        updates = self.updates(count)
        started = time.perf_counter()
        for data in updates:
            await self.bot.process(data)
        elapsed = time.perf_counter() - started
        await self.deliver()  # not timed: the next side starts with an empty outbox
        return count / elapsed

    async def with_card(self, count: int) -> float:
        updates = self.updates(count)
        started = time.perf_counter()
        for data in updates:
            await self.bot.process(data)
            await self.deliver()
        return count / (time.perf_counter() - started)

    async def in_flight(self, count: int, width: int, *, one_chat: bool = False) -> float:
        updates = self.updates(count, 1 if one_chat else width)

        async def worker(share: list[dict[str, Any]]) -> None:
            for data in share:
                await self.bot.process(data)

        # Worker i gets the updates of group i (or every width-th of the one group).
        shares = [updates[i::width] for i in range(width)]
        started = time.perf_counter()
        await asyncio.gather(*(worker(share) for share in shares))
        elapsed = time.perf_counter() - started
        await self.deliver()
        return count / elapsed


async def _bare_reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text("ok", do_quote=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--updates", type=int, default=240, help="per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument(
        "--chunk", type=int, default=48, help="updates a side handles before the next side's turn"
    )
    arguments = parser.parse_args()
    if not 1 <= arguments.in_flight <= MAX_GROUPS:
        parser.error(f"--in-flight must be between 1 and {MAX_GROUPS}")
    if not 1 <= arguments.chunk <= arguments.updates:
        parser.error("--chunk must be between 1 and --updates")
    logging.basicConfig(level=logging.WARNING)
    width: int = arguments.in_flight
    chunk: int = arguments.chunk
    chunks = arguments.updates // chunk
    with tempfile.TemporaryDirectory() as directory:
        bench = Bench(Path(directory), groups=width)
        await bench.start()
        sides = bench.sides(width)
        figures: dict[str, list[float]] = {name: [] for name in sides}
        try:
            # Warm up every path (caches, connections, lazily imported modules).
            for side in sides.values():
                await side(50)
            for _ in range(arguments.rounds):
                spent = dict.fromkeys(sides, 0.0)
                for _ in range(chunks):
                    for name, side in sides.items():
                        # What exists now is never scanned again by the cyclic collector:
                        # mostly the emulator's history of every message, which otherwise
                        # makes each full collection slower (13 to 150 ms over a run) and
                        # lands, whole, in whichever side's turn it happens to fall.
                        gc.freeze()
                        spent[name] += chunk / await side(chunk)
                for name, seconds in spent.items():
                    figures[name].append(chunks * chunk / seconds)
        finally:
            await bench.stop()
    for name, values in figures.items():
        rounds = " ".join(f"{value:.0f}" for value in values)
        print(f"{name}_per_s: {statistics.median(values):.0f}  (rounds: {rounds})")
    print(f"in_flight: {width} (from {width} groups; one_chat: from one)")
    print(f"rounds: {arguments.rounds} x {chunks * chunk} updates per side, in turns of {chunk}")
    ratios = {
        name: statistics.median(
            value / bare for value, bare in zip(values, figures["bare"], strict=True)
        )
        for name, values in figures.items()
    }
    print(f"ratio_in_flight_one_chat: {ratios['in_flight_one_chat']:.2f}")
    print(f"ratio_handled: {ratios['handled']:.2f}")
    print(f"ratio_with_card: {ratios['with_card']:.2f}")
    print(f"ratio_in_flight: {ratios['in_flight']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
