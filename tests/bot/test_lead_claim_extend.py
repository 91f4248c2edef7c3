"""Claim (领取) an unassigned ticket, extend (延期) a deadline, and a transfer that keeps the
customer's clock but reminds a new assignee at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import EventType, Status
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, NEWCOMER, SUPERVISOR, BotWorld


async def test_the_first_member_to_press_claim_takes_the_ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB2001 #shipping 地址写错了，要改")
    posted = world.last_bot_message(GROUP)
    assert posted["text"].startswith("🆕 已创建 #T1，暂未指派处理人")
    assert list(world.buttons(posted)) == ["🙋 领取"]

    # Both press the button as it was: the second press arrives before its edit.
    data = world.buttons(posted)["🙋 领取"]
    first = world.core.user_press_button(ASSIGNEE.id, GROUP, int(posted["message_id"]), data)
    second = world.core.user_press_button(SUPERVISOR.id, GROUP, int(posted["message_id"]), data)
    await world.bot.process(first)
    await world.bot.process(second)
    await world.deliver()

    ticket = await world.ticket(1)
    assert ticket.assignee_id == ASSIGNEE.id
    assert await world.timeline(1) == [EventType.CREATED, EventType.CLAIMED]
    assert world.alerts()[-1] == "已被 Zhou Hao 领取。"
    claimed = world.core.message(GROUP, int(posted["message_id"])) or {}
    assert claimed["text"].endswith("🙋 #T1 已由 Zhou Hao 领取。")
    assert "reply_markup" not in claimed
    card = world.last_bot_message(ASSIGNEE.id)
    assert card["text"].startswith("🟡 #T1 · 发货 · 待处理")
    assert "✋ 确认接单" in world.buttons(card)


async def test_an_unclaimed_tickets_reminder_calls_on_the_supervisors(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB2002 #aftersale 客户要求退款")

    world.clock.advance(timedelta(hours=21))
    await world.bot.sweeper.sweep()
    await world.deliver()

    reminder = world.last_bot_message(GROUP)
    assert reminder["text"] == (
        "⏳ #T1 售后处理 · 订单 TB2002 将于 11月3日 09:00 到期（还剩 3小时），至今无人领取。\n"
        "主管：Wang Lei"
    )
    assert world.entities(reminder, "text_mention") == ["Wang Lei"]
    assert list(world.buttons(reminder)) == ["🙋 领取", "⏳ 延期 2 小时", "⏳ 延期 24 小时"]

    await world.press_text(NEWCOMER, GROUP, reminder, "🙋 领取")
    assert (await world.ticket(1)).assignee_id == NEWCOMER.id


async def test_english_claim_race_tells_the_loser_who_won(english_world: BotWorld) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket TB2003 #shipping wrong address")
    posted = world.last_bot_message(GROUP)

    data = world.buttons(posted)["🙋 Claim"]
    message_id = int(posted["message_id"])
    presses = [
        world.core.user_press_button(persona.id, GROUP, message_id, data)
        for persona in (NEWCOMER, ASSIGNEE)
    ]
    # At the same time: one wins, whichever it is; the other learns who.
    await asyncio.gather(*(world.bot.process(press) for press in presses))

    winner = (await world.ticket(1)).assignee_id
    assert winner in (NEWCOMER.id, ASSIGNEE.id)
    name = "Chen Jing" if winner == NEWCOMER.id else "Zhou Hao"
    assert world.alerts() == [f"Already claimed by {name}."]
    assert await world.timeline(1) == [EventType.CREATED, EventType.CLAIMED]


async def test_supervisors_extend_and_the_assignee_hears_of_it(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB2004 #aftersale @zhouhao_aftersale 杯子碎了")
    due = (await world.ticket(1)).due_at

    await world.send(AGENT, GROUP, "/extend T1 2h 客户出差")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以延期。"
    await world.send(SUPERVISOR, GROUP, "/extend T1 soon 客户出差")
    assert world.last_bot_message(GROUP)["text"].startswith("“soon” 不是有效时长")

    await world.send(SUPERVISOR, GROUP, "/extend T1 2h 客户出差")
    await world.deliver()

    assert world.last_bot_message(GROUP)["text"] == "⏳ #T1 已延期，新的截止时间：11月3日 11:00。"
    ticket = await world.ticket(1)
    assert ticket.due_at == due + timedelta(hours=2)
    assert await world.timeline(1) == [EventType.CREATED, EventType.EXTENDED]
    told = world.last_bot_message(ASSIGNEE.id)["text"]
    assert told.startswith(
        "⏳ Wang Lei 已为 #T1 售后处理 · 订单 TB2004 延期，新的截止时间：11月3日 11:00。"
    )
    assert told.endswith("客户出差")


async def test_the_extend_button_on_an_escalation_gives_it_more_time(
    english_world: BotWorld,
) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket TB2005 #aftersale @zhouhao_aftersale cup broken")
    world.clock.advance(timedelta(hours=24, minutes=1))
    await world.bot.sweeper.sweep()
    await world.deliver()
    escalation = world.last_bot_message(GROUP)
    assert escalation["text"].startswith(
        "⏰ #T1 After-sales case · order TB2005 escalated: Zhou Hao did not reply by"
    )
    assert list(world.buttons(escalation)) == ["⏳ Extend 2h", "⏳ Extend 24h"]

    await world.press_text(AGENT, GROUP, escalation, "⏳ Extend 2h")
    assert world.alerts()[-1] == "Only supervisors can extend the deadline."
    await world.press_text(SUPERVISOR, GROUP, escalation, "⏳ Extend 2h")

    ticket = await world.ticket(1)
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.due_at == world.clock.now() + timedelta(hours=2)
    assert ticket.escalation_level == 0
    edited = world.core.message(GROUP, int(escalation["message_id"])) or {}
    assert "⏳ #T1 now due" in edited["text"]


async def test_a_transfer_keeps_the_deadline_and_reminds_the_new_assignee_at_once(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB2006 #aftersale @zhouhao_aftersale 杯子碎了")
    due = (await world.ticket(1)).due_at
    world.clock.advance(timedelta(hours=22))
    await world.bot.sweeper.sweep()

    await world.send(AGENT, GROUP, "/transfer T1 @wanglei_lead 需要主管处理")
    assert await world.bot.sweeper.sweep() == 1
    await world.deliver()

    ticket = await world.ticket(1)
    assert ticket.due_at == due
    assert ticket.assignee_id == SUPERVISOR.id
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith(
        "⏳ #T1 After-sales case · order TB2006 is due"
    )
    assert (await world.timeline(1)).count(EventType.REMINDED) == 2


async def test_a_ticket_made_in_private_is_posted_in_the_group_with_claim(
    english_world: BotWorld,
) -> None:
    world = english_world
    await world.send(AGENT, AGENT.id, "/ticket TB2007 #shipping wrong address")
    await world.deliver()

    posted = world.last_bot_message(GROUP)
    assert posted["text"].startswith("🆕 #T1 Shipping · order TB2007")
    assert list(world.buttons(posted)) == ["🙋 Claim"]
    await world.press_text(SUPERVISOR, GROUP, posted, "🙋 Claim")
    assert (await world.ticket(1)).assignee_id == SUPERVISOR.id
