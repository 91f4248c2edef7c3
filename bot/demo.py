"""`ticketbot demo`: the real bot against the local Bot API emulator, with its chat panel.

No Telegram account or internet is needed: the emulator speaks the Bot API on localhost and
serves a page where you act as the team's personas. Deadlines are minutes long, so a reminder
and an escalation happen while you watch.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import logging
import secrets
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web

from bot.app import TicketBot, build_bot
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.changes import Channel, Origin
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.people import Person
from bot.runtime import run_bot, stop_on_signals
from emulator.core import EmulatorCore
from emulator.scenario import PersonaSpec, Scenario, demo_scenario
from emulator.server import RunningServer, start_server
from marketplace import Marketplace, MarketplaceConfig
from storage.database import open_database

log = logging.getLogger(__name__)

DEFAULT_PORT: Final = 8080
DEFAULT_DATA_DIR: Final = Path("demo-data")
DEMO_PLATFORM: Final = "tmall"
DEMO_SHOP: Final = "shop-1001"


def register(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    demo = add(
        "demo",
        _demo_command,
        "try it without Telegram: the real bot, a local Bot API emulator and its chat panel",
    )
    demo.add_argument("--port", type=int, default=DEFAULT_PORT, help="panel port (default 8080)")
    demo.add_argument("--lang", choices=("zh", "en"), default="zh", help="the team's language")
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")
    demo.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where the demo keeps its files"
    )


def _demo_command(arguments: argparse.Namespace) -> int:
    # Ctrl-C is the way to stop the demo; the signal handler turns it into a clean shutdown,
    # and a second Ctrl-C during shutdown should not print a traceback either.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_demo(arguments.port, arguments.lang, arguments.data_dir, reset=arguments.reset)
        )
    return 0


def demo_settings(
    scenario: Scenario,
    emulator: RunningServer,
    data_dir: Path,
    lang: str,
    *,
    server_port: int = 0,
    platform: dict[str, Any] | None = None,
) -> Settings:
    """The demo team; with `platform`, the marketplace simulator's [[platforms]] entry, whose
    collaborative work orders go to the after-sales assignee."""
    group = scenario.groups[0]
    supervisors = [p.id for p in scenario.personas if p.role == "supervisor"]
    assignee = next(p for p in scenario.personas if p.role == "assignee")
    document: dict[str, Any] = {
        "telegram": {
            "token": scenario.bot.token,
            "base_url": emulator.base_url,
            "base_file_url": emulator.base_file_url,
            "mode": "polling",
        },
        "database": {"url": f"sqlite:///{data_dir / 'demo.db'}"},
        "server": {"host": "127.0.0.1", "port": server_port},
        "teams": [
            {
                "chat_id": group.id,
                "name": group.title,
                "language": lang,
                "timezone": "Asia/Shanghai",
                "supervisors": supervisors,
                "admins_are_supervisors": True,
                "topics": "per_ticket" if group.is_forum else "off",
            }
        ],
        # Minutes instead of a day, so the reminder and the escalation show up in a demo.
        "sla": {"reply_within": "4m", "remind_before": "2m", "escalate_again_after": "3m"},
        "scheduler": {"interval": "2s"},
        "evidence": {"archive_dir": str(data_dir / "evidence")},
        "kinds": {"collab": {"default_assignee": assignee.username}},
        "platforms": [platform] if platform else [],
    }
    if server_port:
        # The workbench is served by the bot's own server; the panel opens it in a side pane.
        document["app"] = {"public_url": f"http://127.0.0.1:{server_port}"}
    return Settings.model_validate(document)


def forum_demo_scenario() -> Scenario:
    """The emulator's demo team in a forum group (a topic per ticket), the bot in inline mode."""
    base = demo_scenario()
    bot = replace(base.bot, supports_inline_queries=True, inline_feedback=True)
    return replace(base, bot=bot, groups=(replace(base.groups[0], is_forum=True),))


def _person(spec: PersonaSpec) -> Person:
    return Person(spec.id, spec.first_name, spec.last_name, spec.username, spec.language_code)


