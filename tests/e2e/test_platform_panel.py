"""The chat panel with the marketplace's box: a person presses its button, answers the work
order as the assignee in the panel, and the box shows what the platform received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from marketplace import Marketplace, MarketplaceConfig
from tests.e2e.conftest import BotFactory
from tests.e2e.test_bot_process import PIXEL
from tests.e2e.test_browser import AGENT, ARTIFACTS, ASSIGNEE, act_as
from tests.support.browser import chromium
from tests.support.platform import SECRET, SHOP, OffsetClock, platform_config

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def test_the_panel_shows_what_the_platform_received(
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    market: tuple[Marketplace, OffsetClock, str],
    browser: Browser,
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    core, server = emulator
    simulator, _, market_url = market
    group = core.scenario.groups[0].id
    # The bot's own SQLite file: this test is about the panel, not the backends.
    database_url = f"sqlite:///{tmp_path / 'panel.db'}"
    options = platform_config(group, f"{market_url}/replies", database_url)
    bot = await bot_process(**options)
    simulator.config = MarketplaceConfig(
        SECRET, f"http://127.0.0.1:{bot.port}/api/v1/platforms/tmall/events", shop_id=SHOP
    )
    for persona in (AGENT, ASSIGNEE):
        core.user_send_text(persona, group, "Hello team")

    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await page.goto(f"{server.url}/?marketplace={market_url}")
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    await page.get_by_test_id("lang-select").select_option("zh")
    box = page.get_by_test_id("marketplace")
    await expect(box).to_contain_text("电商平台")

    await page.get_by_test_id("marketplace-send").click()
    await expect(page.get_by_test_id("marketplace-tickets")).to_contain_text("等待商家答复")

    await act_as(page, ASSIGNEE, ASSIGNEE)
    messages = page.get_by_test_id("message-list")
    await expect(messages).to_contain_text("平台协同工单", timeout=20_000)
    await page.locator('[data-testid="inline-button"][data-callback-data^="evi:"]').last.click()
    picture = tmp_path / "negotiation.png"
    picture.write_bytes(PIXEL)
    await page.get_by_test_id("attach-input").set_input_files(str(picture))
    await page.get_by_test_id("send-button").click()
    await expect(messages).to_contain_text("已添加到 #T1", timeout=20_000)
    option = page.locator('[data-testid="inline-button"][data-callback-data^="popt:"]').first
    await option.click()

    received = page.get_by_test_id("marketplace-received")
    await expect(received).to_contain_text("agreed", timeout=20_000)
    await expect(received).to_contain_text("✅ 已接收")
    await expect(page.get_by_test_id("marketplace-tickets")).to_contain_text("已答复: agreed")
    await page.screenshot(path=str(ARTIFACTS / "panel-marketplace.png"))
    await page.close()
