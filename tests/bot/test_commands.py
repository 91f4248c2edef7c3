"""The rest of the grammar through the bot: show, note, transfer, the lists, stats, exports,
the ruling and appeal, reopening, help and start."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from bot.domain.model import EventType, Status
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    NEWCOMER,
    SUPERVISOR,
    BotWorld,
)


async def _two_tickets(world: BotWorld) -> None:
    await world.send(
        AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了，要求补发"
    )
    await world.send(AGENT, GROUP, "/ticket TB1002 #shipping @chenjing_wh 今天发货")
    await world.deliver()


async def test_show_lists_the_timeline_and_the_evidence(world: BotWorld) -> None:
    await _two_tickets(world)
    card = world.last_bot_message(ASSIGNEE.id)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "📎 上传凭证")
    await world.send_photo(ASSIGNEE, ASSIGNEE.id)
    await world.send_pdf(ASSIGNEE, ASSIGNEE.id, name="聊天记录.pdf")
    await world.send(AGENT, GROUP, "/note T1 客户很着急")

    await world.send(AGENT, GROUP, "/show #T1")

    shown = world.last_bot_message(GROUP)["text"]
    assert shown == (
        "🔵 #T1 · 售后处理 · 处理中\n"
        "🧾 订单：TB1001\n"
        "📝 杯子碎了，要求补发\n"
        "👤 创建人 Lin Mei · 处理人 Zhou Hao\n"
        "⏱ 截止：11月3日 09:00（还剩 24小时）\n"
        "\n"
        "时间线\n"
        "11月2日 09:00 · Lin Mei 创建\n"
        "11月2日 09:00 · Zhou Hao 确认接单\n"
        "11月2日 09:00 · Zhou Hao 上传凭证（图片）\n"
        "11月2日 09:00 · Zhou Hao 上传凭证（文件）\n"
        "11月2日 09:00 · Lin Mei 备注 — 客户很着急\n"
        "\n"
        "凭证（2）\n"
        "• 图片 — Zhou Hao，11月2日 09:00\n"
        "• 文件：聊天记录.pdf — Zhou Hao，11月2日 09:00"
    )


async def test_note_tells_the_assignee(world: BotWorld) -> None:
    await _two_tickets(world)

    await world.send(AGENT, GROUP, "/note 1 客户下午三点回电")
    await world.deliver()

    assert world.last_bot_message(GROUP)["text"] == "📝 已为 #T1 添加备注。"
    assert world.last_bot_message(ASSIGNEE.id)["text"] == (
        "📝 Lin Mei 给 #T1 添加了备注：\n客户下午三点回电"
    )
    assert await world.timeline(1) == [EventType.CREATED, EventType.NOTE]


async def test_transfer_cards_the_new_assignee_and_tells_the_old_card(world: BotWorld) -> None:
    await _two_tickets(world)
    old_card = world.last_bot_message(ASSIGNEE.id)

    await world.send(AGENT, GROUP, "/transfer T1 @wanglei_lead 需要主管处理")
    await world.deliver()

    # The group saw the answer to the command; it is not told the same thing twice.
    assert world.bot_texts(GROUP)[-1] == "↪️ #T1 已转派给 Wang Lei。"
    assert not any("转派：" in text for text in world.bot_texts(GROUP))
    moved = world.core.message(ASSIGNEE.id, int(old_card["message_id"])) or {}
    assert moved["text"].endswith("↪️ 已转由 Wang Lei 处理。")
    assert "reply_markup" not in moved
    new_card = world.last_bot_message(SUPERVISOR.id)
    assert new_card["text"].startswith("🟡 #T1 · After-sales case · open")
    assert "✋ Acknowledge" in world.buttons(new_card)
    assert (await world.ticket(1)).assignee_id == SUPERVISOR.id


async def test_transfer_by_replying_to_the_new_assignees_message(world: BotWorld) -> None:
    await _two_tickets(world)
    said = await world.send(SUPERVISOR, GROUP, "这个我来处理")

    await world.reply(AGENT, GROUP, said["message"], "/transfer 1")

    assert (await world.ticket(1)).assignee_id == SUPERVISOR.id


async def test_the_lists_mine_created_pending_and_order(world: BotWorld) -> None:
    await _two_tickets(world)

    await world.send(ASSIGNEE, GROUP, "/mine")
    assert world.last_bot_message(GROUP)["text"] == (
        "待我处理的工单\n🟡 #T1 售后处理 · TB1001 · Zhou Hao\n"
        "    杯子碎了，要求补发\n"
        "    ⏱ 截止：11月3日 09:00（还剩 24小时）\n"
        "第 1/1 页 · 共 1 个工单"
    )
    await world.send(AGENT, GROUP, "/mine")
    assert world.last_bot_message(GROUP)["text"] == "待我处理的工单\n暂无工单。"
    await world.send(AGENT, GROUP, "/created")
    created = world.last_bot_message(GROUP)["text"]
    assert created.startswith("我创建的工单\n")
    assert "#T1" in created
    assert "#T2" in created

    await world.send(AGENT, GROUP, "/pending")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以查看全部待处理工单。"
    await world.send(SUPERVISOR, GROUP, "/pending")
    pending = world.last_bot_message(GROUP)["text"]
    assert pending.startswith("待处理工单\n🟡 #T1 售后处理 · TB1001 · Zhou Hao")
    assert "🟡 #T2 发货 · TB1002 · Chen Jing" in pending
    await world.send(SUPERVISOR, GROUP, "/pending @chenjing_wh")
    by_person = world.last_bot_message(GROUP)["text"]
    assert by_person.startswith("Chen Jing 的待处理工单\n🟡 #T2")
    assert "#T1" not in by_person
    await world.send(SUPERVISOR, GROUP, "/pending #售后处理")
    by_kind = world.last_bot_message(GROUP)["text"]
    assert by_kind.startswith("待处理的售后处理工单\n🟡 #T1")
    assert "#T2" not in by_kind

    await world.send(AGENT, GROUP, "/order TB1002")
    assert world.last_bot_message(GROUP)["text"].startswith("订单 TB1002 的工单\n🟡 #T2 发货")
    await world.send(AGENT, GROUP, "/order TB9999")
    assert world.last_bot_message(GROUP)["text"] == "订单 TB9999 没有工单。"


async def test_stats_count_by_status_kind_and_assignee(world: BotWorld) -> None:
    await _two_tickets(world)
    await world.press_text(
        ASSIGNEE, ASSIGNEE.id, world.last_bot_message(ASSIGNEE.id), "🤝 已协商一致"
    )

    await world.send(AGENT, GROUP, "/stats 7d")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以查看统计。"
    await world.send(SUPERVISOR, GROUP, "/stats 7d")

    assert world.last_bot_message(GROUP)["text"] == (
        "最近 7 天统计\n"
        "工单总数：2\n"
        "按状态\n• 待处理：1\n• 已解决：1\n"
        "按类型\n• 售后处理：1\n• 发货：1\n"
        "按处理人\n• Zhou Hao：1\n• Chen Jing：1\n"
        "按时解决：1 个中 1 个（100%）"
    )


async def test_export_csv_is_a_document_with_a_bom_and_chinese_text(world: BotWorld) -> None:
    await _two_tickets(world)

    await world.send(SUPERVISOR, GROUP, "/export csv")

    document = world.last_bot_message(SUPERVISOR.id)
    assert document["caption"] == "导出完成：共 2 个工单。"
    assert document["document"]["file_name"] == "tickets-20261102-0900.csv"
    data = world.core.file_bytes(document["document"]["file_id"])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["工单号", "订单号", "类型", "状态"]
    assert rows[1][:7] == ["T1", "TB1001", "售后处理", "待处理", "", "Lin Mei", "Zhou Hao"]
    assert rows[1][11] == "杯子碎了，要求补发"
    assert rows[2][1] == "TB1002"
    # The progress message ends with the total.
    assert world.bot_texts(SUPERVISOR.id)[-2:] == ["导出完成：共 2 个工单。"] * 2


async def test_export_xlsx_for_a_period_opens_as_a_spreadsheet(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB0999 #memo 上个月的工单")
    world.clock.advance(timedelta(days=10))
    await _two_tickets(world)

    await world.send(AGENT, GROUP, "/export xlsx 7d")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以导出工单。"
    await world.send(SUPERVISOR, GROUP, "/export xlsx 7d")

    document = world.last_bot_message(SUPERVISOR.id)
    assert document["document"]["file_name"].endswith(".xlsx")
    data = world.core.file_bytes(document["document"]["file_id"])
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[1] for row in rows] == ["订单号", "TB1001", "TB1002"]
    assert rows[1][11] == "杯子碎了，要求补发"


async def test_verdict_appeal_and_reopen_on_an_escalated_ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #collab @zhouhao_aftersale 平台协同工单")
    await world.deliver()
    await world.press_text(
        ASSIGNEE, ASSIGNEE.id, world.last_bot_message(ASSIGNEE.id), "🙅 未协商一致"
    )

    await world.send(AGENT, GROUP, "/verdict 1 平台判定全额退款")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以记录裁定。"
    await world.send(SUPERVISOR, GROUP, "/verdict 1 平台判定全额退款")
    assert world.last_bot_message(GROUP)["text"] == "⚖️ 已记录裁定，#T1 已结案。"
    await world.deliver()
    assert world.last_bot_message(ASSIGNEE.id)["text"] == (
        "⚖️ #T1 的裁定（Wang Lei 记录）：\n平台判定全额退款"
    )
    assert (await world.ticket(1)).status is Status.CLOSED

    await world.send(ASSIGNEE, GROUP, "/appeal T1 商品为客户损坏，有监控")
    assert world.last_bot_message(GROUP)["text"] == "📣 已记录 #T1 的申诉。"
    assert (await world.ticket(1)).status is Status.APPEALED
    await world.send(SUPERVISOR, GROUP, "/verdict 1 申诉成功，不退款")
    assert (await world.ticket(1)).status is Status.CLOSED

    world.clock.advance(timedelta(days=2))
    await world.send(AGENT, GROUP, "/reopen 1")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以重新打开。"
    await world.send(SUPERVISOR, GROUP, "/reopen 1 客户又来投诉")
    assert world.last_bot_message(GROUP)["text"] == "🔄 #T1 已重新打开，新截止时间 11月5日 09:00。"
    ticket = await world.ticket(1)
    assert (ticket.status, ticket.outcome) == (Status.OPEN, None)
    assert await world.timeline(1) == [
        EventType.CREATED,
        EventType.OUTCOME,
        EventType.RULED,
        EventType.APPEALED,
        EventType.RULED,
        EventType.REOPENED,
    ]


async def test_help_and_start_answer_in_the_group_and_in_private(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/help")
    help_text = world.last_bot_message(GROUP)["text"]
    assert help_text.startswith("工单机器人 — 团队的工单中心。")
    for command in ("/ticket", "/show", "/cancel", "/pending", "/export", "/lang"):
        assert f"\n{command} " in help_text
    assert help_text.endswith("指派给你的工单会私信发送：请先私聊我发送一次 /start。")

    await world.send(AGENT, GROUP, "/start")
    assert world.last_bot_message(GROUP)["text"] == help_text

    await world.bot.process(world.core.user_start(NEWCOMER.id))
    assert world.last_bot_message(NEWCOMER.id)["text"].startswith("Hello Chen Jing!")
    await world.send(NEWCOMER, NEWCOMER.id, "/help")
    assert world.last_bot_message(NEWCOMER.id)["text"].endswith(
        "In private chat, commands act on your team. Ticket cards and reminders arrive here."
    )


async def test_commands_work_in_private_chat_for_the_users_team(world: BotWorld) -> None:
    await _two_tickets(world)

    await world.send(ASSIGNEE, ASSIGNEE.id, "/mine")
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("待我处理的工单\n🟡 #T1")
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome T1 agreed 已补发")
    await world.deliver()

    assert (await world.ticket(1)).status is Status.RESOLVED
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("#T1：已与客户协商一致。")
    assert world.last_bot_message(GROUP)["text"] == (
        "✅ #T1 已解决（Zhou Hao）：已与客户协商一致\n已补发"
    )


async def test_a_ticket_created_in_private_chat_is_announced_in_the_group(
    world: BotWorld,
) -> None:
    await world.send(AGENT, AGENT.id, "/ticket TB1001 #aftersale @zhouhao_aftersale 私聊里建的")
    assert world.last_bot_message(AGENT.id)["text"] == (
        "🆕 已创建 #T1，处理人 Zhou Hao，截止 11月3日 09:00。"
    )

    await world.deliver()

    assert world.last_bot_message(GROUP)["text"] == (
        "🆕 #T1 售后处理 · 订单 TB1001\nLin Mei 创建，处理人 Zhou Hao，截止 11月3日 09:00。"
    )
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("🟡 #T1 · 售后处理")


async def test_a_filtered_pending_list_does_not_claim_more_tickets_than_match(
    world: BotWorld,
) -> None:
    """'… 1 of 2 shown' under /pending @someone would send the supervisor looking for a
    ticket the filter never matched."""
    await _two_tickets(world)
    await world.send(AGENT, GROUP, "/ticket TB1003 #aftersale @zhouhao_aftersale 换货")

    await world.send(SUPERVISOR, GROUP, "/pending @chenjing_wh")
    by_person = world.last_bot_message(GROUP)["text"]
    await world.send(SUPERVISOR, GROUP, "/pending #售后处理")
    by_kind = world.last_bot_message(GROUP)["text"]

    assert "#T2" in by_person
    assert "仅显示" not in by_person, by_person
    assert ("#T1" in by_kind, "#T3" in by_kind) == (True, True)
    assert "仅显示" not in by_kind, by_kind
