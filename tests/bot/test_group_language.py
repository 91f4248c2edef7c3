"""Every message in a group speaks the group's language, whoever it is about or for."""

from __future__ import annotations

from datetime import timedelta

from tests.support.botworld import AGENT, GROUP, BotWorld


async def test_a_reminder_for_an_english_speaker_comes_to_a_chinese_group_in_chinese(
    world: BotWorld,
) -> None:
    # Chen Jing's app speaks English and she never started the bot: her card and her
    # reminder come to the group instead.
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @chenjing_wh 杯子碎了")
    await world.deliver()
    assert world.last_bot_message(GROUP)["text"].startswith("Chen Jing，#T1 需要你处理")
    world.clock.advance(timedelta(hours=20, minutes=1))
    await world.bot.sweeper.sweep()
    await world.deliver()

    reminder = world.last_bot_message(GROUP)["text"]
    assert reminder.startswith("Chen Jing，#T1 需要你处理")
    assert reminder.endswith(
        "⏳ #T1 售后处理 · 订单 TB1001 将于 11月3日 09:00 到期（还剩 4小时），请尽快回复。"
    )


async def test_discarding_in_an_english_group_is_said_in_english(english_world: BotWorld) -> None:
    world = english_world
    # Lin Mei's app speaks Chinese; the group speaks English.
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 又坏了一个")
    warning = world.last_bot_message(GROUP)

    await world.press_text(AGENT, GROUP, warning, "✖️ Discard")

    edited = world.core.message(GROUP, int(warning["message_id"]))
    assert edited is not None
    assert edited["text"] == "Discarded; nothing was created."
