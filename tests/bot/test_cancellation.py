"""Only supervisors cancel: an agent's /cancel is a request they approve or reject."""

from __future__ import annotations

from bot.domain.model import EventType, Status
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


async def _ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()


async def test_agents_cancel_becomes_a_request_that_supervisors_reject_then_approve(
    world: BotWorld,
) -> None:
    await _ticket(world)

    await world.send(AGENT, GROUP, "/cancel T1 重复工单")
    assert world.last_bot_message(GROUP)["text"] == (
        "🙋 只有主管可以取消工单，已提交 #T1 的取消申请，等待主管审批。"
    )
    await world.deliver()
    request = world.last_bot_message(GROUP)
    assert request["text"] == "🙋 Lin Mei 申请取消 #T1。\n主管：Wang Lei\n重复工单"
    assert [e["user"]["id"] for e in request["entities"] if e["type"] == "text_mention"] == [
        SUPERVISOR.id
    ]
    assert list(world.buttons(request)) == ["✅ 批准取消", "✖️ 驳回"]
    assert (await world.ticket(1)).status is Status.OPEN

    await world.press_text(SUPERVISOR, GROUP, request, "✖️ 驳回")
    await world.deliver()

    closed = world.core.message(GROUP, int(request["message_id"])) or {}
    assert closed["text"].endswith("\n\n✖️ 已驳回 #T1 的取消申请。")
    assert "reply_markup" not in closed
    assert world.last_bot_message(AGENT.id)["text"] == "✖️ 你对 #T1 的取消申请已被 Wang Lei 驳回。"
    ticket = await world.ticket(1)
    assert (ticket.status, ticket.cancel_request) == (Status.OPEN, None)

    await world.send(AGENT, GROUP, "/cancel 1 客户撤回了")
    await world.deliver()
    request = world.last_bot_message(GROUP)
    await world.press_text(SUPERVISOR, GROUP, request, "✅ 批准取消")
    await world.deliver()

    assert (await world.ticket(1)).status is Status.CANCELLED
    assert world.last_bot_message(ASSIGNEE.id)["text"] == "🚫 #T1 已被 Wang Lei 取消。\n客户撤回了"
    assert world.last_bot_message(AGENT.id)["text"] == "🚫 #T1 已被 Wang Lei 取消。\n客户撤回了"
    card = world.core.bot_messages(ASSIGNEE.id)[0]
    assert card["text"].startswith("🚫 #T1 · 售后处理 · 已取消")
    assert await world.timeline(1) == [
        EventType.CREATED,
        EventType.CANCEL_REQUESTED,
        EventType.CANCEL_REJECTED,
        EventType.CANCEL_REQUESTED,
        EventType.CANCELLED,
    ]


async def test_a_second_request_while_one_waits_is_refused(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(AGENT, GROUP, "/cancel 1 重复工单")

    await world.send(ASSIGNEE, GROUP, "/cancel 1 我也觉得重复")

    assert world.last_bot_message(GROUP)["text"] == "已有取消申请在等待主管审批。"
    assert await world.timeline(1) == [EventType.CREATED, EventType.CANCEL_REQUESTED]


async def test_a_supervisors_cancel_asks_to_confirm_then_cancels(world: BotWorld) -> None:
    await _ticket(world)

    await world.send(SUPERVISOR, GROUP, "/cancel 1 重复下单")
    confirm = world.last_bot_message(GROUP)
    assert confirm["text"] == (
        "确定取消 #T1 吗？取消前请确认任务确实已完成，否则会成为遗留问题。\n原因：重复下单"
    )
    assert (await world.ticket(1)).status is Status.OPEN

    await world.press_text(SUPERVISOR, GROUP, confirm, "🚫 确认取消")
    await world.deliver()

    done = world.core.message(GROUP, int(confirm["message_id"])) or {}
    assert done["text"] == "🚫 已取消 #T1。"
    assert (await world.ticket(1)).status is Status.CANCELLED
    assert world.last_bot_message(ASSIGNEE.id)["text"] == "🚫 #T1 已被 Wang Lei 取消。\n重复下单"


async def test_a_supervisor_may_keep_the_ticket_instead(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(SUPERVISOR, GROUP, "/cancel 1 重复下单")
    confirm = world.last_bot_message(GROUP)

    await world.press_text(SUPERVISOR, GROUP, confirm, "保留工单")

    kept = world.core.message(GROUP, int(confirm["message_id"])) or {}
    assert kept["text"] == "#T1 保持不变。"
    assert (await world.ticket(1)).status is Status.OPEN
    assert await world.timeline(1) == [EventType.CREATED]
