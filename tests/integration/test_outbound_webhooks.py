"""Outbound webhooks: escalated, resolved, cancelled and ruled events, signed and retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.config import DatabaseSettings
from bot.domain.model import Action
from storage.database import Database
from tests.e2e.harness import free_port
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    SUPERVISOR,
    BotWorld,
    settings_for,
    start_world,
)
from tests.support.clock import FakeClock
from tests.support.world import act

SECRET = "crm-shared-secret"


class Receiver:
    """A CRM's endpoint on 127.0.0.1: records what it gets; can fail the first calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.failures = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append((dict(request.headers), body))
        if self.failures:
            self.failures -= 1
            return web.Response(status=503)
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/ticketbot", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield target, f"http://127.0.0.1:{port}/hooks/ticketbot"
    await runner.cleanup()


@pytest.fixture
async def hooked_world(
    db: Database, database: DatabaseSettings, clock: FakeClock, receiver: tuple[Receiver, str]
) -> AsyncIterator[BotWorld]:
    _, url = receiver
    settings = settings_for(database.url, language="en")
    settings = settings.model_copy(
        update={
            "integrations": settings.integrations.model_validate(
                {
                    "webhooks": [
                        {
                            "url": url,
                            "secret": SECRET,
                            "events": ["resolved", "escalated", "cancelled", "ruled"],
                        }
                    ]
                }
            )
        }
    )
    world = await start_world(db, clock, settings)
    yield world
    await world.bot.stop()


def _verify(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Ticketbot-Signature"] == f"sha256={expected}"
    assert headers["X-Ticketbot-Delivery"].isdigit()
    return dict(json.loads(body))


async def test_outcomes_reach_the_crm_signed_and_survive_its_outage(
    hooked_world: BotWorld, receiver: tuple[Receiver, str]
) -> None:
    target, _ = receiver
    world = hooked_world
    await world.send(AGENT, GROUP, "/ticket TB1 #aftersale @zhouhao_aftersale broken cup")
    await world.send(AGENT, GROUP, "/ticket TB2 #aftersale @zhouhao_aftersale lost parcel")
    await world.send(AGENT, GROUP, "/ticket TB3 #task @zhouhao_aftersale duplicate")
    services = world.bot.services
    team_id = services.directory.teams()[0].team.id
    assignee = await services.people.actor(team_id, ASSIGNEE.id)
    supervisor = await services.people.actor(team_id, SUPERVISOR.id)
    await act(services, assignee, Action.AGREE, number=1)
    await act(services, assignee, Action.DISAGREE, number=2)
    await act(services, supervisor, Action.RULE, number=2, text="refund in full")
    await act(services, supervisor, Action.CANCEL, number=3, text="duplicate")
    target.failures = 2  # the CRM is down for the first two calls

    for _ in range(4):
        await world.deliver()
        world.clock.advance(timedelta(minutes=5))  # past each retry's backoff

    assert len(target.calls) == 6  # four events, the first one tried three times
    payloads = [_verify(headers, body) for headers, body in target.calls]
    # In the order they happened: one endpoint gets its events strictly in order.
    assert [p["event"] for p in payloads[2:]] == ["resolved", "escalated", "ruled", "cancelled"]
    resolved = payloads[2]
    assert resolved["ticket"]["order_id"] == "TB1"
    assert resolved["ticket"]["outcome"] == "agreed"
