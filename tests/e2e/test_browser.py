"""A person at the chat panel: headless Chromium (Debian's) plays the whole reply flow
against the real bot process, and leaves a screenshot in tests/artifacts/."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.e2e.conftest import BotFactory
from tests.support.browser import chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AGENT, ASSIGNEE, SUPERVISOR = 1001, 1002, 1004
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


#: What the group says at each step, in each team language (from bot/i18n/*.po).
GROUP_SAYS = {
    "en": {
        "created": "#T1 created",
        "resolved": "#T1 resolved",
        "escalated": "order TB7002 escalated",
        "cancelled": "#T2 cancelled",
        "confirm": "Yes, cancel it",
    },
    "zh": {
        "created": "已创建 #T1",
        "resolved": "#T1 已解决",
        "escalated": "订单 TB7002 超时升级",
        "cancelled": "已取消 #T2",
        "confirm": "确认取消",
    },
}
#: A kind whose deadline passes within the test, so the escalation shows up in the panel.
FAST_STOCKOUT = """
[kinds.stockout]
reply_within = "3s"
remind_before = "1s"
"""


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_person_at_the_panel_creates_replies_with_evidence_sees_escalation_and_cancels(
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    browser: Browser,
    tmp_path: Path,
    language: str,
) -> None:
    says = GROUP_SAYS[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    core, server = emulator
    group = core.scenario.groups[0].id
    await bot_process(language=language, extra=FAST_STOCKOUT)
    for persona in (AGENT, ASSIGNEE, SUPERVISOR):
        core.user_send_text(persona, group, "Hello team")
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await page.goto(server.url + "/")
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    await page.get_by_test_id("lang-select").select_option(language)
    messages = page.get_by_test_id("message-list")

    # The agent turns the conversation into a ticket in the group.
    await act_as(page, AGENT, group)
    await type_and_send(
        page, "/ticket TB7001 #aftersale @zhouhao_aftersale Cup arrived broken, wants a new one"
    )
    await expect(messages).to_contain_text(says["created"], timeout=20_000)

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
    await page.screenshot(path=str(ARTIFACTS / f"panel-assignee-{language}.png"))

    # Back in the group, everyone sees it resolved.
    await act_as(page, AGENT, group)
    await expect(messages).to_contain_text(says["resolved"], timeout=20_000)

    # A second ticket nobody answers: its deadline passes and it escalates.
    await type_and_send(page, "/ticket TB7002 #stockout @zhouhao_aftersale 缺货，通知客户")
    await expect(messages).to_contain_text(says["escalated"], timeout=20_000)

    # The supervisor cancels it, confirming with the button.
    await act_as(page, SUPERVISOR, group)
    await type_and_send(page, "/cancel T2 customer took a refund instead")
    await page.locator('[data-testid="inline-button"][data-callback-data^="ccf:"]').click()
    await expect(messages).to_contain_text(says["cancelled"], timeout=20_000)
    await page.screenshot(path=str(ARTIFACTS / f"panel-group-{language}.png"))
    await page.close()


async def type_and_send(page: Page, text: str) -> None:
    await page.get_by_test_id("composer-input").fill(text)
    await page.get_by_test_id("send-button").click()
