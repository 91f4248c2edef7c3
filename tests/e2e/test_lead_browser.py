"""A team lead at the chat panel (headless Debian chromium, the real bot process): a list paged
forward and back, a ticket opened from it, a photo opened from /show, a claim race by two
members, an extension, a private export and the morning digest; screenshots in
tests/artifacts/."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.e2e.conftest import BotFactory
from tests.e2e.harness import until
from tests.support.browser import chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AGENT, ASSIGNEE, WAREHOUSE, SUPERVISOR = 1001, 1002, 1003, 1004
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TIMEOUT = 20_000

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def act_as(page: Page, persona: int, chat: int) -> None:
    await page.get_by_test_id("persona-select").select_option(str(persona))
    await page.get_by_test_id(f"chat-{chat}").click()


async def type_and_send(page: Page, text: str) -> None:
    await page.get_by_test_id("composer-input").fill(text)
    await page.get_by_test_id("send-button").click()


async def test_a_lead_works_from_the_panel(
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    browser: Browser,
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    core, server = emulator
    group = core.scenario.groups[0].id
    # Eleven /ticket replies in the group at Telegram's 20 a minute would take 36 s; the emulator
    # sets no group limit here, and what is tested is the lead's lists, not the pacing.
    process = await bot_process(
        language="en",
        reply_within="3h",
        remind_before="1h",
        extra="group_messages_per_minute = 600",
    )
    for persona in (AGENT, ASSIGNEE, WAREHOUSE, SUPERVISOR):
        core.user_send_text(persona, group, "Hello team")
    for n in range(1, 12):
        core.user_send_text(
            AGENT, group, f"/ticket TB80{n:02d} #aftersale @zhouhao_aftersale item {n} broken"
        )
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(server.url + "/")
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    await page.get_by_test_id("lang-select").select_option("en")
    messages = page.get_by_test_id("message-list")

    # The supervisor's to-do list: page 1 of 2, forward, back, in place.
    await act_as(page, SUPERVISOR, group)
    await expect(messages).to_contain_text("#T11 created", timeout=TIMEOUT)
    await type_and_send(page, "/pending")
    await expect(messages).to_contain_text("Page 1 of 2 · 11 tickets", timeout=TIMEOUT)
    await page.locator('[data-callback-data^="lp:pn:"]').last.click()
    await expect(messages).to_contain_text("Page 2 of 2 · 11 tickets", timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "lead-list-page2.png"))
    await page.locator('[data-callback-data^="lp:pp:"]').last.click()
    await expect(messages).to_contain_text("Page 1 of 2 · 11 tickets", timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "lead-list.png"))

    # A row's button opens the ticket in the supervisor's private chat.
    await page.locator('[data-callback-data^="open:"]').first.click()
    await act_as(page, SUPERVISOR, SUPERVISOR)
    await expect(messages).to_contain_text("#T1 · After-sales case · open", timeout=TIMEOUT)

    # The assignee adds a photo to T1; the agent opens it from /show, in private.
    await act_as(page, ASSIGNEE, ASSIGNEE)
    await page.locator('[data-callback-data="evi:1"]').last.click()
    picture = tmp_path / "broken-cup.png"
    picture.write_bytes(PIXEL)
    await page.get_by_test_id("attach-input").set_input_files(str(picture))
    await page.get_by_test_id("send-button").click()
    # The bot's acknowledgement, not just the sent photo: /show must find the file stored.
    await expect(messages).to_contain_text(
        re.compile(r"(已添加到|[Aa]dded to) #T1"), timeout=TIMEOUT
    )
    await act_as(page, AGENT, group)
    await type_and_send(page, "/show T1")
    await expect(page.locator('[data-callback-data^="ef:"]').last).to_be_visible(timeout=TIMEOUT)
    await page.locator('[data-callback-data^="ef:"]').last.click()
    await act_as(page, AGENT, AGENT)
    await expect(page.get_by_test_id("message-photo").last).to_be_visible(timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "lead-evidence.png"))

    # An unassigned ticket with Claim; two members press it at once, one wins.
    await act_as(page, AGENT, group)
    await type_and_send(page, "/ticket TB8100 #shipping wrong address on the parcel")
    claim = page.locator('[data-callback-data^="clm:"]').last
    await expect(claim).to_be_visible(timeout=TIMEOUT)
    data = await claim.get_attribute("data-callback-data")
    assert data is not None
    message_id = int(
        next(
            m["message_id"]
            for m in reversed(core.bot_messages(group))
            if data in str(m.get("reply_markup"))
        )
    )
    # Both presses leave before the bot sees either (a click in the panel would find the
    # button gone once the first is answered): the race the bot must settle.
    core.user_press_button(WAREHOUSE, group, message_id, data)
    core.user_press_button(ASSIGNEE, group, message_id, data)
    await expect(messages).to_contain_text("claimed by", timeout=TIMEOUT)
    # The loser of the race learns who won.
    await until(
        lambda: any("Already claimed by" in (a.text or "") for a in core.callback_answers),
        what="the second press's answer",
    )
    # The panel shows the loser's alert.
    await expect(page.get_by_test_id("alert-dialog")).to_contain_text(
        "Already claimed by", timeout=TIMEOUT
    )
    await page.screenshot(path=str(ARTIFACTS / "lead-claim.png"))
    await page.get_by_test_id("alert-ok").click()

    # The supervisor gives T2 two more hours.
    await act_as(page, SUPERVISOR, group)
    await type_and_send(page, "/extend T2 2h customer is travelling")
    await expect(messages).to_contain_text("#T2 now due", timeout=TIMEOUT)

    # The export goes to the supervisor alone, and its progress ends with the total.
    await type_and_send(page, "/export csv")
    await expect(messages).to_contain_text("I sent the export to you privately", timeout=TIMEOUT)
    await act_as(page, SUPERVISOR, SUPERVISOR)
    await expect(page.get_by_test_id("message-document").last).to_be_visible(timeout=TIMEOUT)
    await expect(messages).to_contain_text("Export finished: 12 tickets.", timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "lead-export.png"))

    # The next morning's digest (digest_at already passed today): in private, once.
    await process.terminate()
    await bot_process(
        language="en",
        reply_within="3h",
        remind_before="1h",
        team_extra='digest_at = "00:00"',
    )
    await expect(messages).to_contain_text("Today at E2E team", timeout=TIMEOUT)
    await expect(messages).to_contain_text("Due today", timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "lead-digest.png"))
    await page.close()