async def seed(bot: TicketBot, scenario: Scenario) -> int:
    """The team's members, and (on a fresh database) two orders already being worked on."""
    services = bot.services
    profile = services.directory.teams()[0]
    for spec in scenario.personas:
        await services.people.learn(_person(spec), profile.team.id)
    if await bot.database.read(lambda tx: tx.tickets.by_number(profile.team.id, 1)) is not None:
        return 0
    by_role = {spec.role: spec for spec in reversed(scenario.personas)}
    agent = await services.people.actor(profile.team.id, by_role["agent"].id)
    samples = [
        CreateTicket(
            "TB20261121001",
            "collab",
            UserRef(username=by_role["assignee"].username),
            "平台协同工单：客户反映杯子破损，要求补发。请与客户协商并上传聊天截图。",
        ),
        CreateTicket(
            "TB20261121002",
            "shipping",
            UserRef(username=scenario.personas[2].username),
            "Ship the replacement cup today, please.",
        ),
    ]
    for command in samples:
        await services.tickets.create(command, Origin(agent, Channel.CHAT), confirmed=True)
    return len(samples)


def _prepare(data_dir: Path, reset: bool) -> None:
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)


async def run_demo(
    port: int, lang: str, data_dir: Path, *, reset: bool = False, stop: asyncio.Event | None = None
) -> None:
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    await asyncio.to_thread(_prepare, data_dir, reset)
    scenario = forum_demo_scenario()
    core = EmulatorCore(scenario)
    emulator = await start_server(core, "127.0.0.1", port, lang=lang)
    http = aiohttp.ClientSession()
    market = await start_marketplace(scenario.groups[0].id, http)
    settings = demo_settings(
        scenario,
        emulator,
        data_dir,
        lang,
        server_port=market.bot_port,
        platform=market.platform,
    )
    database = open_database(settings.database)
    selling = asyncio.create_task(market.simulator.run(stop), name="marketplace")
    try:
        await database.migrate()
        bot = build_bot(settings, database, SystemClock())
        ready = asyncio.Event()

        async def announce() -> None:
            await ready.wait()
            seeded = await seed(bot, scenario)
            panel = f"{emulator.url}/?marketplace={market.url}"
            print(
                f"\nTicketbot demo is running: open {panel} in your browser.\n"
                f"  Team group: {scenario.groups[0].title}; switch persona at the top.\n"
                f"  Deadlines are minutes long: a reminder after 2 min, an escalation after 4.\n"
                f"  A marketplace sends a collaborative work order every 3 min (or press its"
                f" button in the panel): answer it as Zhou Hao; it rules 2 min later.\n"
                f"  The workbench (工作台): the 🗂 button beside the menu of a private chat opens"
                f" it in a side pane, as that persona.\n"
                f"  {'Seeded ' + str(seeded) + ' tickets. ' if seeded else ''}"
                f"Data in {data_dir}/ (use --reset to start over). Ctrl-C stops.\n",
                flush=True,
            )

        announcer = asyncio.create_task(announce())
        await run_bot(bot, settings, stop, started=ready)
        await announcer
    finally:
        stop.set()
        await selling
        await market.runner.cleanup()
        await http.close()
        await emulator.stop()
        await core.aclose()
        await database.dispose()


@dataclass(frozen=True, slots=True)
class DemoMarketplace:
    simulator: Marketplace
    runner: web.AppRunner
    url: str
    bot_port: int
    platform: dict[str, Any]


async def start_marketplace(group_id: int, http: aiohttp.ClientSession) -> DemoMarketplace:
    """The simulator on a port of its own, signing with a fresh secret; it sends to the bot's
    HTTP server on `bot_port` (picked here, since the simulator must know it)."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    bot_port = _free_port()
    config = MarketplaceConfig(
        secret,
        f"http://127.0.0.1:{bot_port}/api/v1/platforms/{DEMO_PLATFORM}/events",
        name=DEMO_PLATFORM,
        shop_id=DEMO_SHOP,
        orders=("TB20261121001", "TB20261121003", "TB20261121004"),
        reply_within=timedelta(minutes=5),
        rule_after=timedelta(minutes=2),
        send_every=timedelta(minutes=3),
    )
    simulator = Marketplace(config, http)
    runner = web.AppRunner(simulator.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    platform = {
        "name": DEMO_PLATFORM,
        "secret": secret,
        "reply_url": f"{url}/replies",
        "teams": {DEMO_SHOP: group_id},
    }
    return DemoMarketplace(simulator, runner, url, bot_port, platform)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
