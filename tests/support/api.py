"""The public API served in-process over two teams built by the real services: what the API
tests start from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.tokens import Scope
from bot.i18n import Catalogs
from handlers.api.routes import add_api_routes
from storage.database import Database
from tests.support.clock import FakeClock
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
