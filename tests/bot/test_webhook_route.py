"""The webhook route: Telegram delivers an update again until it gets a 2xx, so what the bot
cannot handle is accepted and logged (or, not being an update at all, refused with 400)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from handlers.web import SECRET_HEADER, WEBHOOK_PATH, build_web_app
from tests.support.botworld import AGENT, GROUP, BotWorld

SECRET = "webhook-secret"


async def _health() -> dict[str, Any]:
    return {"status": "ok"}


@pytest.fixture
async def webhook(world: BotWorld) -> AsyncIterator[TestClient[Any, Any]]:
    app = build_web_app(_health, webhook=world.bot.process, secret=SECRET)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post(client: TestClient[Any, Any], body: str | dict[str, Any]) -> tuple[int, str]:
    data = body if isinstance(body, str) else json.dumps(body)
    async with client.post(WEBHOOK_PATH, data=data, headers={SECRET_HEADER: SECRET}) as response:
        return response.status, await response.text()


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("hello", id="message-is-a-string"),
        pytest.param([1, 2], id="message-is-a-list"),
        pytest.param({"message_id": 5, "date": 1_800_000_000, "text": "/help"}, id="no-chat"),
        pytest.param(
            {"message_id": 5, "chat": {"id": GROUP, "type": "supergroup"}, "text": "/help"},
            id="no-date",
        ),
    ],
)
async def test_an_update_the_bot_cannot_decode_is_accepted_and_logged(
    world: BotWorld,
    webhook: TestClient[Any, Any],
    caplog: pytest.LogCaptureFixture,
    message: object,
) -> None:
    with caplog.at_level(logging.WARNING, logger="handlers.web"):
        status, _ = await post(webhook, {"update_id": 424242, "message": message})
    assert status == 200
    assert "dropped update 424242" in caplog.text
    # The route still works for the next update.
    update = world.core.user_send_text(AGENT.id, GROUP, "/help")
    assert (await post(webhook, update))[0] == 200
    assert any("/ticket" in text for text in world.bot_texts(GROUP))


async def test_json_nested_too_deeply_is_accepted_and_logged(
    webhook: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    nested = '{"update_id": 7, "message": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with caplog.at_level(logging.WARNING, logger="handlers.web"):
        status, _ = await post(webhook, nested)
    assert status == 200
    assert "nested too deeply" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("not json at all", id="not-json"),
        pytest.param("[1, 2, 3]", id="not-an-object"),
        pytest.param('{"message": {}}', id="no-update-id"),
        pytest.param('{"update_id": "12"}', id="update-id-not-an-integer"),
        pytest.param('{"update_id": true}', id="update-id-a-boolean"),
    ],
)
async def test_what_is_not_an_update_at_all_is_refused_with_400(
    webhook: TestClient[Any, Any], body: str
) -> None:
    status, _ = await post(webhook, body)
    assert status == 400
