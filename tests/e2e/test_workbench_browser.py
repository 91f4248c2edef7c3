"""The workbench in Debian's chromium against `ticketbot demo`: opened from the chat panel's
menu button with initData the emulator signs, a supervisor finds an overdue ticket in its
bucket, looks at its evidence picture, reassigns it and approves a cancel request; an assignee
records "agreed" with a picture uploaded from the page, and the group shows it resolved.

Every wait is on a condition (Playwright's expect, the demo's "running" line); nothing sleeps."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, FrameLocator, Page, expect

from tests.e2e.harness import free_port
from tests.e2e.test_browser import ARTIFACTS, PIXEL, act_as, type_and_send
from tests.support.browser import chromium

AGENT, ASSIGNEE, OTHER_ASSIGNEE, SUPERVISOR = 1001, 1002, 1003, 1004
ROOT = Path(__file__).resolve().parents[2]
#: The workbench's texts the test reads (bot/i18n/*-workbench.po) and the group's notices.
SAYS = {
    "en": {
        "team": "Team",
        "overdue": "Overdue",
        "evidence": "Evidence (1)",
        "added": "Evidence added",
        "resolved_topic": "resolved",
        "cancelled": "cancelled",
        "created": "created",
    },
    "zh": {
        "team": "团队",
        "overdue": "已超时",
        "evidence": "凭证 (1)",
        "added": "凭证已添加",
        "resolved_topic": "已解决",
        "cancelled": "已取消",
        "created": "已创建",
    },
}

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@dataclass
class Demo:
    process: asyncio.subprocess.Process
    panel: str
    data_dir: Path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def _start_demo(tmp_path: Path, language: str) -> Demo:
    port = free_port()
    data_dir = tmp_path / "demo-data"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--port", str(port), "--reset",
        "--data-dir", str(data_dir), "--lang", language,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    seen: list[str] = []

    async def running() -> str:
        assert process.stdout is not None
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError("the demo stopped:\n" + "".join(seen[-30:]))
            seen.append(line)
            if "Ticketbot demo is running: open " in line:
                return line.split("open ", 1)[1].split(" in your browser")[0]

    panel = await asyncio.wait_for(running(), timeout=120)

    async def drain() -> None:
        assert process.stdout is not None
        while await process.stdout.readline():
            pass

    asyncio.get_running_loop().create_task(drain())
    return Demo(process, panel, data_dir)


@pytest.fixture
async def demo_factory(tmp_path: Path) -> AsyncIterator[list[Demo]]:
    started: list[Demo] = []
    yield started
    for demo in started:
        if demo.process.returncode is None:
            demo.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(demo.process.wait(), timeout=30)
            except TimeoutError:
                demo.process.kill()
                await demo.process.wait()


async def open_workbench(page: Page, persona: int) -> FrameLocator:
    """The persona's private chat, its menu button, the Mini App in the side pane."""
    await act_as(page, persona, persona)
    await page.get_by_test_id("webapp-menu-button").click()
    await expect(page.get_by_test_id("webapp-pane")).to_be_visible()
    return page.frame_locator('[data-testid="webapp-frame"]')


async def open_ticket(app: FrameLocator, order_id: str) -> str:
    """Search by order id, open the ticket; its tag (T5)."""
    await app.get_by_test_id("tab-search").click()
    await app.get_by_test_id("search").fill(order_id)
    await app.get_by_test_id("search").press("Enter")
    row = app.locator('[data-testid="ticket"]', has_text=order_id)
    await expect(row).to_have_count(1)
    await row.click()
    await expect(app.get_by_test_id("ticket-order")).to_have_text(order_id)
    title = await app.get_by_test_id("ticket-title").inner_text()
    return title.split(" ")[0]


async def act(app: FrameLocator, action: str, text: str | None = None) -> None:
    await app.get_by_test_id(f"action-{action}").click()
    form = app.get_by_test_id(f"form-{action}")
    if text is not None:
        await form.get_by_test_id("action-text").fill(text)
    await form.get_by_test_id("action-confirm").click()
    await expect(app.get_by_test_id("toast")).to_be_visible()


