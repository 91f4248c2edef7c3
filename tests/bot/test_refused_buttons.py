"""A button carries ids, never rights: forged, stale and foreign presses are refused with an
alert and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.scenario import PersonaSpec as Persona
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    NEWCOMER,
    STRANGER,
    SUPERVISOR,
    BotWorld,
)

FORGED = "这个按钮已失效，请用 /show 重新查看工单。"
NOT_YOURS = "这个按钮不是给你的。"


async def _card(world: BotWorld) -> dict[str, Any]:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    return world.last_bot_message(ASSIGNEE.id)


async def _refused(
    world: BotWorld, persona: Persona, chat_id: int, message: dict[str, Any], data: str
) -> str:
    """Press `data` on `message` (forging it if the message has no such button); return the
    alert, after checking that nothing changed: tickets, timeline, outbox and the message."""
    before = await world.state()
    shown = world.core.message(chat_id, int(message["message_id"]))
    if shown is not None and data in world.buttons(shown).values():
        await world.press(persona, chat_id, int(message["message_id"]), data)
    else:
        await world.press_forged(persona, chat_id, shown or message, data)
    answer = world.core.callback_answers[-1]
    assert answer.user_id == persona.id
    assert answer.show_alert, answer
    assert await world.state() == before
    assert world.core.message(chat_id, int(message["message_id"])) == shown
    return answer.text or ""


@pytest.mark.parametrize(
    ("data", "alert"),
    [
        ("ack:abc", FORGED),
        ("zzz:1", FORGED),
        ("agr:1", FORGED),
        ("agr:1:x", FORGED),
        ("ack:1:" + "9" * 40, FORGED),
        ("ack:999", "本团队没有这个工单。"),
        ("cap:1", "只有主管可以批准取消。"),
    ],
)
async def test_a_forged_press_is_refused_and_changes_nothing(
    world: BotWorld, data: str, alert: str
) -> None:
    card = await _card(world)

    assert await _refused(world, ASSIGNEE, ASSIGNEE.id, card, data) == alert


async def test_a_stale_outcome_button_is_refused_after_the_ticket_changed(
    world: BotWorld,
) -> None:
    card = await _card(world)
    stale_agreed = world.buttons(card)["🤝 已协商一致"]
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    assert (
        world.buttons(world.core.message(ASSIGNEE.id, card["message_id"]) or {})["🤝 已协商一致"]
        != stale_agreed
    )

    alert = await _refused(world, ASSIGNEE, ASSIGNEE.id, card, stale_agreed)

    assert alert == "#T1 刚刚被他人修改，本次操作未保存。请用 /show 重新查看。"


async def test_a_button_for_a_step_already_taken_is_refused(world: BotWorld) -> None:
    card = await _card(world)
    acknowledge = world.buttons(card)["✋ 确认接单"]
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🤝 已协商一致")

    alert = await _refused(world, ASSIGNEE, ASSIGNEE.id, card, acknowledge)

    assert alert == "该工单 当前为已解决，不能确认接单。"


async def test_a_stranger_cannot_approve_a_cancellation(world: BotWorld) -> None:
    await _card(world)
    await world.send(AGENT, GROUP, "/cancel 1 重复工单")
    await world.deliver()
    request = world.last_bot_message(GROUP)

    stranger = await _refused(
        world, STRANGER, GROUP, request, world.buttons(request)["✅ 批准取消"]
    )
    agent = await _refused(world, AGENT, GROUP, request, world.buttons(request)["✖️ 驳回"])

    # An alert in the group speaks the group's language, like everything else there.
    assert stranger == "只有主管可以批准取消。"
    assert agent == "只有主管可以驳回取消申请。"


async def test_a_member_cannot_press_a_supervisors_cancel_confirmation(world: BotWorld) -> None:
    await _card(world)
    await world.send(SUPERVISOR, GROUP, "/cancel 1 重复下单")
    confirm = world.last_bot_message(GROUP)

    for data in world.buttons(confirm).values():
        assert await _refused(world, AGENT, GROUP, confirm, data) == NOT_YOURS

    await world.press_text(SUPERVISOR, GROUP, confirm, "🚫 确认取消")
    assert "已取消" in (world.core.message(GROUP, confirm["message_id"]) or {})["text"]


async def test_nobody_else_can_take_a_step_of_someones_guided_ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "TB1001")
    kinds = world.last_bot_message(GROUP)

    for persona in (NEWCOMER, SUPERVISOR, STRANGER):
        alert = await _refused(world, persona, GROUP, kinds, world.buttons(kinds)["售后处理"])
        assert alert == NOT_YOURS

    await world.press_text(AGENT, GROUP, kinds, "售后处理")
    assignees = world.core.message(GROUP, kinds["message_id"]) or {}
    assert assignees["text"] == "售后处理 · 请选择处理人："
