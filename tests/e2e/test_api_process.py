"""The public API against the real `ticketbot run` process, in polling and webhook mode, on
SQLite and PostgreSQL: a token made with `ticketbot token create`, a ticket opened over HTTP
(once, however often it is sent) that the group and the assignee are told of like any other,
the chat's actions, the OpenAPI document and docs page served, and a token revoked with
`ticketbot token revoke` refused at the next request."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import DatabaseSettings
from emulator.core import EmulatorCore
from emulator.server import RunningServer
from storage.database import Database
from tests.e2e.conftest import BotFactory
from tests.e2e.harness import until
from tests.e2e.test_bot_process import AGENT, ASSIGNEE, said

pytestmark = pytest.mark.e2e


async def ticketbot(config: Path, *arguments: str) -> tuple[int, str]:
    """`python -m bot <arguments> --config FILE`, its exit status and output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *arguments,
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=environment,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_an_integration_works_tickets_over_http(
    mode: str,
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    database: DatabaseSettings,
    db: Database,  # an empty database on either backend
) -> None:
    core, _ = emulator
    group = core.scenario.groups[0].id
    bot = await bot_process(mode=mode, database_url=database.url)
    for persona in (AGENT, ASSIGNEE):
        core.user_send_text(persona, group, "Hello team")
    core.user_send_text(AGENT, group, "/help")
    await until(lambda: said(core, group, "/ticket"), what="the bot to know the team")

    status, out = await ticketbot(
        bot.config, "token", "create", "--team", str(group), "--scope", "write", "--name", "erp"
    )
    assert status == 0, out
    secret = out.splitlines()[-1]
    token_id = out.split()[1]
    base = f"http://127.0.0.1:{bot.port}/api/v1"
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "erp-order-TB5005"}
    new = {
        "order_id": "TB5005",
        "kind": "aftersale",
        "description": "少发一件",
        "assignee": "zhouhao_aftersale",
    }

    async with aiohttp.ClientSession() as http:

        async def call(method: str, path: str, **options: Any) -> tuple[int, Any]:
            async with http.request(method, base + path, **options) as response:
                if response.content_type == "application/json":
                    return response.status, await response.json()
                return response.status, await response.text()

        first = await call("POST", "/tickets", json=new, headers=headers)
        again = await call("POST", "/tickets", json=new, headers=headers)
        assert first[0] == again[0] == 201, first
        assert first[1]["number"] == again[1]["number"] == 1
        await until(lambda: said(core, group, "#T1", "TB5005"), what="the group told")

        note = {"text": "仓库已补发"}
        assert (await call("POST", "/tickets/1/note", json=note, headers=headers))[0] == 200
        acted = await call("POST", "/tickets/1/agree", headers=headers)
        assert acted[0] == 200, acted
        assert acted[1]["ticket"]["status"] == "resolved", acted
        shown = await call("GET", "/tickets/1", headers=headers)
        assert [e["type"] for e in shown[1]["timeline"]] == ["created", "note", "outcome"]
        await until(lambda: said(core, group, "#T1", "resolved"), what="the resolution told")

        status_code, document = await call("GET", "/openapi.json")
        assert (status_code, document["openapi"]) == (200, "3.1.0")
        assert (await call("GET", "/docs"))[0] == 200

        assert (await ticketbot(bot.config, "token", "revoke", token_id))[0] == 0
        refused = await call("GET", "/tickets", headers={"Authorization": f"Bearer {secret}"})
        assert refused[0] == 401
        assert refused[1]["error"]["code"] == "unauthorized"
    listed = await ticketbot(bot.config, "token", "list")
    assert "erp" in listed[1]
