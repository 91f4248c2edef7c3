"""Ways into the workbench: /app (a one-time link and a web_app button in private chat, a URL
button in the group), the menu button of private chats, a button on every private card."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.domain.webapp import BadCredentials
from tests.bot.conftest import StartWorld
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld, settings_for

PUBLIC = "https://tickets.example.com"


async def _world(start_with: StartWorld, url: str, *, public: str | None = PUBLIC) -> BotWorld:
    if public is None:
        return await start_with(settings_for(url))
    return await start_with(settings_for(url, app={"public_url": public}))


def _web_apps(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [
        button["web_app"]["url"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "web_app" in button
    ]


async def test_app_in_private_chat_answers_a_one_time_link_for_that_user(
    start_with: StartWorld, database: Any
) -> None:
    world = await _world(start_with, database.url)
    await world.send(AGENT, GROUP, "hello")
    await world.send(AGENT, AGENT.id, "/app")
    answer = world.last_bot_message(AGENT.id)
    assert _web_apps(answer) == [f"{PUBLIC}/app/"]
    link = next(word for word in answer["text"].split() if word.startswith(PUBLIC))
    query = parse_qs(urlsplit(link).query)
    assert query["u"] == [str(AGENT.id)]
    workbench = world.bot.services.workbench
    cookie = await workbench.redeem_link(query["t"][0], AGENT.id)
    assert workbench.session_user(cookie) == AGENT.id
    try:
        await workbench.redeem_link(query["t"][0], AGENT.id)
    except BadCredentials:
        pass
    else:
        raise AssertionError("a sign-in link worked twice")


async def test_app_in_the_group_answers_a_url_button(start_with: StartWorld, database: Any) -> None:
    world = await _world(start_with, database.url)
    await world.send(AGENT, GROUP, "/app")
    answer = world.last_bot_message(GROUP)
    assert list(world.buttons(answer).values()) == [f"{PUBLIC}/app/"]
    assert _web_apps(answer) == []  # Telegram refuses web_app buttons in groups


async def test_without_a_public_url_app_says_what_is_missing(
    start_with: StartWorld, database: Any
) -> None:
    world = await _world(start_with, database.url, public=None)
    await world.send(AGENT, GROUP, "hello")
    await world.send(AGENT, AGENT.id, "/app")
    assert "public_url" in world.last_bot_message(AGENT.id)["text"]


async def test_private_chats_menu_button_and_cards_open_the_workbench(
    start_with: StartWorld, database: Any
) -> None:
    world = await _world(start_with, database.url)
    assert world.core.menu_button(ASSIGNEE.id)["web_app"]["url"] == f"{PUBLIC}/app/"
    await world.send(AGENT, GROUP, "/ticket TB1001 #发货 @zhouhao_aftersale 今天务必发出")
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    assert _web_apps(card) == [f"{PUBLIC}/app/?team={world.team_id}&ticket=1"]
