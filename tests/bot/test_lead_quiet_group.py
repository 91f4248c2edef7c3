"""A quieter group: escalations name the order id and kind, and a repeated escalation answers
the first one instead of starting over."""

from __future__ import annotations

from datetime import timedelta

from bot.config import DatabaseSettings
from tests.bot.conftest import StartWorld
from tests.support.botworld import AGENT, GROUP, BotWorld, settings_for


async def _escalated_twice(world: BotWorld) -> tuple[dict[str, object], dict[str, object]]:
    await world.send(AGENT, GROUP, "/ticket TB6001 #aftersale @zhouhao_aftersale 杯子碎了")
    world.clock.advance(timedelta(hours=24, minutes=1))
    await world.bot.sweeper.sweep()
    await world.deliver()
    first = world.last_bot_message(GROUP)
    world.clock.advance(timedelta(hours=2, minutes=1))
    await world.bot.sweeper.sweep()
    await world.deliver()
    return first, world.last_bot_message(GROUP)


async def test_a_repeated_escalation_answers_the_first(
    start_with: StartWorld, database: DatabaseSettings
) -> None:
    world = await start_with(settings_for(database.url, sla={"escalate_again_after": "2h"}))
    first, again = await _escalated_twice(world)

    assert str(first["text"]).startswith("⏰ #T1 售后处理 · 订单 TB6001 超时升级：")
    assert str(again["text"]).startswith("⏰⏰ #T1 售后处理 · 订单 TB6001 升级后仍无人处理")
    replied = again.get("reply_to_message")
    assert isinstance(replied, dict)
    assert replied["message_id"] == first["message_id"]


async def test_english_escalations_name_order_and_kind(
    start_with: StartWorld, database: DatabaseSettings
) -> None:
    settings = settings_for(database.url, language="en", sla={"escalate_again_after": "2h"})
    first, again = await _escalated_twice(await start_with(settings))

    assert str(first["text"]).startswith(
        "⏰ #T1 After-sales case · order TB6001 escalated: Zhou Hao did not reply by"
    )
    assert str(again["text"]).startswith(
        "⏰⏰ #T1 After-sales case · order TB6001 is still untouched since its escalation"
    )
    replied = again.get("reply_to_message")
    assert isinstance(replied, dict)
    assert replied["message_id"] == first["message_id"]
