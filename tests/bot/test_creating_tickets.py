"""Creating tickets in the group: one line, as a reply to a customer's message, or guided."""

from __future__ import annotations

from bot.domain.model import EventType, Status
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    NEWCOMER,
    OTHER_GROUP,
    STRANGER,
    BotWorld,
)

#: Tickets created at 09:00 Shanghai time (01:00 UTC) are due 24 hours later, shown locally.
DUE_ZH = "11月3日 09:00"


async def test_one_line_ticket_in_chinese_reaches_the_assignee_as_a_card(world: BotWorld) -> None:
    await world.send(
        AGENT,
        GROUP,
        "/ticket TB20261102001 #aftersale @zhouhao_aftersale 杯子碎了，客户要求补发",
    )

    reply = world.last_bot_message(GROUP)
    assert reply["text"] == f"🆕 已创建 #T1，处理人 Zhou Hao，截止 {DUE_ZH}。"
    assert reply["reply_to_message"]["from"]["id"] == AGENT.id

    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    text = card["text"]
    for fact in ("#T1", "TB20261102001", "售后处理", "杯子碎了，客户要求补发", "Lin Mei", DUE_ZH):
        assert fact in text, (fact, text)
    assert world.entities(card, "hashtag") == ["#T1"]
    assert list(world.buttons(card)) == [
        "✋ 确认接单",
        "🤝 已协商一致",
        "🙅 未协商一致",
        "📎 上传凭证",
        "📝 备注",
        "↪️ 转派",
    ]
    ticket = await world.ticket(1)
    assert (ticket.order_id, ticket.kind, ticket.assignee_id, ticket.creator_id) == (
        "TB20261102001",
        "aftersale",
        ASSIGNEE.id,
        AGENT.id,
    )
    assert await world.timeline(1) == [EventType.CREATED]