def backdate(data_dir: Path, order_id: str) -> None:
    """The ticket's deadline passed ten minutes ago (its escalation stays planned for later:
    the demo's deadlines are minutes long, and a test does not wait for one)."""
    with sqlite3.connect(data_dir / "demo.db", timeout=30) as connection:
        connection.execute(
            "UPDATE tickets SET due_at = datetime('now', '-10 minutes') WHERE order_id = ?",
            (order_id,),
        )


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_workbench_from_the_panel(
    demo_factory: list[Demo], browser: Browser, tmp_path: Path, language: str
) -> None:
    says = SAYS[language]
    # The bot and the demo work in another process: every expectation waits up to 20 s.
    expect.set_options(timeout=20_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    demo = await _start_demo(tmp_path, language)
    demo_factory.append(demo)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(demo.panel)
    await expect(page.get_by_test_id("connection-state")).to_have_class("live ok")
    await page.get_by_test_id("lang-select").select_option(language)
    messages = page.get_by_test_id("message-list")
    group_chat = page.locator('[data-testid^="chat--"]').first

    # The agent opens three tickets for Zhou Hao in the group.
    await page.get_by_test_id("persona-select").select_option(str(AGENT))
    await group_chat.click()
    for order, text in (
        ("TB9001", "Cup broken"),
        ("TB9002", "Wrong colour"),
        ("TB9003", "Lid missing"),
    ):
        await type_and_send(page, f"/ticket {order} #aftersale @zhouhao_aftersale {text}")
        await expect(messages).to_contain_text(order)
    for persona in (ASSIGNEE, SUPERVISOR):
        await act_as(page, persona, persona)
        await type_and_send(page, f"/lang {language}")

    # Zhou Hao, from the workbench: a picture on TB9001, a cancel request on TB9002.
    app = await open_workbench(page, ASSIGNEE)
    await open_ticket(app, "TB9001")
    picture = tmp_path / "cup.png"
    picture.write_bytes(PIXEL)
    await app.get_by_test_id("upload").set_input_files(str(picture))
    await expect(app.get_by_test_id("upload-progress")).to_contain_text(says["added"])
    await open_ticket(app, "TB9002")
    await act(app, "request_cancel", "customer withdrew")
    await expect(app.get_by_test_id("cancel-request")).to_be_visible(timeout=20_000)

    # TB9001's deadline passes; the supervisor sees it in the Overdue bucket.
    backdate(demo.data_dir, "TB9001")
    app = await open_workbench(page, SUPERVISOR)
    await app.get_by_test_id("tab-team").click()
    await expect(app.get_by_test_id("count-overdue")).to_have_text("1")
    await app.get_by_test_id("bucket-overdue").click()
    overdue = app.locator('[data-testid="ticket"]')
    await expect(overdue).to_have_count(1)
    await expect(overdue).to_contain_text("TB9001")
    await expect(overdue.locator(".due.over")).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / f"workbench-panel-{language}.png"))
    frame_url = await page.get_by_test_id("webapp-frame").get_attribute("src")
    # The same page on a phone (390×844), as the supervisor sees the team.
    assert frame_url
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    address, fragment = frame_url.split("#", 1)
    await phone.goto(f"{address}?view=team#{fragment}")
    await expect(phone.get_by_test_id("count-overdue")).to_have_text("1")
    await phone.screenshot(path=str(ARTIFACTS / f"workbench-phone-{language}.png"))
    await phone.close()
    await overdue.click()
    await expect(app.get_by_test_id("evidence-list")).to_contain_text(says["evidence"])
    image = app.get_by_test_id("evidence-image")
    await expect(image).to_have_attribute("src", re.compile(r"^blob:"))
    # The 1×1 picture the assignee uploaded, decoded: it came through the bot.
    await expect(image).to_have_js_property("naturalWidth", 1)

    # Reassign it to Chen Jing.
    await app.get_by_test_id("action-transfer").click()
    await (
        app.get_by_test_id("form-transfer")
        .get_by_test_id("action-assignee")
        .select_option(str(OTHER_ASSIGNEE))
    )
    await app.get_by_test_id("form-transfer").get_by_test_id("action-confirm").click()
    await expect(app.get_by_test_id("ticket-assignee")).to_have_text("Chen Jing")

    # Approve Zhou Hao's cancel request on TB9002.
    await app.get_by_test_id("back").click()
    await open_ticket(app, "TB9002")
    await act(app, "approve_cancel")
    await expect(app.get_by_test_id("ticket-status")).to_contain_text(says["cancelled"])

    # Zhou Hao records "agreed" on TB9003 with a picture uploaded from the page.
    app = await open_workbench(page, ASSIGNEE)
    tag = await open_ticket(app, "TB9003")
    await app.get_by_test_id("upload").set_input_files(str(picture))
    await expect(app.get_by_test_id("upload-progress")).to_contain_text(says["added"])
    await act(app, "agree")
    await expect(app.get_by_test_id("ticket-status")).to_contain_text(says["resolved_topic"])
    await page.get_by_test_id("webapp-close").click()

    # The group shows it resolved: the ticket's topic is named with its new status.
    await page.get_by_test_id("persona-select").select_option(str(AGENT))
    await group_chat.click()
    topic = page.locator(".topic-chip", has_text=f"#{tag} ")
    await expect(topic).to_contain_text(says["resolved_topic"])
    await page.screenshot(path=str(ARTIFACTS / f"workbench-group-{language}.png"))
    await page.close()
