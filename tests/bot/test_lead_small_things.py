"""The small things a review saw: Cancel at every step of the guided dialogue, /help lists the
kinds with their hashtags, "83秒" not "83秒钟", refusals that say who may, an escalated ticket
whose refusal to be marked done says what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.model import Language
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


async def test_each_step_of_the_guided_ticket_can_be_discarded(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "取消")
    assert world.last_bot_message(GROUP)["text"] == "已放弃，未创建工单。"

    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "TB7001")
    kinds = world.last_bot_message(GROUP)
    assert "✖️ 放弃" in world.buttons(kinds)
    await world.press_text(AGENT, GROUP, kinds, "售后处理")
    assignees = world.core.message(GROUP, kinds["message_id"]) or {}
    assert "✖️ 放弃" in world.buttons(assignees)
    await world.press_text(AGENT, GROUP, assignees, "Zhou Hao")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "cancel")

    assert world.last_bot_message(GROUP)["text"] == "已放弃，未创建工单。"
    assert await world.tickets() == []


async def test_the_kind_step_discards_in_english(english_world: BotWorld) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "TB7002")
    kinds = world.last_bot_message(GROUP)

    await world.press_text(AGENT, GROUP, kinds, "✖️ Discard")

    assert (world.core.message(GROUP, kinds["message_id"]) or {})[
        "text"
    ] == "Discarded; nothing was created."
    assert await world.tickets() == []


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (Language.ZH, "工单类型：#review 审单 · #shipping 发货 · #waybill 打单"),
        (Language.EN, "Kinds: #review Order review · #shipping Shipping"),
    ],
)
def test_help_lists_the_kinds_with_their_hashtags(
    world: BotWorld, language: Language, line: str
) -> None:
    app = world.bot.application.bot_data
    shown = app.renderer.help(app.catalogs[language], private=False).text
    assert any(row.startswith(line) for row in shown.split("\n"))


def test_seconds_read_as_people_write_them(world: BotWorld) -> None:
    texts = world.bot.application.bot_data.catalogs[Language.ZH]
    assert texts.span(timedelta(seconds=83)) == "83秒"


async def test_refusals_say_who_may(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB7003 #collab @zhouhao_aftersale 平台协同工单")
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🙅 未协商一致")
    await world.send(SUPERVISOR, GROUP, "/verdict T1 平台判定退款")

    await world.send(AGENT, GROUP, "/appeal T1 我们有证据")

    assert world.last_bot_message(GROUP)["text"] == "只有处理人或主管可以申诉。"


async def test_an_escalated_ticket_says_how_to_go_on(english_world: BotWorld) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket TB7004 #shipping @zhouhao_aftersale ship it")
    world.clock.advance(timedelta(days=3))
    await world.bot.sweeper.sweep()

    await world.send(ASSIGNEE, GROUP, "/outcome T1 done")

    assert world.last_bot_message(GROUP)["text"] == (
        "#T1 is escalated: a supervisor can /extend it to give you more time, "
        "or record the ruling with /verdict."
    )