async def test_a_kind_without_negotiation_offers_done_instead_of_agreed(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB20261102002 #发货 @zhouhao_aftersale 今天务必发出")
    await world.deliver()

    card = world.last_bot_message(ASSIGNEE.id)
    assert "发货" in card["text"]
    assert list(world.buttons(card)) == [
        "✋ 确认接单",
        "✔️ 已完成",
        "📎 上传凭证",
        "📝 备注",
        "↪️ 转派",
    ]


async def test_ticket_as_reply_takes_the_customer_message_as_description(world: BotWorld) -> None:
    customer = await world.send(AGENT, GROUP, "客户：收到的保温杯有划痕，想换一个")

    await world.reply(
        AGENT, GROUP, customer["message"], "/ticket TB1 #aftersale @zhouhao_aftersale"
    )

    assert "#T1" in world.last_bot_message(GROUP)["text"]
    ticket = await world.ticket(1)
    assert ticket.order_id == "TB1"
    assert ticket.description == "客户：收到的保温杯有划痕，想换一个"
    await world.deliver()
    assert "收到的保温杯有划痕" in world.last_bot_message(ASSIGNEE.id)["text"]


async def test_guided_ticket_asks_step_by_step_and_warns_of_an_open_duplicate(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 第一次反馈")

    await world.send(AGENT, GROUP, "/ticket")
    ask_order = world.last_bot_message(GROUP)
    assert ask_order["text"] == "新建工单：请回复订单号（回复“取消”可放弃）。"
    assert world.core.chat_view(GROUP)["force_reply_message_id"] == ask_order["message_id"]

    await world.reply(AGENT, GROUP, ask_order, "TB1001")
    kinds = world.last_bot_message(GROUP)
    assert kinds["text"] == "订单 TB1001。请选择工单类型："
    await world.press_text(AGENT, GROUP, kinds, "售后处理")
    assignees = world.core.message(GROUP, kinds["message_id"])
    assert assignees is not None
    assert assignees["text"] == "售后处理 · 请选择处理人："
    await world.press_text(AGENT, GROUP, assignees, "Zhou Hao")
    chosen = world.core.message(GROUP, kinds["message_id"])
    assert chosen is not None
    assert chosen["text"] == "新建工单 · 订单 TB1001 · 售后处理 · 处理人：Zhou Hao"
    assert "reply_markup" not in chosen

    ask_description = world.last_bot_message(GROUP)
    assert ask_description["text"] == "请回复工单说明（回复“取消”可放弃）。"
    # A selective prompt must answer the agent's own message, or it asks nobody.
    assert ask_description["reply_to_message"]["from"]["id"] == AGENT.id
    await world.reply(AGENT, GROUP, ask_description, "客户第二次来问，要求退款")

    confirm = world.last_bot_message(GROUP)
    assert confirm["text"] == (
        "新建工单\n订单：TB1001\n类型：售后处理\n处理人：Zhou Hao\n说明：客户第二次来问，要求退款"
        "\n\n⚠️ 该订单已有同类型的待处理工单 #T1。"
    )
    assert list(world.buttons(confirm)) == ["✅ 创建", "✖️ 放弃"]
    assert len(await world.tickets()) == 1

    await world.press_text(AGENT, GROUP, confirm, "✅ 创建")
    created = world.core.message(GROUP, confirm["message_id"])
    assert created is not None
    assert created["text"] == f"🆕 已创建 #T2，处理人 Zhou Hao，截止 {DUE_ZH}。"
    ticket = await world.ticket(2)
    assert (ticket.order_id, ticket.kind, ticket.assignee_id, ticket.description) == (
        "TB1001",
        "aftersale",
        ASSIGNEE.id,
        "客户第二次来问，要求退款",
    )
    await world.deliver()
    assert "#T2" in world.last_bot_message(ASSIGNEE.id)["text"]


async def test_guided_ticket_ignores_group_chatter_that_does_not_answer_its_prompt(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket")
    ask_order = world.last_bot_message(GROUP)
    said = len(world.core.bot_messages(GROUP))

    await world.send(AGENT, GROUP, "稍等，我查一下订单号")

    assert len(world.core.bot_messages(GROUP)) == said
    await world.reply(AGENT, GROUP, ask_order, "TB777")
    assert world.last_bot_message(GROUP)["text"] == "订单 TB777。请选择工单类型："


async def test_guided_ticket_can_be_discarded(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "TB1002")
    kinds = world.last_bot_message(GROUP)
    await world.press_text(AGENT, GROUP, kinds, "任务备忘")
    assignees = world.core.message(GROUP, kinds["message_id"])
    assert assignees is not None
    await world.press_text(AGENT, GROUP, assignees, "暂不指派")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "下周一回访")
    confirm = world.last_bot_message(GROUP)
    assert "处理人：未指派" in confirm["text"]

    await world.press_text(AGENT, GROUP, confirm, "✖️ 放弃")

    discarded = world.core.message(GROUP, confirm["message_id"])
    assert discarded is not None
    assert discarded["text"] == "已放弃，未创建工单。"
    assert await world.tickets() == []


async def test_a_one_line_duplicate_is_created_only_when_confirmed(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 第一次")
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 第二次")

    warning = world.last_bot_message(GROUP)
    assert warning["text"] == "⚠️ 该订单已有同类型的待处理工单 #T1。仍要再创建一个吗？"
    assert len(await world.tickets()) == 1

    await world.press_text(AGENT, GROUP, warning, "仍然创建")

    assert len(await world.tickets()) == 2
    assert (await world.ticket(2)).description == "第二次"


async def test_the_same_update_twice_makes_one_ticket(world: BotWorld) -> None:
    update = await world.send(AGENT, GROUP, "/ticket TB1001 #memo 回访客户")
    replies = len(world.core.bot_messages(GROUP))

    await world.bot.process(update)

    assert len(await world.tickets()) == 1
    assert len(world.core.bot_messages(GROUP)) == replies


async def test_a_chat_that_is_not_a_team_gets_the_setup_hint_and_no_ticket(
    world: BotWorld,
) -> None:
    await world.send(STRANGER, OTHER_GROUP, "/ticket TB1001 #aftersale 坏了")

    hint = world.last_bot_message(OTHER_GROUP)["text"]
    assert hint == (
        "This chat is not set up as a team yet. Add it to the config as "
        f"[[teams]] chat_id = {OTHER_GROUP}."
    )
    assert await world.tickets() == []


async def test_an_unknown_username_is_told_how_to_fix_it(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @somebody_new 杯子碎了")

    assert world.last_bot_message(GROUP)["text"] == (
        "我还不认识本团队的 @somebody_new。请对方先在本群发送一次 /help，然后再试。"
    )
    assert await world.tickets() == []


async def test_a_member_named_by_text_mention_can_be_assigned(world: BotWorld) -> None:
    text = "/ticket TB1001 #shipping Chen Jing 今天发货"
    start = text.index("Chen Jing")
    update = world.core.user_send_text(AGENT.id, GROUP, text)
    update["message"]["entities"].append(
        {
            "type": "text_mention",
            "offset": start,
            "length": len("Chen Jing"),
            "user": {"id": NEWCOMER.id, "is_bot": False, "first_name": "Chen", "last_name": "Jing"},
        }
    )

    await world.bot.process(update)

    ticket = await world.ticket(1)
    assert (ticket.assignee_id, ticket.description, ticket.status) == (
        NEWCOMER.id,
        "今天发货",
        Status.OPEN,
    )


async def test_a_command_typed_with_full_width_punctuation_still_works(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "／ticket TB1001 ＃aftersale ＠zhouhao_aftersale 杯子碎了")

    assert world.last_bot_message(GROUP)["text"].startswith("🆕 已创建 #T1，处理人 Zhou Hao")
    ticket = await world.ticket(1)
    assert (ticket.kind, ticket.assignee_id, ticket.description) == (
        "aftersale",
        ASSIGNEE.id,
        "杯子碎了",
    )
    await world.send(AGENT, GROUP, "／show")
    assert world.last_bot_message(GROUP)["text"].startswith("缺少工单号。\n用法：/show")
