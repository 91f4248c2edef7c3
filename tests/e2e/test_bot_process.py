"""The whole product brief against the real `ticketbot run` process, in polling and webhook
mode: what the emulator received is what a Telegram user would have seen."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.e2e.conftest import BotFactory
from tests.e2e.harness import until

pytestmark = pytest.mark.e2e

AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR = 1001, 1002, 1003, 1004
#: A 1×1 PNG: enough for Telegram (and the emulator) to call it a photo.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
#: Kinds with deadlines of seconds, so an escalation happens within the test.
FAST_KINDS = """
[kinds.stockout]
reply_within = "3s"
remind_before = "2s"
"""


def said(core: EmulatorCore, chat_id: int, *needles: str) -> dict[str, Any] | None:
    """The newest message of the bot in `chat_id` containing every needle, if any."""
    for message in reversed(core.bot_messages(chat_id)):
        text = str(message.get("text") or message.get("caption") or "")
        if all(needle in text for needle in needles):
            return dict(message)
    return None


def button(message: dict[str, Any], prefix: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for key in row:
            value = key.get("callback_data") or key.get("url") or ""
            if value.startswith(prefix):
                return str(value)
    raise AssertionError(f"no button {prefix!r} on {message.get('text')!r}")


async def introduce(core: EmulatorCore) -> None:
    for persona in (AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR):
        core.user_send_text(persona, core.scenario.groups[0].id, "Hello team")


async def press(
    core: EmulatorCore, user: int, chat: int, message: dict[str, Any], data: str
) -> None:
    core.user_press_button(user, chat, int(message["message_id"]), data)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_product_brief_end_to_end(
    emulator: tuple[EmulatorCore, RunningServer], bot_process: BotFactory, mode: str
) -> None:
    core, _ = emulator
    group = core.scenario.groups[0].id
    await bot_process(mode=mode, extra=FAST_KINDS)
    await introduce(core)

    # An agent turns a chat into a ticket; the assignee gets a card in private.
    core.user_send_text(
        AGENT, group, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了，要求补发"
    )
    await until(lambda: said(core, group, "#T1"), what="the creation reply")
    card = await until(lambda: said(core, ASSIGNEE, "#T1", "TB1001"), what="the assignee's card")

    # Agreed, then evidence, then Finish: resolved, and the group hears of it. (The assignee's
    # Telegram is set to Chinese, so the private chat is in Chinese; the group in English.)
    await press(core, ASSIGNEE, ASSIGNEE, card, button(card, "agr:"))
    prompt = await until(lambda: said(core, ASSIGNEE, "#T1", "协商凭证"), what="evidence prompt")
    core.user_send_photo(ASSIGNEE, ASSIGNEE, PIXEL, caption="聊天截图")
    await until(lambda: said(core, ASSIGNEE, "已添加到 #T1"), what="the evidence receipt")
    await press(core, ASSIGNEE, ASSIGNEE, prompt, button(prompt, "fin:"))
    await until(lambda: said(core, ASSIGNEE, "#T1", "共保存 1 个"), what="Finish")
    await until(lambda: said(core, group, "#T1", "resolved"), what="the group's resolved notice")

    # A deadline of seconds passes unanswered: reminder, then escalation with supervisors.
    core.user_send_text(AGENT, group, "/ticket TB2002 #stockout @zhouhao_aftersale 缺货，通知客户")
    await until(lambda: said(core, ASSIGNEE, "#T2", "请尽快回复"), what="the reminder")
    await until(lambda: said(core, group, "#T2", "escalated"), what="the escalation")

    # An agent's cancel is a request; a supervisor approves it; the assignee is told.
    core.user_send_text(AGENT, group, "/ticket TB3003 #task @zhouhao_aftersale 重复的单")
    await until(lambda: said(core, group, "#T3"), what="T3")
    core.user_send_text(AGENT, group, "/cancel T3 duplicate of T1")
    request = await until(lambda: said(core, group, "#T3", "asks to cancel"), what="the request")
    await press(core, SUPERVISOR, group, request, button(request, "cap:"))
    await until(lambda: said(core, ASSIGNEE, "#T3", "取消"), what="the assignee told")

    # A supervisor cancels directly, after a confirmation.
    core.user_send_text(AGENT, group, "/ticket TB4004 #task @zhouhao_aftersale 测试")
    await until(lambda: said(core, group, "#T4"), what="T4")
    core.user_send_text(SUPERVISOR, group, "/cancel T4 customer withdrew")
    confirm = await until(lambda: said(core, group, "Cancel #T4"), what="the confirmation")
    await press(core, SUPERVISOR, group, confirm, button(confirm, "ccf:"))
    await until(lambda: said(core, group, "#T4 cancelled"), what="the cancellation")

    # Someone who never started the bot: the card goes to the group with a deep link;
    # pressing Start delivers it in private.
    core.user_send_text(AGENT, group, "/ticket TB5005 #shipping @chenjing_wh 今天发补发件")
    fallback = await until(lambda: said(core, group, "#T5", "start me"), what="the fallback")
    link = button(fallback, "https://t.me/")
    assert "?start=" in link
    core.user_follow_url(NEWCOMER, link)
    await until(lambda: said(core, NEWCOMER, "#T5", "TB5005"), what="the card after /start")


async def test_webhook_refuses_updates_without_the_secret(
    emulator: tuple[EmulatorCore, RunningServer], bot_process: BotFactory
) -> None:
    core, _ = emulator
    group = core.scenario.groups[0].id
    process = await bot_process(mode="webhook", secret="right-secret")
    update = {
        "update_id": 999_000_001,
        "message": {
            "message_id": 77,
            "date": 1_800_000_000,
            "chat": {"id": group, "type": "supergroup", "title": "x"},
            "from": {"id": AGENT, "is_bot": False, "first_name": "Lin"},
            "text": "/ticket TB9999 #task forged",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    url = f"http://127.0.0.1:{process.port}/telegram/webhook"
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                assert response.status == 403
    health = await process.health()
    assert health is not None
    assert health["mode"] == "webhook"
    assert said(core, group, "#T") is None  # nothing was processed


async def test_sigterm_drains_and_exits_cleanly(
    emulator: tuple[EmulatorCore, RunningServer], bot_process: BotFactory
) -> None:
    core, _ = emulator
    process = await bot_process()
    await introduce(core)
    core.user_send_text(AGENT, core.scenario.groups[0].id, "/help")
    await until(lambda: said(core, core.scenario.groups[0].id, "/ticket"), what="the help")

    assert await process.terminate() == 0
    log = process.log.read_text()
    assert "stopped" in log
    assert core.bot.token not in log  # the token never appears in a log line
