"""The assignee's private chat: acknowledge, reply with the outcome, upload the evidence."""

from __future__ import annotations

import copy
from datetime import timedelta

from bot.domain.model import EventType, Outcome, Status
from bot.services.tickets import ALBUM_SETTLE
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


async def _ticket_for_zhou(world: BotWorld, kind: str = "aftersale") -> dict[str, object]:
    await world.send(AGENT, GROUP, f"/ticket TB20261102001 #{kind} @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    return world.last_bot_message(ASSIGNEE.id)


async def test_acknowledge_edits_the_card_in_place(world: BotWorld) -> None:
    card = await _ticket_for_zhou(world)

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")

    edited = world.core.message(ASSIGNEE.id, int(str(card["message_id"])))
    assert edited is not None
    assert edited["text"].startswith("🔵 #T1 · 售后处理 · 处理中")
    assert "✋ 确认接单" not in world.buttons(edited)
    assert world.core.callback_answers[-1].text == "✋ 你已确认接单 #T1。"
    assert not world.core.callback_answers[-1].show_alert
    assert len(world.core.bot_messages(ASSIGNEE.id)) == 1
    assert (await world.ticket(1)).status is Status.IN_PROGRESS


async def test_agreed_with_an_album_and_a_pdf_resolves_with_four_evidence_files(
    world: BotWorld,
) -> None:
    card = await _ticket_for_zhou(world)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    card = world.core.message(ASSIGNEE.id, int(str(card["message_id"]))) or {}

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🤝 已协商一致")

    ticket = await world.ticket(1)
    assert (ticket.status, ticket.outcome) == (Status.RESOLVED, Outcome.AGREED)
    resolved_card = world.core.message(ASSIGNEE.id, int(str(card["message_id"]))) or {}
    assert "📋 协商结果：已与客户协商一致" in resolved_card["text"]
    ask = world.last_bot_message(ASSIGNEE.id)
    assert (
        ask["text"] == "#T1：已与客户协商一致。请发送协商凭证（截图、文件），完成后点“完成上传”。"
    )
    assert list(world.buttons(ask)) == ["✅ 完成上传"]

    await world.send_album(ASSIGNEE, ASSIGNEE.id, 3)
    await world.send_pdf(ASSIGNEE, ASSIGNEE.id, name="聊天记录.pdf")

    evidence = await world.evidence(1)
    assert [item.type for item in evidence] == ["photo", "photo", "photo", "document"]
    assert evidence[3].mime_type == "application/pdf"
    assert evidence[3].file_name == "聊天记录.pdf"
    assert len({item.media_group_id for item in evidence[:3]}) == 1
    pdf_ack = world.last_bot_message(ASSIGNEE.id)
    assert pdf_ack["text"] == "📎 已添加到 #T1（共 4 个文件）。"

    # The album is acknowledged once, after its files had time to arrive.
    await world.deliver()
    assert not [t for t in world.bot_texts(ASSIGNEE.id) if "添加 3 个文件" in t]
    world.clock.advance(ALBUM_SETTLE + timedelta(seconds=1))
    await world.deliver()
    acks = [t for t in world.bot_texts(ASSIGNEE.id) if t.startswith("📎")]
    assert acks == ["📎 已添加到 #T1（共 4 个文件）。", "📎 已为 #T1 添加 3 个文件。"]

    await world.press_text(ASSIGNEE, ASSIGNEE.id, pdf_ack, "✅ 完成上传")
    finished = world.core.message(ASSIGNEE.id, int(pdf_ack["message_id"])) or {}
    assert finished["text"] == "✅ #T1：共保存 4 个凭证文件。"
    # After Finish, a file is no longer taken as evidence.
    await world.send_photo(ASSIGNEE, ASSIGNEE.id, seed=99)
    assert len(await world.evidence(1)) == 4
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("这个文件属于哪个工单？")

    types = await world.timeline(1)
    assert (
        types
        == [EventType.CREATED, EventType.ACKNOWLEDGED, EventType.OUTCOME] + [EventType.EVIDENCE] * 4
    )
    group = world.bot_texts(GROUP)
    assert "✅ #T1 已解决（Zhou Hao）：已与客户协商一致" in group
    card_now = world.core.message(ASSIGNEE.id, int(str(card["message_id"]))) or {}
    assert "📎 凭证：4 个文件" in card_now["text"]


async def test_a_file_sent_twice_is_kept_once(world: BotWorld) -> None:
    card = await _ticket_for_zhou(world)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "📎 上传凭证")
    assert world.last_bot_message(ASSIGNEE.id)["text"] == (
        "📎 请发送 #T1 的图片、文件或视频，完成后点“完成上传”。"
    )
    photo = await world.send_photo(ASSIGNEE, ASSIGNEE.id)

    # The same photo sent again (a new message carrying the same file).
    again = copy.deepcopy(photo)
    again["update_id"] += 1000
    again["message"]["message_id"] += 1000
    await world.bot.process(again)

    assert len(await world.evidence(1)) == 1
    assert world.last_bot_message(ASSIGNEE.id)["text"] == "该文件已在 #T1 中。"


