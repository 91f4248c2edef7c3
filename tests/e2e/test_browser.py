"""A person at the chat panel: headless Chromium (Debian's) plays the whole reply flow
against the real bot process, and leaves a screenshot in tests/artifacts/."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from bot.emulator.core import EmulatorCore
from bot.emulator.server import RunningServer
from tests.e2e.conftest import BotFactory
from tests.support.browser import chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AGENT, ASSIGNEE = 1001, 1002
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def act_as(page: Page, persona: int, chat: int) -> None:
    await page.get_by_test_id("persona-select").select_option(str(persona))
    await page.get_by_test_id(f"chat-{chat}").click()


async def test_agent_creates_assignee_agrees_with_a_picture_and_the_group_sees_it_resolved(
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    browser: Browser,
    tmp_path: Path,
) -> None:
    core, server = emulator
    group = core.scenario.groups[0].id
    await bot_process()
    for persona in (AGENT, ASSIGNEE):
        core.user_send_text(persona, group, "Hello team")
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await page.goto(server.url + "/")
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    messages = page.get_by_test_id("message-list")

    # The agent turns the conversation into a ticket in the group.
    await act_as(page, AGENT, group)
    await page.get_by_test_id("composer-input").fill(
        "/ticket TB7001 #aftersale @zhouhao_aftersale Cup arrived broken, customer wants a new one"
    )
    await page.get_by_test_id("send-button").click()
    await expect(messages).to_contain_text("#T1 created", timeout=20_000)

    # The assignee opens the private chat: the card is there; Agreed, a picture, Finish.
    await act_as(page, ASSIGNEE, ASSIGNEE)
    await expect(messages).to_contain_text("TB7001", timeout=20_000)
    await page.locator('[data-testid="inline-button"][data-callback-data^="agr:"]').click()
    finish = page.locator('[data-testid="inline-button"][data-callback-data^="fin:"]').last
    await expect(finish).to_be_visible(timeout=20_000)
    picture = tmp_path / "chat-screenshot.png"
    picture.write_bytes(PIXEL)
    await page.get_by_test_id("attach-input").set_input_files(str(picture))
    await page.get_by_test_id("send-button").click()
    await expect(messages).to_contain_text("已添加到 #T1", timeout=20_000)
    await finish.click()
    await expect(messages).to_contain_text("共保存 1 个凭证文件", timeout=20_000)

    # Back in the group, everyone sees it resolved.
    await act_as(page, AGENT, group)
    await expect(messages).to_contain_text("#T1 resolved", timeout=20_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "panel-resolved.png"))
    await act_as(page, ASSIGNEE, ASSIGNEE)
    await expect(messages).to_contain_text("共保存 1 个凭证文件", timeout=20_000)
    await page.screenshot(path=str(ARTIFACTS / "panel-assignee.png"))
    await page.close()
