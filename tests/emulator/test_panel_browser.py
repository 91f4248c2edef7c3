"""The chat panel driven by Debian's chromium through Playwright (skipped without chromium)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, expect

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, NEVER_STARTED, TOKEN
from tests.emulator.test_personas import png
from tests.support.browser import chromium

pytestmark = [pytest.mark.browser]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def page(browser: Browser, server: RunningServer) -> AsyncIterator[Page]:
    opened = await browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    await opened.goto(server.url + "/")
    await expect(opened.get_by_test_id("connection-state")).to_have_class("live ok")
    yield opened
    await opened.close()
    assert errors == []


async def test_compose_press_alert_deep_link_and_album(
    page: Page, core: EmulatorCore, tmp_path: Path
) -> None:
    await expect(page.get_by_test_id(f"chat-{GROUP}")).to_have_class("chat-item active")

    await page.get_by_test_id("composer-input").fill("/ticket 5566 客户未收到货")
    await page.get_by_test_id("send-button").click()
    await expect(page.get_by_test_id("message")).to_have_count(1)
    sent_by_agent = core.messages(GROUP)[0]
    assert (sent_by_agent["from"]["id"], sent_by_agent["text"]) == (
        AGENT,
        "/ticket 5566 客户未收到货",
    )

    markup = {
        "inline_keyboard": [
            [{"text": "Cancel", "callback_data": "cancel:1"}],
            [{"text": "Open", "url": "https://t.me/ticketbot_demo_bot?start=T1"}],
        ]
    }
    await core.call(
        TOKEN,
        "sendMessage",
        {
            "chat_id": str(GROUP),
            "text": "<b>T1</b> #T1",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(markup),
        },
    )
    button = page.locator('[data-testid="inline-button"][data-callback-data="cancel:1"]')
    await button.click()
    await expect(page.get_by_test_id("message-text").last).to_have_text("T1 #T1")
    query = next(u for u in core.pending_updates() if "callback_query" in u)["callback_query"]
    assert (query["from"]["id"], query["data"]) == (AGENT, "cancel:1")
    await core.call(
        TOKEN,
        "answerCallbackQuery",
        {"callback_query_id": query["id"], "text": "Supervisors only", "show_alert": "true"},
    )
    await expect(page.get_by_test_id("alert-dialog")).to_contain_text("Supervisors only")
    await page.get_by_test_id("alert-ok").click()

    await page.get_by_test_id("persona-select").select_option(str(NEVER_STARTED))
    await page.locator('[data-testid="inline-button"][data-url]').click()
    await expect(page.get_by_test_id(f"chat-{NEVER_STARTED}")).to_have_class("chat-item active")
    await expect(page.get_by_test_id("message-text")).to_have_text("/start T1")
    assert core.is_started(NEVER_STARTED)

    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(png(300, 200))
    second.write_bytes(png(200, 300))
    await page.get_by_test_id("attach-input").set_input_files([first, second])
    await page.get_by_test_id("composer-input").fill("凭证 #T1")
    await page.get_by_test_id("send-button").click()
    await expect(page.get_by_test_id("message-photo")).to_have_count(2)
    album = [m for m in core.messages(NEVER_STARTED) if "photo" in m]
    assert len({m["media_group_id"] for m in album}) == 1
    assert album[0]["caption"] == "凭证 #T1"

    await page.get_by_test_id("lang-select").select_option("zh")
    await expect(page.get_by_test_id("send-button")).to_have_text("发送")


async def test_a_message_sent_while_a_chat_opens_stays_in_it(
    page: Page, core: EmulatorCore
) -> None:
    """Opening a chat reads its history and hears live messages on two connections. A message
    the bot sends after the history was read but before it reached the page must still show
    once it has (it used to flash up and vanish: CI saw a card's buttons never appear)."""

    async def history_then_a_card(route: Route) -> None:
        history = await route.fetch()  # read now, without the message below
        await core.call(TOKEN, "sendMessage", {"chat_id": str(ASSIGNEE), "text": "Card #T9"})
        # The live event has reached the page: the chat list previews it.
        await expect(page.get_by_test_id(f"chat-{ASSIGNEE}")).to_contain_text("Card #T9")
        await route.fulfill(response=history)

    await page.route(re.compile(rf"/panel/api/chats/{ASSIGNEE}(\?|$)"), history_then_a_card)
    await page.get_by_test_id(f"chat-{ASSIGNEE}").click()
    await expect(page.get_by_test_id(f"chat-{ASSIGNEE}")).to_have_class("chat-item active")
    await expect(page.get_by_test_id("message-text").last).to_have_text("Card #T9")
