"""A person at the chat panel in a forum group: a ticket gets its topic, shown as a thread
with the notes typed in it, and the inline box finds the ticket by its order id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from emulator.core import EmulatorCore
from emulator.scenario import Scenario, demo_scenario
from emulator.server import RunningServer, start_server
from tests.e2e.harness import BotProcess, config_text
from tests.e2e.test_browser import ARTIFACTS, act_as, type_and_send
from tests.support.browser import chromium

AGENT, ASSIGNEE = 1001, 1002

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def forum_scenario() -> Scenario:
    base = demo_scenario()
    group = replace(base.groups[0], is_forum=True)
    bot = replace(base.bot, supports_inline_queries=True)
    return replace(base, bot=bot, groups=(group,))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def forum() -> AsyncIterator[tuple[EmulatorCore, RunningServer]]:
    core = EmulatorCore(forum_scenario())
    server = await start_server(core, "127.0.0.1", 0)
    yield core, server
    await server.stop()
    await core.aclose()


@pytest.fixture
async def bot_in_forum(
    forum: tuple[EmulatorCore, RunningServer], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    core, server = forum
    config = tmp_path / "config.toml"
    text = config_text(server, core, tmp_path / "bot.db", 0, language="en")
    config.write_text(
        text.replace('name = "E2E team"', 'name = "E2E team"\ntopics = "per_ticket"'),
        encoding="utf-8",
    )
    process = BotProcess(config, tmp_path / "bot.log", 0)
    await process.start()
    yield process
    if process.process is not None and process.process.returncode is None:
        await process.terminate()


async def test_a_tickets_topic_shows_in_the_panel_with_its_notes(
    forum: tuple[EmulatorCore, RunningServer], bot_in_forum: BotProcess, browser: Browser
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    core, server = forum
    group = core.scenario.groups[0].id
    for persona in (AGENT, ASSIGNEE):
        core.user_send_text(persona, group, "Hello team")
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await page.goto(server.url + "/")
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    messages = page.get_by_test_id("message-list")

    await act_as(page, AGENT, group)
    await type_and_send(page, "/ticket TB8001 #aftersale @zhouhao_aftersale Cup arrived broken")
    await expect(messages).to_contain_text("#T1 created", timeout=20_000)

    # The ticket's topic appears as a thread; the agent opens it and writes a note there.
    topic = page.locator('.topic-chip:not([data-testid="topic-general"])')
    await expect(topic).to_contain_text("#T1 · After-sales case · TB8001 · open", timeout=20_000)
    await topic.click()
    await type_and_send(page, "Customer is home after 5pm")
    await expect(messages).to_contain_text("Customer is home after 5pm", timeout=20_000)
    await expect(messages).not_to_contain_text("#T1 created")

    # The note is on the ticket's timeline: the assignee hears of it in private.
    await act_as(page, ASSIGNEE, ASSIGNEE)
    await expect(messages).to_contain_text("Customer is home after 5pm", timeout=20_000)

    # Back in the topic, the inline box finds the ticket by its order id.
    await act_as(page, AGENT, group)
    await topic.click()
    await page.get_by_test_id("inline-input").fill("TB80")
    await page.get_by_test_id("inline-input").press("Enter")
    result = page.get_by_test_id("inline-result")
    await expect(result).to_contain_text("TB8001", timeout=20_000)
    await page.screenshot(path=str(ARTIFACTS / "panel-topic-inline.png"))
    await result.first.click()
    await expect(messages).to_contain_text("Cup arrived broken", timeout=20_000)
    await page.screenshot(path=str(ARTIFACTS / "panel-topic.png"))
    await page.close()
