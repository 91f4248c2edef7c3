"""Membership comes from the group, never from being mentioned: a text mention of someone
who is not in the team's group neither enrols them nor lets them read the team's tickets."""

from __future__ import annotations

from typing import Any

from tests.support.botworld import AGENT, ASSIGNEE, GROUP, OUTSIDER, BotWorld


def _with_text_mention(update: dict[str, Any], text: str, name: str, user_id: int) -> None:
    update["message"]["entities"].append(
        {
            "type": "text_mention",
            "offset": text.index(name),
            "length": len(name),
            "user": {"id": user_id, "is_bot": False, "first_name": name},
        }
    )


async def test_a_transfer_to_a_mentioned_outsider_is_refused_and_enrols_nobody(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    text = "/transfer T1 Mallory 请你处理"
    update = world.core.user_send_text(AGENT.id, GROUP, text)
    _with_text_mention(update, text, "Mallory", OUTSIDER.id)

    await world.bot.process(update)

    assert (await world.ticket(1)).assignee_id == ASSIGNEE.id
    assert "Mallory" in world.last_bot_message(GROUP)["text"]
    await world.send(OUTSIDER, OUTSIDER.id, "/show T1")
    assert world.last_bot_message(OUTSIDER.id)["text"] == (
        "You are not in any team of mine yet: write something in your team's group first."
    )
