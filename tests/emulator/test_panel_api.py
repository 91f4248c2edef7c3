"""The chat panel's page, JSON API and server-sent events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from emulator.core import EmulatorCore
from emulator.server import RunningServer, build_app
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, NEVER_STARTED, SUPERVISOR, ok
from tests.emulator.test_personas import png


async def post_json(server: RunningServer, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(server.url + path, json=body) as r:
        return r.status, await r.json()


async def get_json(server: RunningServer, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(server.url + path) as response:
        return response.status, await response.json()


async def test_page_and_assets_are_served(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url + "/") as response:
            page = await response.text()
            assert response.status == 200
        async with session.get(server.url + "/static/panel.js") as response:
            script = await response.text()
            assert response.status == 200
        async with session.get(server.url + "/static/panel.css") as response:
            assert response.status == 200
    for testid in (
        "persona-select",
        "lang-select",
        "chat-list",
        "message-list",
        "composer-input",
        "send-button",
        "attach-input",
        "reply-preview",
        "commands-button",
        "start-button",
        "toast",
        "alert-dialog",
    ):
        assert f'data-testid="{testid}"' in page
    for testid in ("message", "inline-button", "message-text", "message-photo", "chat-"):
        assert f'"data-testid": "{testid}' in script or f'"data-testid": `{testid}' in script
    assert "https://" not in page  # no CDN: everything is local


async def test_state_lists_personas_and_chats(server: RunningServer) -> None:
    status, state = await get_json(server, "/panel/api/state")
    assert status == 200
    assert state["lang"] == "en"
    assert state["persona_id"] == AGENT
    started = {p["id"]: p["started_bot"] for p in state["personas"]}
    assert started == {AGENT: True, ASSIGNEE: True, NEVER_STARTED: False, SUPERVISOR: True}
    assert [chat["id"] for chat in state["chats"]] == [
        GROUP,
        AGENT,
        ASSIGNEE,
        NEVER_STARTED,
        SUPERVISOR,
    ]


async def test_send_reply_and_press(server: RunningServer, core: EmulatorCore) -> None:
    status, body = await post_json(
        server, "/panel/api/send", {"persona_id": AGENT, "chat_id": GROUP, "text": "/ticket 1 x"}
    )
    assert status == 200
    first = body["update"]["message"]
    assert first["entities"][0]["type"] == "bot_command"
    status, body = await post_json(
        server,
        "/panel/api/send",
        {
            "persona_id": ASSIGNEE,
            "chat_id": GROUP,
            "text": "on it",
            "reply_to": first["message_id"],
        },
    )
    assert body["update"]["message"]["reply_to_message"]["message_id"] == first["message_id"]
    sent = await ok(
        core,
        "sendMessage",
        chat_id=GROUP,
        text="T1",
        reply_markup={"inline_keyboard": [[{"text": "Ack", "callback_data": "ack:1"}]]},
    )
    status, body = await post_json(
        server,
        "/panel/api/press",
        {
            "persona_id": ASSIGNEE,
            "chat_id": GROUP,
            "message_id": sent["message_id"],
            "data": "ack:1",
        },
    )
    assert status == 200
    assert body["update"]["callback_query"]["from"]["id"] == ASSIGNEE
    status, view = await get_json(server, f"/panel/api/chats/{GROUP}?persona_id={ASSIGNEE}")
    assert [m["message_id"] for m in view["messages"]] == [1, 2, 3]
    assert view["members"] == 5


async def test_persona_mistakes_are_400(server: RunningServer) -> None:
    status, body = await post_json(
        server, "/panel/api/send", {"persona_id": AGENT, "chat_id": ASSIGNEE, "text": "hi"}
    )
    assert status == 400
    assert "private chat" in body["error"]
    status, body = await post_json(server, "/panel/api/persona", {"persona_id": 42})
    assert status == 400


async def test_switch_persona(server: RunningServer) -> None:
    status, body = await post_json(server, "/panel/api/persona", {"persona_id": SUPERVISOR})
    assert status == 200
    assert body["persona_id"] == SUPERVISOR
    assert (await get_json(server, "/panel/api/state"))[1]["persona_id"] == SUPERVISOR


async def upload(server: RunningServer, files: list[tuple[str, bytes, str]], **fields: str) -> Any:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for filename, data, content_type in files:
        form.add_field("file", data, filename=filename, content_type=content_type)
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.url + "/panel/api/upload", data=form) as response,
    ):
        return response.status, await response.json()


async def test_upload_several_photos_makes_an_album(server: RunningServer) -> None:
    status, body = await upload(
        server,
        [("a.png", png(800, 600), "image/png"), ("b.png", png(600, 800), "image/png")],
        persona_id=str(ASSIGNEE),
        chat_id=str(ASSIGNEE),
        caption="凭证 #T1",
    )
    assert status == 200
    messages = [u["message"] for u in body["updates"]]
    assert len(messages) == 2
    assert messages[0]["media_group_id"] == messages[1]["media_group_id"]
    assert messages[0]["caption"] == "凭证 #T1"
    assert (messages[1]["photo"][-1]["width"], messages[1]["photo"][-1]["height"]) == (600, 800)


async def test_upload_as_file_and_mixed_picks(server: RunningServer) -> None:
    status, body = await upload(
        server,
        [("a.png", png(10, 10), "image/png")],
        persona_id=str(AGENT),
        chat_id=str(GROUP),
        as_file="1",
    )
    assert status == 200
    assert body["updates"][0]["message"]["document"]["file_name"] == "a.png"
    status, body = await upload(
        server,
        [
            ("a.png", png(10, 10), "image/png"),
            ("b.png", png(10, 10), "image/png"),
            ("c.pdf", b"%PDF", "application/pdf"),
        ],
        persona_id=str(AGENT),
        chat_id=str(GROUP),
    )
    kinds = [("photo" in u["message"], u["message"].get("media_group_id")) for u in body["updates"]]
    assert [kind for kind, _ in kinds] == [True, True, False]
    assert kinds[0][1] == kinds[1][1]
    assert kinds[2][1] is None


async def test_open_url_follows_deep_link(server: RunningServer, core: EmulatorCore) -> None:
    status, body = await post_json(
        server,
        "/panel/api/open_url",
        {"persona_id": NEVER_STARTED, "url": "https://t.me/ticketbot_demo_bot?start=T9"},
    )
    assert (status, body["handled"], body["chat_id"]) == (200, True, NEVER_STARTED)
    assert core.is_started(NEVER_STARTED)
    status, body = await post_json(
        server, "/panel/api/open_url", {"persona_id": AGENT, "url": "https://example.com"}
    )
    assert body["handled"] is False


async def test_files_and_flood_switch(server: RunningServer, core: EmulatorCore) -> None:
    update = core.user_send_document(AGENT, GROUP, b"hello", file_name="h.txt")
    file_id = update["message"]["document"]["file_id"]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/panel/api/files/{file_id}?download=1") as response:
            assert await response.read() == b"hello"
            assert "h.txt" in response.headers["Content-Disposition"]
        async with session.get(f"{server.url}/panel/api/files/nope") as response:
            assert response.status == 404
    status, body = await post_json(server, "/panel/api/flood", {"enabled": True})
    assert (status, body["flood_limits"]) == (200, True)
    assert core.flood_limits


async def read_events(response: aiohttp.ClientResponse, count: int) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    name = ""
    while len(events) < count:
        line = (await response.content.readline()).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: ") :])))
    return events


async def test_events_stream_messages_edits_and_alerts(
    server: RunningServer, core: EmulatorCore
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/panel/api/events") as response,
    ):
        assert response.headers["Content-Type"].startswith("text/event-stream")
        await response.content.readline()  # the stream is open once its first line arrives
        sent = await ok(
            core,
            "sendMessage",
            chat_id=GROUP,
            text="T1",
            reply_markup={"inline_keyboard": [[{"text": "Ack", "callback_data": "a"}]]},
        )
        await ok(
            core,
            "editMessageText",
            chat_id=GROUP,
            message_id=sent["message_id"],
            text="T1!",
            reply_markup=sent["reply_markup"],
        )
        query = core.user_press_button(AGENT, GROUP, sent["message_id"], "a")
        await ok(
            core,
            "answerCallbackQuery",
            callback_query_id=query["callback_query"]["id"],
            text="Not allowed",
            show_alert=True,
        )
        events = await asyncio.wait_for(read_events(response, 3), timeout=5)
    assert [name for name, _ in events] == ["message", "edit", "callback_answer"]
    assert events[0][1]["message"]["text"] == "T1"
    assert events[1][1]["message"]["text"] == "T1!"
    assert events[2][1] == {
        "type": "callback_answer",
        "user_id": AGENT,
        "chat_id": GROUP,
        "message_id": sent["message_id"],
        "text": "Not allowed",
        "show_alert": True,
        "url": None,
    }


async def test_stop_closes_open_event_streams(core: EmulatorCore) -> None:
    from emulator.server import start_server

    running = await start_server(core, "127.0.0.1", 0, lang="zh")
    session = aiohttp.ClientSession()
    response = await session.get(running.url + "/panel/api/events")
    await response.content.readline()
    await asyncio.wait_for(running.stop(), timeout=3)
    response.close()
    await session.close()


def test_lang_must_be_supported(core: EmulatorCore) -> None:
    with pytest.raises(ValueError, match="lang"):
        build_app(core, lang="fr")
