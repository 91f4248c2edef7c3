"""A fuller export: the ruling, the appeal, the cancel reason, how many notes and files, the
times of acknowledgement, outcome, escalation and closing, and whether the outcome was on time."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


async def _export(world: BotWorld) -> list[dict[str, str]]:
    await world.send(SUPERVISOR, GROUP, "/export csv")
    document = world.last_bot_message(SUPERVISOR.id)
    data = world.core.file_bytes(document["document"]["file_id"])
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def _a_ruled_and_appealed_ticket_and_a_cancelled_one(
    world: BotWorld, texts: dict[str, str]
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB4001 #collab @zhouhao_aftersale 平台协同工单")
    await world.send(AGENT, GROUP, "/ticket TB4002 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    card = next(
        m for m in reversed(world.core.bot_messages(ASSIGNEE.id)) if "#T1" in str(m.get("text"))
    )
    world.clock.advance(timedelta(minutes=5))
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    await world.send(AGENT, GROUP, "/note T1 客户很着急")
    await world.send(AGENT, GROUP, "/note T1 下午再联系")
    world.clock.advance(timedelta(hours=30))  # past the deadline
    card = world.core.message(ASSIGNEE.id, int(card["message_id"])) or {}
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🙅 未协商一致")
    await world.send_photo(ASSIGNEE, ASSIGNEE.id)
    world.clock.advance(timedelta(hours=1))
    await world.send(SUPERVISOR, GROUP, f"/verdict T1 {texts['ruling']}")
    await world.send(ASSIGNEE, GROUP, f"/appeal T1 {texts['appeal']}")
    await world.send(AGENT, GROUP, f"/cancel T2 {texts['cancel']}")
    await world.deliver()
    notice = world.last_bot_message(GROUP)
    await world.press(
        SUPERVISOR, GROUP, int(notice["message_id"]), world.buttons(notice)[texts["approve"]]
    )


async def test_the_chinese_export_has_ruling_appeal_cancel_counts_and_times(
    world: BotWorld,
) -> None:
    await _a_ruled_and_appealed_ticket_and_a_cancelled_one(
        world,
        {
            "ruling": "平台判定全额退款",
            "appeal": "有聊天记录为证",
            "cancel": "客户撤回",
            "approve": "✅ 批准取消",
        },
    )

    rows = await _export(world)

    first, second = rows
    assert first["裁定"] == "平台判定全额退款"
    assert first["申诉"] == "有聊天记录为证"
    assert first["备注数"] == "2"
    assert first["凭证数"] == "1"
    assert first["接单时间"] == "2026-11-02 09:05"
    assert first["结果时间"] == "2026-11-03 15:05"
    assert first["升级时间"] == "2026-11-03 15:05"
    assert first["结单时间"] == ""  # appealed: open again until the appeal is decided
    assert first["是否按时"] == "否"
    assert second["取消原因"] == "客户撤回"
    assert second["结单时间"] == "2026-11-03 16:05"
    assert second["备注数"] == "0"


async def test_the_english_export_names_the_same_columns(english_world: BotWorld) -> None:
    world = english_world
    await _a_ruled_and_appealed_ticket_and_a_cancelled_one(
        world,
        {
            "ruling": "full refund",
            "appeal": "we have the chat",
            "cancel": "customer withdrew",
            "approve": "✅ Approve cancellation",
        },
    )

    first, second = await _export(world)

    assert (first["Ruling"], first["Appeal"], first["Notes"], first["Evidence files"]) == (
        "full refund",
        "we have the chat",
        "2",
        "1",
    )
    assert first["Acknowledged"] == "2026-11-02 09:05"
    assert second["Cancel reason"] == "customer withdrew"