async def test_not_agreed_escalates_and_alerts_the_supervisors_in_the_group(
    world: BotWorld,
) -> None:
    card = await _ticket_for_zhou(world, kind="collab")

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🙅 未协商一致")
    await world.deliver()

    ticket = await world.ticket(1)
    assert (ticket.status, ticket.outcome) == (Status.ESCALATED, Outcome.DISAGREED)
    alert = world.last_bot_message(GROUP)
    assert alert["text"] == (
        "🚨 #T1 协同工单 · 订单 TB20261102001 已升级："
        "Zhou Hao 未能与客户协商一致，平台客服将介入。\n主管：Wang Lei"
    )
    mentions = [e for e in alert["entities"] if e["type"] == "text_mention"]
    assert [e["user"]["id"] for e in mentions] == [SUPERVISOR.id]
    escalated_card = world.core.message(ASSIGNEE.id, int(str(card["message_id"]))) or {}
    assert escalated_card["text"].startswith("🚨 #T1 · 协同工单 · 已升级")


async def test_done_asks_for_files_without_calling_them_negotiation_evidence(
    world: BotWorld,
) -> None:
    card = await _ticket_for_zhou(world, kind="shipping")

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✔️ 已完成")

    assert (await world.ticket(1)).status is Status.RESOLVED
    assert world.last_bot_message(ASSIGNEE.id)["text"] == (
        "#T1：已完成。如有图片或文件需要留档，请现在发送，完成后点“完成上传”。"
    )


async def test_the_note_button_asks_for_a_reply_and_tells_the_creator(world: BotWorld) -> None:
    card = await _ticket_for_zhou(world)

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "📝 备注")
    prompt = world.last_bot_message(ASSIGNEE.id)
    assert prompt["text"] == "请回复本消息，填写 #T1 的备注。"
    await world.reply(ASSIGNEE, ASSIGNEE.id, prompt, "已联系快递，明天补发")
    await world.deliver()

    assert world.last_bot_message(ASSIGNEE.id)["text"] == "📝 已为 #T1 添加备注。"
    assert world.last_bot_message(AGENT.id)["text"] == (
        "📝 Zhou Hao 给 #T1 添加了备注：\n已联系快递，明天补发"
    )
    assert await world.timeline(1) == [EventType.CREATED, EventType.NOTE]


async def test_the_transfer_button_moves_the_ticket_to_the_chosen_member(
    world: BotWorld,
) -> None:
    card = await _ticket_for_zhou(world)

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "↪️ 转派")
    choices = world.last_bot_message(ASSIGNEE.id)
    assert choices["text"] == "将 #T1 转派给谁？"
    assert "Zhou Hao" not in world.buttons(choices)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, choices, "Lin Mei")
    await world.deliver()

    assert (await world.ticket(1)).assignee_id == AGENT.id
    moved = world.core.message(ASSIGNEE.id, int(str(card["message_id"]))) or {}
    assert moved["text"].endswith("↪️ 已转由 Lin Mei 处理。")
    assert "reply_markup" not in moved
    assert "#T1" in world.last_bot_message(AGENT.id)["text"]


