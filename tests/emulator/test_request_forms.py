"""Every request form Telegram accepts, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.emulator.conftest import AGENT, GROUP, TOKEN


async def test_get_with_query_string(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{server.base_url}{TOKEN}/sendMessage", params={"chat_id": str(GROUP), "text": "q"}
        ) as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["result"]["text"] == "q"


async def test_form_post_with_json_encoded_markup(server: RunningServer) -> None:
    markup = {"inline_keyboard": [[{"text": "Ack", "callback_data": "ack:1"}]]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.base_url}{TOKEN}/sendMessage",
            data={
                "chat_id": str(GROUP),
                "text": "<i>form</i>",
                "parse_mode": "HTML",
                "reply_markup": json.dumps(markup),
                "disable_notification": "true",
            },
        ) as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["result"]["reply_markup"] == markup
    assert body["result"]["entities"] == [{"offset": 0, "length": 4, "type": "italic"}]


async def test_json_post_with_native_objects(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.base_url}{TOKEN}/sendMessage",
            json={
                "chat_id": GROUP,
                "text": "json",
                "reply_markup": {"inline_keyboard": [[{"text": "Go", "url": "https://t.me/x"}]]},
                "link_preview_options": {"is_disabled": True},
            },
        ) as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/x"


async def test_multipart_upload_direct_field(server: RunningServer, core: EmulatorCore) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(GROUP))
    form.add_field("caption", "凭证 #T3")
    form.add_field("document", b"col1,col2\n1,2\n", filename="export.csv", content_type="text/csv")
    url = f"{server.base_url}{TOKEN}/sendDocument"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        body = await response.json()
    assert response.status == 200
    document = body["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "export.csv",
        "text/csv",
        14,
    )
    assert body["result"]["caption"] == "凭证 #T3"


async def test_multipart_attach_reference_and_download(server: RunningServer) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(GROUP))
    form.add_field("document", "attach://evidence")
    form.add_field("evidence", b"%PDF", filename="e.pdf", content_type="application/pdf")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.base_url}{TOKEN}/sendDocument", data=form) as response:
            sent = await response.json()
        file_id = sent["result"]["document"]["file_id"]
        async with session.post(
            f"{server.base_url}{TOKEN}/getFile", json={"file_id": file_id}
        ) as response:
            info = (await response.json())["result"]
        async with session.get(f"{server.base_file_url}{TOKEN}/{info['file_path']}") as response:
            content = await response.read()
            content_type = response.content_type
        async with session.get(f"{server.base_file_url}{TOKEN}/documents/nope.pdf") as response:
            missing = response.status
    assert content == b"%PDF"
    assert content_type == "application/pdf"
    assert missing == 404


async def test_http_error_statuses(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.base_url}123456:WRONG/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"
        async with session.get(f"{server.base_url}{TOKEN}/noSuchMethod") as response:
            assert response.status == 404
        async with session.post(
            f"{server.base_url}{TOKEN}/sendMessage",
            data=b"{broken",
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.status == 400


async def test_long_poll_over_http_wakes_on_update(
    server: RunningServer, core: EmulatorCore
) -> None:
    async with aiohttp.ClientSession() as session:

        async def poll() -> dict[str, object]:
            async with session.get(
                f"{server.base_url}{TOKEN}/getUpdates", params={"timeout": "50"}
            ) as response:
                result: dict[str, object] = await response.json()
                return result

        task = asyncio.create_task(poll())
        # Polling for the park is fine here: the core has no "poll parked" event to await.
        while not core.waiting_count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        core.user_send_text(AGENT, GROUP, "ping")
        body = await asyncio.wait_for(task, timeout=5)
    assert body["ok"] is True
