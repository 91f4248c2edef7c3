"""A bot world whose team answers a marketplace: the bot's web app (with the platform route)
and the simulated marketplace, each on its own loopback port, both on the test's clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.domain.platform import sign
from handlers.platform import add_platform_routes
from handlers.web import build_web_app
from marketplace import Marketplace, MarketplaceConfig
from storage.database import Database
from tests.support.botworld import GROUP, BotWorld, settings_for, start_world
from tests.support.clock import FakeClock

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PLATFORM = "tmall"
SHOP = "shop-1001"
RULE_AFTER = timedelta(minutes=3)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """`app` on 127.0.0.1 at a port the system picks; its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


@dataclass
class PlatformWorld:
    world: BotWorld
    market: Marketplace
    events_url: str
    http: aiohttp.ClientSession

    async def post(
        self, body: dict[str, Any] | bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with self.http.post(self.events_url, data=data, headers=headers) as response:
            return response.status, dict(await response.json())

    def signed(self, event_id: str, body: bytes, *, secret: str = SECRET) -> dict[str, str]:
        stamp = int(self.world.clock.now().timestamp())
        return {
            "webhook-id": event_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, event_id, stamp, body),
        }

    async def platform_rows(self) -> tuple[int, int]:
        """(platform tickets, platform events) stored."""

        def count(tx: Any) -> tuple[int, int]:
            from sqlalchemy import func, select

            from storage.tables import platform_events, platform_tickets

            tickets = tx.connection.execute(select(func.count()).select_from(platform_tickets))
            events = tx.connection.execute(select(func.count()).select_from(platform_events))
            return int(tickets.scalar_one()), int(events.scalar_one())

        return await self.world.database.read(count)


@asynccontextmanager
async def platform_world(
    db: Database, database_url: str, clock: FakeClock
) -> AsyncIterator[PlatformWorld]:
    """The bot world with [[platforms]] tmall (shop-1001 → GROUP) and the marketplace."""
    async with aiohttp.ClientSession() as http:
        # The marketplace learns the bot's URL once the bot's server is up.
        unset = MarketplaceConfig(SECRET, "http://127.0.0.1:9/unset", name=PLATFORM)
        market = Marketplace(unset, http, clock=clock.now, wire_clock=clock.now)
        market_runner, market_url = await serve(market.app())
        base = settings_for(
            database_url, kinds={"collab": {"default_assignee": "zhouhao_aftersale"}}
        )
        platform = {
            "name": PLATFORM,
            "secret": SECRET,
            "reply_url": f"{market_url}/replies",
            "teams": {SHOP: GROUP},
        }
        settings = Settings.model_validate(base.model_dump() | {"platforms": [platform]})
        world = await start_world(db, clock, settings)
        app = build_web_app(_healthy, webhook=None, secret=None)
        add_platform_routes(app, world.bot.services.platform, clock)
        bot_runner, bot_url = await serve(app)
        events_url = f"{bot_url}/api/v1/platforms/{PLATFORM}/events"
        market.config = MarketplaceConfig(
            SECRET, events_url, name=PLATFORM, shop_id=SHOP, rule_after=RULE_AFTER
        )
        try:
            yield PlatformWorld(world, market, events_url, http)
        finally:
            await world.bot.stop()
            await bot_runner.cleanup()
            await market_runner.cleanup()


async def _healthy() -> dict[str, Any]:
    return {"status": "ok"}


class OffsetClock:
    """The platform's own time in tests against the real process: the wall clock, moved
    forward by hand (deadlines and rulings come when the test says, while signatures carry
    the real time the bot checks)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def platform_config(group: int, reply_url: str, database_url: str) -> dict[str, str]:
    """The options of tests/e2e's bot_process for a bot that answers the marketplace."""
    extra = f"""
[kinds.collab]
default_assignee = "zhouhao_aftersale"

[[platforms]]
name = "{PLATFORM}"
secret = "{SECRET}"
reply_url = "{reply_url}"
teams = {{ "{SHOP}" = {group} }}
"""
    return {"extra": extra, "database_url": database_url}