async def test_evidence_as_a_caption_in_the_group_goes_to_the_named_ticket(
    world: BotWorld,
) -> None:
    await _ticket_for_zhou(world)

    await world.send_album(AGENT, GROUP, 2, caption="/evidence T1 外包装照片")
    await world.send_pdf(AGENT, GROUP, name="快递单.pdf")

    evidence = await world.evidence(1)
    assert [(item.type, item.caption, item.uploader_id) for item in evidence] == [
        ("photo", "外包装照片", AGENT.id),
        ("photo", None, AGENT.id),
        ("document", None, AGENT.id),
    ]
    assert world.last_bot_message(GROUP)["text"] == "📎 已添加到 #T1（共 3 个文件）。"
    world.clock.advance(ALBUM_SETTLE)
    await world.deliver()
    assert world.last_bot_message(GROUP)["text"] == "📎 已为 #T1 添加 2 个文件。"

    await world.send(AGENT, GROUP, "/show 1")
    shown = world.last_bot_message(GROUP)["text"]
    assert "• 图片：外包装照片 — Lin Mei，11月2日 09:00" in shown
    assert "• 文件：快递单.pdf — Lin Mei，11月2日 09:00" in shown


async def test_pictures_shared_in_the_group_are_not_taken_for_evidence(world: BotWorld) -> None:
    await _ticket_for_zhou(world)
    said = len(world.core.bot_messages(GROUP))
    chatter = await world.send(ASSIGNEE, GROUP, "看看这个")

    await world.send_album(AGENT, GROUP, 3)
    photo = world.core.user_send_photo(
        AGENT.id, GROUP, b"\x89PNG\r\n\x1a\nnot really", reply_to=chatter["message"]["message_id"]
    )
    await world.bot.process(photo)

    assert await world.evidence(1) == []
    assert len(world.core.bot_messages(GROUP)) == said


async def test_the_deadline_reminds_the_assignee_then_escalates_to_the_supervisors(
    world: BotWorld,
) -> None:
    await _ticket_for_zhou(world)

    world.clock.advance(timedelta(hours=21))
    await world.bot.sweeper.sweep()
    await world.deliver()
    assert world.last_bot_message(ASSIGNEE.id)["text"] == (
        "⏳ #T1 售后处理 · 订单 TB20261102001 将于 11月3日 09:00 到期（还剩 3小时），请尽快回复。"
    )

    world.clock.advance(timedelta(hours=3, minutes=1))
    await world.bot.sweeper.sweep()
    await world.deliver()
    alert = world.last_bot_message(GROUP)
    assert (
        alert["text"] == "⏰ #T1 售后处理 · 订单 TB20261102001 超时升级："
        "Zhou Hao 未在 11月3日 09:00 前回复。\n主管：Wang Lei"
    )
    assert sorted(world.entities(alert, "text_mention")) == ["Wang Lei", "Zhou Hao"]
    assert (await world.ticket(1)).status is Status.ESCALATED
    assert await world.timeline(1) == [
        EventType.CREATED,
        EventType.REMINDED,
        EventType.ESCALATED,
    ]


async def test_the_same_press_delivered_twice_records_the_outcome_once(world: BotWorld) -> None:
    card = await _ticket_for_zhou(world)
    press = await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🤝 已协商一致")
    said = len(world.core.bot_messages(ASSIGNEE.id))

    await world.bot.process(press)

    assert await world.timeline(1) == [EventType.CREATED, EventType.OUTCOME]
    assert len(world.core.bot_messages(ASSIGNEE.id)) == said


async def test_an_album_acknowledgement_offers_finish(world: BotWorld) -> None:
    await _ticket_for_zhou(world)
    await world.send_album(AGENT, GROUP, 2, caption="/evidence T1")
    world.clock.advance(ALBUM_SETTLE)
    await world.deliver()

    ack = world.last_bot_message(GROUP)
    assert ack["text"] == "📎 已为 #T1 添加 2 个文件。"
    assert list(world.buttons(ack)) == ["✅ 完成上传"]
