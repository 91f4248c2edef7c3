"""The panel's Mini Apps: initData the emulator signs passes the bot's own validation, and the
side pane's routes hand out the launch URL and the chat's menu button."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from aiohttp.test_utils import TestClient, TestServer

from bot.domain.webapp import BadCredentials, validate_init_data
from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from emulator.server import build_app
from emulator.webapps import init_data, launch_url


def test_the_emulators_signature_is_telegrams() -> None:
    scenario = demo_scenario()
    persona = {"id": 1004, "first_name": "Wang", "username": "wanglei_lead", "language_code": "zh"}
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    data = init_data(persona, scenario.bot.token, chat_type="private", now=now.timestamp())
    user = validate_init_data(data, scenario.bot.token, now=now)
    assert (user.id, user.username, user.language_code) == (1004, "wanglei_lead", "zh")
    try:
        validate_init_data(data, "1:another-bot", now=now)
    except BadCredentials:
        pass
    else:
        raise AssertionError("another bot's token accepted the emulator's initData")


def test_the_launch_parameters_travel_in_the_fragment() -> None:
    url = launch_url("http://127.0.0.1:9/app/?team=1", "user=x&hash=y", "dark")
    address, fragment = url.split("#", 1)
    assert address == "http://127.0.0.1:9/app/?team=1"
    params = {
        key: unquote(value) for key, _, value in (p.partition("=") for p in fragment.split("&"))
    }
    assert params["tgWebAppData"] == "user=x&hash=y"
    assert json.loads(params["tgWebAppThemeParams"])["bg_color"] == "#212121"


async def test_the_panel_opens_a_web_app_for_a_persona() -> None:
    core = EmulatorCore(demo_scenario())
    client = TestClient(TestServer(build_app(core)))
    await client.start_server()
    try:
        token = core.bot.token
        button = {"type": "web_app", "text": "Workbench", "web_app": {"url": "https://x.test/app/"}}
        answer = await client.post(f"/bot{token}/setChatMenuButton", json={"menu_button": button})
        assert (await answer.json())["ok"]
        menu = await (await client.get("/panel/api/menu_button/1002")).json()
        assert menu["web_app"]["url"] == "https://x.test/app/"

        opened = await (
            await client.post(
                "/panel/api/web_app", json={"persona_id": 1002, "url": menu["web_app"]["url"]}
            )
        ).json()
        fragment = urlsplit(opened["url"]).fragment
        data = unquote(fragment.split("&", 1)[0].removeprefix("tgWebAppData="))
        user = json.loads(parse_qs(data)["user"][0])
        assert user["id"] == 1002
        assert validate_init_data(data, token, now=datetime.now(UTC)).id == 1002

        refused = await client.post(
            "/panel/api/web_app", json={"persona_id": 1002, "url": "javascript:alert(1)"}
        )
        assert refused.status == 400
    finally:
        await client.close()
        await core.aclose()
