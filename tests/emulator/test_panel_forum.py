"""The panel's forum and inline routes: writing in a topic, the inline-query box."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from emulator.server import RunningServer, start_server
from tests.emulator.conftest import AGENT, GROUP, FakeClock, ok


@pytest.fixture
async def forum_server(clock: FakeClock) -> AsyncIterator[tuple[EmulatorCore, RunningServer]]:
    base = demo_scenario()
    cast = replace(
        base,
        bot=replace(base.bot, supports_inline_queries=True),
        groups=(replace(base.groups[0], is_forum=True),),
    )
    core = EmulatorCore(cast, clock=clock, now=clock.now)
    server = await start_server(core, "127.0.0.1", 0)
    yield core, server
    await server.stop()
    await core.aclose()


async def call(server: RunningServer, path: str, body: dict[str, Any] | None = None) -> Any:
    async with aiohttp.ClientSession() as session:
        if body is None:
            async with session.get(server.url + path) as response:
                assert response.status == 200, await response.text()
                return await response.json()
        async with session.post(server.url + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def test_the_panel_writes_in_a_topic_and_lists_topics(
    forum_server: tuple[EmulatorCore, RunningServer],
) -> None:
    core, server = forum_server
    thread = (await ok(core, "createForumTopic", chat_id=GROUP, name="#T1"))["message_thread_id"]
    body = {"persona_id": AGENT, "chat_id": GROUP, "text": "in the topic", "thread_id": thread}
    sent = await call(server, "/panel/api/send", body)
    assert sent["update"]["message"]["message_thread_id"] == thread
    view = await call(server, f"/panel/api/chats/{GROUP}")
    assert view["topics"] == [
        {"message_thread_id": thread, "name": "#T1", "icon_color": 0x6FB9F0, "is_closed": False}
    ]


async def test_the_inline_box_asks_reads_the_answer_and_chooses(
    forum_server: tuple[EmulatorCore, RunningServer],
) -> None:
    core, server = forum_server
    asked = await call(
        server, "/panel/api/inline", {"persona_id": AGENT, "chat_id": GROUP, "query": "TB1"}
    )
    query_id = asked["query_id"]
    assert (await call(server, f"/panel/api/inline/{query_id}"))["answered"] is False
    result = {
        "type": "article",
        "id": "1",
        "title": "#T1 · TB1001",
        "input_message_content": {"message_text": "T1 summary"},
    }
    await ok(core, "answerInlineQuery", inline_query_id=query_id, results=[result])
    answer = await call(server, f"/panel/api/inline/{query_id}")
    assert [r["title"] for r in answer["results"]] == ["#T1 · TB1001"]
    chosen = {"persona_id": AGENT, "chat_id": GROUP, "query_id": query_id, "result_id": "1"}
    await call(server, "/panel/api/inline/choose", chosen)
    last = core.last_message(GROUP)
    assert last is not None
    assert (last["text"], last["via_bot"]["id"]) == ("T1 summary", core.bot_id)
