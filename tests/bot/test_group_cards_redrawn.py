"""A ticket whose assignee never started the bot has its card in the group (the call with the
ticket's summary): that card is redrawn in place whenever the ticket changes, like the
assignee's private card, instead of staying at the state it was first drawn in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.botworld import AGENT, GROUP, NEWCOMER, SUPERVISOR, BotWorld


def _group_card(world: BotWorld) -> dict[str, Any]:
    cards = [m for m in world.core.bot_messages(GROUP) if "📝 今天发货" in str(m.get("text"))]
    assert len(cards) == 1, [m.get("text") for m in cards]
    return cards[0]


async def test_the_group_card_follows_its_ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    await world.deliver()
    card = _group_card(world)
    assert card["text"].startswith("Chen Jing，#T1 需要你处理")
    assert "🟡 #T1 · 发货 · 待处理" in card["text"]

    await world.send(SUPERVISOR, GROUP, "/hold T1 等客户回电")
    await world.deliver()

    redrawn = _group_card(world)
    assert redrawn["message_id"] == card["message_id"]
    assert "挂起" not in card["text"]
    assert "⏸ 自 11月2日 09:00 起挂起" in redrawn["text"]
    assert redrawn["text"].startswith("Chen Jing，#T1 需要你处理")  # still the call
    assert world.buttons(redrawn) == world.buttons(card)


async def test_transferred_to_someone_the_bot_can_write_to_the_group_card_says_so(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    await world.deliver()
    card = _group_card(world)

    await world.send(AGENT, GROUP, "/transfer T1 @zhouhao_aftersale 他负责发货")
    await world.deliver()

    redrawn = _group_card(world)
    assert redrawn["message_id"] == card["message_id"]
    assert "Zhou Hao" in redrawn["text"]
    assert "Chen Jing，#T1 需要你处理" not in redrawn["text"]


async def test_a_refused_card_refresh_redraws_the_group_card_rather_than_posting_again(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    await world.deliver()
    before = len(world.core.bot_messages(GROUP))

    await world.send(SUPERVISOR, GROUP, "/hold T1 等客户回电")
    await world.deliver()
    await world.send(SUPERVISOR, GROUP, "/resume T1")
    await world.deliver()

    # Only the replies to /hold and /resume are new: the card was edited, not posted anew.
    assert len(world.core.bot_messages(GROUP)) <= before + 2 + 2
    _group_card(world)
    assert NEWCOMER.id not in {m["chat"]["id"] for m in world.core.bot_messages(GROUP)}


async def test_once_the_assignee_starts_the_bot_the_group_card_stops_calling_on_them(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    await world.deliver()
    card = _group_card(world)
    assert card["text"].startswith("Chen Jing，#T1 需要你处理")

    await world.bot.process(world.core.user_start(NEWCOMER.id))
    await world.deliver()

    redrawn = _group_card(world)
    assert redrawn["message_id"] == card["message_id"]
    assert "需要你处理" not in redrawn["text"]  # the summary now, not the call
    assert "🟡 #T1 · 发货 · 待处理" in redrawn["text"]


async def test_the_sweep_redraws_the_group_cards_of_the_tickets_it_escalates(
    world: BotWorld,
) -> None:
    """The sweep reads the group cards of its whole batch at once: each escalated ticket's
    own card is redrawn, and a ticket without one gets none."""
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    await world.send(AGENT, GROUP, "/ticket TB1002 #shipping @zhouhao_aftersale 明天发货")
    await world.deliver()
    card = _group_card(world)
    assert "已升级" not in card["text"]
    before = len(world.core.bot_messages(GROUP))

    world.clock.advance(timedelta(days=3))
    assert await world.bot.sweeper.sweep() == 2
    await world.deliver()

    redrawn = _group_card(world)
    assert redrawn["message_id"] == card["message_id"]
    assert "🚨 #T1 · 发货 · 已升级" in redrawn["text"]
    assert "#T2" not in redrawn["text"]
    # Nothing in the group shows T2's summary: it never had a card there.
    assert not [m for m in world.core.bot_messages(GROUP) if "📝 明天发货" in str(m.get("text"))]
    assert len(world.core.bot_messages(GROUP)) > before  # the escalations themselves
