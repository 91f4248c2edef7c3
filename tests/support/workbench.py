"""The workbench's aiohttp routes over a World, called as the page calls them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.domain.model import EvidenceType
from bot.domain.people import Person
from bot.domain.webapp import sign_init_data
from bot.i18n import Catalogs
from bot.rendering.render import Renderer
from bot.services.tickets import EvidenceFile
from handlers.workbench.api import Workbench
from handlers.workbench.files import UploadRefused
from handlers.workbench.mount import mount_workbench
from tests.support.world import GROUP_CHAT_ID, World, team_settings

TOKEN = "123456:WORKBENCH-test-token"
#: A second team's group: its tickets are "not found" to the first team's people.
OTHER_GROUP = GROUP_CHAT_ID - 1


def workbench_settings(*, other_team_supervisor: int | None = None) -> Settings:
    """The test team with the workbench's token; with a supervisor given, a second team
    (OTHER_GROUP) that they supervise."""
    teams = [team_settings().teams[0].model_dump()]
    if other_team_supervisor is not None:
        teams.append(
            {
                "chat_id": OTHER_GROUP,
                "name": "Other shop",
                "language": "en",
                "supervisors": [other_team_supervisor],
                "admins_are_supervisors": False,
            }
        )
    return team_settings(teams=teams, telegram={"token": TOKEN})


@dataclass
class FakeFiles:
    """Telegram's side of evidence: files kept by id; a user who never started the bot refuses."""

    stored: dict[str, bytes] = field(default_factory=dict)
    refuse_chats: set[int] = field(default_factory=set)

    async def read(self, file_id: str) -> bytes:
        return self.stored[file_id]

    async def store(
        self, chat_id: int, data: bytes, file_name: str, mime_type: str | None, caption: str
    ) -> EvidenceFile:
        if chat_id in self.refuse_chats:
            raise UploadRefused("Forbidden: bot can't initiate conversation with a user")
        file_id = f"file-{len(self.stored) + 1}"
        self.stored[file_id] = data
        kind = (
            EvidenceType.PHOTO if (mime_type or "").startswith("image/") else EvidenceType.DOCUMENT
        )
        return EvidenceFile(kind, file_id, f"unique-{file_id}", len(data), file_name, mime_type)

    def put(self, data: bytes) -> str:
        file_id = f"file-{len(self.stored) + 1}"
        self.stored[file_id] = data
        return file_id


def init_data(person: Person, at: datetime, token: str = TOKEN) -> str:
    user = {"id": person.id, "first_name": person.first_name, "username": person.username}
    fields = {
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
        "query_id": "AAQ",
    }
    return sign_init_data(fields, token)


@dataclass
class Page:
    client: TestClient[Any, Any]
    world: World
    files: FakeFiles

    def headers(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"tma {init_data(person, self.world.clock.now())}"}

    def team_path(self, team_id: int | None = None) -> str:
        return f"/api/app/teams/{team_id or self.world.team.id}"

    async def get(self, person: Person, path: str, **params: str) -> tuple[int, Any]:
        response = await self.client.get(path, headers=self.headers(person), params=params)
        return response.status, await _body(response)

    async def post(self, person: Person, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = await self.client.post(path, headers=self.headers(person), json=body)
        return response.status, await _body(response)


async def _body(response: Any) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.read()


@asynccontextmanager
async def workbench_page(world: World) -> AsyncIterator[Page]:
    files = FakeFiles()
    services = world.services
    bench = Workbench(services, Catalogs(), Renderer(services.directory.kinds), world.clock, files)
    app = web.Application()
    mount_workbench(app, bench)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Page(client, world, files)
    finally:
        await client.close()
