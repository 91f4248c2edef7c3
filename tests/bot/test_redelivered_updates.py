"""Telegram delivers an update again (a timeout, a crash, a redeploy): every command that changes
a ticket takes effect once — one event, one set of notices, one answer — and /remind nudges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.model import EventType
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld

Setup = Callable[[BotWorld], Awaitable[None]]


async def _nothing(world: BotWorld) -> None:
    return None


async def _ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()


async def _disagreed(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome T1 disagreed 客户要全额退款")
    await world.deliver()


async def _ruled(world: BotWorld) -> None:
    await _disagreed(world)
    await world.send(SUPERVISOR, GROUP, "/verdict T1 平台判商家承担")
    await world.deliver()


@dataclass(frozen=True)
class Case:
    setup: Setup
    persona: Any
    chat: int
    text: str
    event: EventType


CASES = {
    "ticket": Case(
        _nothing,
        AGENT,
        GROUP,
        "/ticket TB2002 #shipping @zhouhao_aftersale 今天发货",
        EventType.CREATED,
    ),
    "note": Case(_ticket, AGENT, GROUP, "/note T1 客户下午回电", EventType.NOTE),
    "transfer": Case(
        _ticket, AGENT, GROUP, "/transfer T1 @wanglei_lead 主管处理", EventType.TRANSFERRED
    ),
    "outcome": Case(_ticket, ASSIGNEE, ASSIGNEE.id, "/outcome T1 agreed 已补发", EventType.OUTCOME),
    "cancel_request": Case(
        _ticket, AGENT, GROUP, "/cancel T1 重复工单", EventType.CANCEL_REQUESTED
    ),
    "verdict": Case(_disagreed, SUPERVISOR, GROUP, "/verdict T1 平台判商家承担", EventType.RULED),
    "appeal": Case(_ruled, ASSIGNEE, ASSIGNEE.id, "/appeal T1 有聊天记录为证", EventType.APPEALED),
    "reopen": Case(_disagreed, SUPERVISOR, GROUP, "/reopen T1 再试一次", EventType.REOPENED),
    "remind": Case(_ticket, AGENT, GROUP, "/remind T1 客户在等", EventType.NUDGED),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_redelivered_command_takes_effect_once(world: BotWorld, name: str) -> None:
    case = CASES[name]
    await case.setup(world)
    update = await world.send(case.persona, case.chat, case.text)
    events = await world.timeline(1)
    outbox = len(await world.outbox())
    answers = len(world.core.bot_messages(case.chat))

    await world.bot.process(update)

    assert await world.timeline(1) == events
    assert events.count(case.event) == 1
    assert len(await world.outbox()) == outbox
    assert len(world.core.bot_messages(case.chat)) == answers


async def test_a_redelivered_button_press_takes_effect_once(world: BotWorld) -> None:
    await _ticket(world)
    card = world.last_bot_message(ASSIGNEE.id)
    update = await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    outbox = len(await world.outbox())

    await world.bot.process(update)

    assert (await world.timeline(1)).count(EventType.ACKNOWLEDGED) == 1
    assert len(await world.outbox()) == outbox


async def test_remind_sends_the_card_again_with_the_text(world: BotWorld) -> None:
    await _ticket(world)
    cards = len(world.core.bot_messages(ASSIGNEE.id))

    await world.send(AGENT, GROUP, "/remind T1 客户在等回复")
    await world.deliver()

    assert world.last_bot_message(GROUP)["text"] == "🔔 #T1：已重新把工单卡片发给处理人。"
    assert len(world.core.bot_messages(ASSIGNEE.id)) == cards + 1
    card = world.last_bot_message(ASSIGNEE.id)
    assert card["text"].startswith("🔔 Lin Mei 催办此工单：客户在等回复\n\n")
    assert "✋ 确认接单" in world.buttons(card)
    assert await world.timeline(1) == [EventType.CREATED, EventType.NUDGED]


async def test_remind_is_refused_within_ten_minutes_and_says_when(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(AGENT, GROUP, "/remind T1")
    world.clock.advance(timedelta(minutes=4))

    await world.send(AGENT, GROUP, "/remind T1 再催一次")

    assert world.last_bot_message(GROUP)["text"] == "#T1 刚刚催办过；6分钟后才能再次催办。"
    world.clock.advance(timedelta(minutes=6))
    await world.send(AGENT, GROUP, "/remind T1 再催一次")
    assert (await world.timeline(1)).count(EventType.NUDGED) == 2


async def test_only_the_creator_or_a_supervisor_reminds(world: BotWorld) -> None:
    await _ticket(world)

    await world.send(ASSIGNEE, GROUP, "/remind T1")

    assert (await world.timeline(1)).count(EventType.NUDGED) == 0
    assert "催办" in world.last_bot_message(GROUP)["text"]
