"""Webhook delivery to a local aiohttp receiver: secret header, order, retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from tests.emulator.conftest import AGENT, GROUP, FakeClock, api, ok


@dataclass
class Receiver:
    """Collects webhook POSTs; answers the statuses queued in `fail_with` first."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    attempts: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.fail_with:
            return web.Response(status=self.fail_with.pop(0))
        self.received.append(json.loads(await request.read()))
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        self.arrived.set()
        return web.Response(text="ok")

    async def wait_for(self, count: int) -> None:
        while len(self.received) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), timeout=5)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    sink = Receiver()
    app = web.Application()
    app.router.add_post("/hook", sink.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    sink.url = f"http://127.0.0.1:{port}/hook"
    yield sink
    await runner.cleanup()


@pytest.fixture
async def fast_retry_core(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    world = EmulatorCore(
        demo_scenario(),
        clock=clock,
        now=clock.now,
        sleep=no_wait,
        webhook_retry_delays=(0.1, 0.2, 0.4),
    )
    yield world
    await world.aclose()


async def test_updates_are_posted_in_order_with_secret(
    core: EmulatorCore, receiver: Receiver
) -> None:
    core.user_send_text(AGENT, GROUP, "queued before the webhook")
    _status, body = await api(core, "setWebhook", url=receiver.url, secret_token="s3cr3t_-X")
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    core.user_send_text(AGENT, GROUP, "second")
    core.user_send_text(AGENT, GROUP, "third")
    await receiver.wait_for(3)
    texts = [update["message"]["text"] for update in receiver.received]
    assert texts == ["queued before the webhook", "second", "third"]
    assert receiver.secrets == ["s3cr3t_-X"] * 3
    ids = [update["update_id"] for update in receiver.received]
    assert ids == sorted(ids)
    info = await ok(core, "getWebhookInfo")
    assert info["url"] == receiver.url
    assert info["pending_update_count"] == 0


async def test_failed_delivery_is_retried(
    fast_retry_core: EmulatorCore, receiver: Receiver
) -> None:
    core = fast_retry_core
    receiver.fail_with = [500, 502]
    await ok(core, "setWebhook", url=receiver.url)
    core.user_send_text(AGENT, GROUP, "eventually")
    core.user_send_text(AGENT, GROUP, "after it")
    await receiver.wait_for(2)
    assert receiver.attempts == 4
    assert [u["message"]["text"] for u in receiver.received] == ["eventually", "after it"]
    info = await ok(core, "getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 502"


async def test_delivery_gives_up_after_the_retries(
    fast_retry_core: EmulatorCore, receiver: Receiver
) -> None:
    core = fast_retry_core
    receiver.fail_with = [500] * 4  # the first try and three retries
    await ok(core, "setWebhook", url=receiver.url)
    core.user_send_text(AGENT, GROUP, "lost")
    core.user_send_text(AGENT, GROUP, "delivered")
    await receiver.wait_for(1)
    assert [u["message"]["text"] for u in receiver.received] == ["delivered"]
    assert receiver.attempts == 5


async def test_drop_pending_updates(core: EmulatorCore, receiver: Receiver) -> None:
    core.user_send_text(AGENT, GROUP, "old news")
    await ok(core, "setWebhook", url=receiver.url, drop_pending_updates=True)
    core.user_send_text(AGENT, GROUP, "fresh")
    await receiver.wait_for(1)
    assert [u["message"]["text"] for u in receiver.received] == ["fresh"]


async def test_webhook_must_be_loopback_http(core: EmulatorCore) -> None:
    status, body = await api(core, "setWebhook", url="ftp://127.0.0.1/x")
    assert status == 400
    assert (
        body["description"] == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    status, body = await api(core, "setWebhook", url="https://example.com/hook")
    assert status == 400
    assert "loopback" in body["description"]
    status, body = await api(
        core, "setWebhook", url="http://127.0.0.1:1/h", secret_token="bad token!"
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: secret token contains unallowed characters",
    )


async def test_webhook_info_without_webhook(core: EmulatorCore) -> None:
    core.user_send_text(AGENT, GROUP, "waiting")
    assert await ok(core, "getWebhookInfo") == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 1,
    }
