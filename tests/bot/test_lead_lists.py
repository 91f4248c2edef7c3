"""Lists a lead can act on: rows with the description and the time left or overdue, overdue
first, pages of 10 turned with ◀ ▶ in place, and a button per row that opens the ticket."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import EventType
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, NEWCOMER, SUPERVISOR, BotWorld


async def _twelve_for_zhou(world: BotWorld) -> None:
    """Twelve tickets an hour apart; then the first two are past their deadline."""
    for n in range(1, 13):
        await world.send(
            AGENT, GROUP, f"/ticket TB{1000 + n} #aftersale @zhouhao_aftersale 第{n}单 杯子碎了"
        )
        world.clock.advance(timedelta(hours=1))
    # The first was due 24 h after it was made: now 13 h have passed since; 13 more.
    world.clock.advance(timedelta(hours=13, minutes=30))


async def test_mine_pages_by_ten_overdue_first_and_turns_in_place(world: BotWorld) -> None:
    await _twelve_for_zhou(world)

    await world.send(ASSIGNEE, GROUP, "/mine")

    listed = world.last_bot_message(GROUP)
    text = listed["text"]
    lines = text.split("\n")
    assert lines[0] == "待我处理的工单"
    assert lines[1] == "🟡 #T1 售后处理 · TB1001 · Zhou Hao"
    assert lines[2] == "    第1单 杯子碎了"
    assert lines[3].startswith("    ⏱ 截止：11月3日 09:00（已逾期 ")
    assert "已逾期" in lines[6]  # T2, an hour later, is overdue too
    assert "还剩" in lines[9]  # T3 is not
    assert lines[-1] == "第 1/2 页 · 共 12 个工单"
    assert "#T11" not in text
    buttons = world.buttons(listed)
    assert "#T1 · TB1001" in buttons
    assert "#T10 · TB1010" in buttons
    assert "下一页 ▶" in buttons
    assert "◀ 上一页" not in buttons

    await world.press_text(ASSIGNEE, GROUP, listed, "下一页 ▶")

    turned = world.core.message(GROUP, int(listed["message_id"])) or {}
    assert turned["text"].split("\n")[1] == "🟡 #T11 售后处理 · TB1011 · Zhou Hao"
    assert "#T12" in turned["text"]
    assert "#T10 " not in turned["text"]
    assert turned["text"].endswith("第 2/2 页 · 共 12 个工单")
    assert set(world.buttons(turned)) == {"#T11 · TB1011", "#T12 · TB1012", "◀ 上一页"}
    assert world.last_bot_message(GROUP)["message_id"] == listed["message_id"]

    await world.press_text(ASSIGNEE, GROUP, turned, "◀ 上一页")

    back = world.core.message(GROUP, int(listed["message_id"])) or {}
    assert back["text"] == text


async def test_a_list_row_opens_the_ticket_in_the_askers_private_chat(world: BotWorld) -> None:
    await _twelve_for_zhou(world)
    await world.send(SUPERVISOR, GROUP, "/pending")
    listed = world.last_bot_message(GROUP)
    before = await world.state()

    await world.press_text(SUPERVISOR, GROUP, listed, "#T2 · TB1002")

    opened = world.last_bot_message(SUPERVISOR.id)
    assert opened["text"].startswith(
        "🟡 #T2 · 售后处理 · 待处理\n🧾 订单：TB1002\n📝 第2单 杯子碎了"
    )
    assert "已逾期" in opened["text"]
    assert list(world.buttons(opened)) == ["🔎 查看"]
    assert await world.state() == before


async def test_only_the_asker_turns_their_list(world: BotWorld) -> None:
    await _twelve_for_zhou(world)
    await world.send(ASSIGNEE, GROUP, "/mine")
    listed = world.last_bot_message(GROUP)

    await world.press_text(AGENT, GROUP, listed, "下一页 ▶")

    assert world.alerts()[-1] == "这个按钮不是给你的。"
    unchanged = world.core.message(GROUP, int(listed["message_id"])) or {}
    assert unchanged["text"] == listed["text"]


async def test_an_english_supervisor_pages_the_teams_pending_list(
    english_world: BotWorld,
) -> None:
    world = english_world
    await _twelve_for_zhou(world)
    await world.send(SUPERVISOR, GROUP, "/pending #aftersale")

    listed = world.last_bot_message(GROUP)
    lines = listed["text"].split("\n")
    assert lines[0] == "Pending After-sales case tickets"
    assert lines[1] == "🟡 #T1 After-sales case · TB1001 · Zhou Hao"
    assert "(overdue by " in lines[3]
    assert lines[-1] == "Page 1 of 2 · 12 tickets"

    await world.press_text(SUPERVISOR, GROUP, listed, "Next ▶")
    turned = world.core.message(GROUP, int(listed["message_id"])) or {}
    assert turned["text"].endswith("Page 2 of 2 · 12 tickets")
    await world.press_text(SUPERVISOR, GROUP, turned, "#T12 · TB1012")
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith(
        "🟡 #T12 · After-sales case · open"
    )
    assert await world.timeline(12) == [EventType.CREATED]


async def test_order_lists_every_ticket_of_the_order_with_buttons(english_world: BotWorld) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale cup broken")
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @zhouhao_aftersale ship today")

    await world.send(AGENT, GROUP, "/order TB1001")

    listed = world.last_bot_message(GROUP)
    assert listed["text"].startswith("Tickets for order TB1001\n")
    assert "cup broken" in listed["text"]
    assert listed["text"].endswith("Page 1 of 1 · 2 tickets")
    assert set(world.buttons(listed)) == {"#T1 · TB1001", "#T2 · TB1001"}


async def test_someone_who_never_started_the_bot_is_told_to(english_world: BotWorld) -> None:
    world = english_world
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale cup broken")
    await world.send(AGENT, GROUP, "/order TB1001")
    listed = world.last_bot_message(GROUP)

    await world.press_text(NEWCOMER, GROUP, listed, "#T1 · TB1001")

    assert (
        world.alerts()[-1] == "Open a private chat with me first (press Start), then press again."
    )
