"""First light: a one-line /ticket in the group reaches the assignee's private chat."""

from __future__ import annotations

from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld


async def test_one_line_ticket_creates_and_cards_the_assignee(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB20261102001 #aftersale @zhouhao_aftersale 杯子碎了")

    reply = world.last_bot_message(GROUP)
    assert "#T1" in reply["text"], reply
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    assert "#T1" in card["text"]
    assert "TB20261102001" in card["text"]
    print(reply["text"])
    print(card["text"])
    print(world.buttons(card))
