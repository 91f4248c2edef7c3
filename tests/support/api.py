"""The public API served in-process over two teams built by the real services: what the API
tests start from."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import DatabaseSettings
from bot.domain.tokens import Scope
from bot.i18n import Catalogs
from handlers.api.routes import add_api_routes
from handlers.platform import add_platform_routes
from storage.database import Database, open_database
from tests.support.clock import FakeClock
from tests.support.database import truncate_all
from tests.support.world import GROUP_CHAT_ID, World, build_world, team_settings

OTHER_GROUP: Final = -100_900_900


def two_teams_settings() -> Any:
    team = {"language": "en", "timezone": "Asia/Shanghai", "admins_are_supervisors": False}
    return team_settings(
        teams=[
            {**team, "chat_id": GROUP_CHAT_ID, "name": "Shop CS", "supervisors": [1004]},
            {**team, "chat_id": OTHER_GROUP, "name": "Other shop", "supervisors": []},
        ]
    )


@dataclass
class ApiWorld:
    world: World
    client: TestClient[web.Request, web.Application]

    async def token(self, scope: Scope, chat_id: int = GROUP_CHAT_ID, name: str = "erp") -> str:
        issued = await self.world.services.tokens.create(chat_id, scope, name)
        return issued.secret


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def web_app(world: World) -> web.Application:
    app = web.Application()
    add_api_routes(app, world.services, Catalogs())
    return app


@asynccontextmanager
async def api_world(db: Database, clock: FakeClock) -> AsyncIterator[ApiWorld]:
    world = await build_world(db, clock, two_teams_settings())
    async with TestClient(TestServer(web_app(world))) as client:
        yield ApiWorld(world, client)


class ServedApi:
    """The API on a loopback port, run by its own event loop in a thread: for synchronous
    clients (schemathesis) that call it from the test's thread."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._db: Database | None = None
        self.url = ""
        self.tokens: dict[Scope, str] = {}

    def __enter__(self) -> ServedApi:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=60)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        db = self._db = open_database(self._settings)
        if db.backend == "postgresql":
            await truncate_all(db)
        world = await build_world(db, FakeClock(), two_teams_settings())
        for order in ("TB1001", "TB1002", "TB1003"):
            await world.create(order)
        for scope in Scope:
            self.tokens[scope] = (
                await world.services.tokens.create(GROUP_CHAT_ID, scope, "t")
            ).secret
        app = web_app(world)
        add_platform_routes(app, world.services.platform, world.clock)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._db is not None:
            await self._db.dispose()
