"""Fixtures for the emulator tests: a steppable clock, the demo world and a running server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emulator.core import EmulatorCore
from emulator.scenario import GroupSpec, PersonaSpec, Scenario, demo_scenario
from emulator.server import RunningServer, start_server

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001234567890
AGENT = 1001
ASSIGNEE = 1002
NEVER_STARTED = 1003
SUPERVISOR = 1004
OTHER_GROUP = -1009876543210


class FakeClock:
    """Monotonic seconds and wall time that only move when a test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self.epoch = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.seconds - 1000.0)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


class ManualSleep:
    """An injectable sleep whose sleepers wake only when the test releases them."""

    def __init__(self) -> None:
        self.requested: list[float] = []
        self.called = asyncio.Event()
        self._release = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        self.called.set()
        await self._release.wait()

    def release(self) -> None:
        self._release.set()


def two_group_scenario() -> Scenario:
    base = demo_scenario()
    extra = GroupSpec(id=OTHER_GROUP, title="Warehouse", administrators=(SUPERVISOR,))
    return Scenario(bot=base.bot, groups=(*base.groups, extra), personas=base.personas)


def privacy_scenario() -> Scenario:
    """The bot is a plain member (no admin) of the group, so privacy mode applies."""
    base = demo_scenario()
    group = GroupSpec(id=GROUP, title="Team", administrators=(SUPERVISOR,), bot_is_admin=False)
    return Scenario(bot=base.bot, groups=(group,), personas=base.personas)


def persona(user_id: int, started: bool = True) -> PersonaSpec:
    return PersonaSpec(id=user_id, first_name=f"User{user_id}", started_bot=started)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def core(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    world = EmulatorCore(demo_scenario(), clock=clock, now=clock.now)
    yield world
    await world.aclose()


@pytest.fixture
async def server(core: EmulatorCore) -> AsyncIterator[RunningServer]:
    running = await start_server(core, "127.0.0.1", 0)
    yield running
    await running.stop()


async def api(core: EmulatorCore, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """Call the core the way a form-posting client would: objects JSON-encoded as text."""
    encoded = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in params.items()
        if value is not None
    }
    return await core.call(TOKEN, method, encoded)


async def ok(core: EmulatorCore, method: str, **params: Any) -> Any:
    status, body = await api(core, method, **params)
    assert status == 200, body
    return body["result"]


def keyboard(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    """An inline keyboard of callback buttons: keyboard([("Ack", "ack:1")])."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }
