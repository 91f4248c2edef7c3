"""End-to-end fixtures: an emulator served on 127.0.0.1 and the bot as a real process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from emulator.server import RunningServer, start_server
from marketplace import Marketplace, MarketplaceConfig
from tests.e2e.harness import BotProcess, config_text, free_port
from tests.support.platform import SECRET, OffsetClock, serve

pytestmark = pytest.mark.e2e


@pytest.fixture
async def emulator() -> AsyncIterator[tuple[EmulatorCore, RunningServer]]:
    core = EmulatorCore(demo_scenario())
    server = await start_server(core, "127.0.0.1", 0)
    yield core, server
    await server.stop()
    await core.aclose()


BotFactory = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def bot_process(
    emulator: tuple[EmulatorCore, RunningServer], tmp_path: Path
) -> AsyncIterator[BotFactory]:
    """Start the real bot with a config for this emulator; stopped (SIGTERM) afterwards."""
    started: list[BotProcess] = []
    core, server = emulator
    database = tmp_path / "bot.db"

    async def start(**options: str) -> BotProcess:
        # A webhook URL names its port beforehand; otherwise the process binds a free one
        # itself (a port picked here could be taken by another process before the bot binds it).
        port = free_port() if options.get("mode") == "webhook" else 0
        config = tmp_path / f"config-{len(started)}.toml"
        config.write_text(config_text(server, core, database, port, **options), encoding="utf-8")
        process = BotProcess(config, tmp_path / "bot.log", port)
        await process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process is not None and process.process.returncode is None:
            await process.terminate()


@pytest.fixture
async def market() -> AsyncIterator[tuple[Marketplace, OffsetClock, str]]:
    """The marketplace simulator on a loopback port, on a clock the test moves; its URL."""
    clock = OffsetClock()
    async with aiohttp.ClientSession() as http:
        unset = MarketplaceConfig(SECRET, "http://127.0.0.1:9/unset")
        simulator = Marketplace(unset, http, clock=clock.now)
        runner, url = await serve(simulator.app())
        yield simulator, clock, url
        await runner.cleanup()
