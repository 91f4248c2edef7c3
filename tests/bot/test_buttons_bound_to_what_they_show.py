"""A button is judged by what happened since it was drawn: a note or a reminder leaves a card's
buttons working; a superseded cancel request's buttons, and forged ids, are refused; a press in
a group is judged in that group's team."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Status
from bot.rendering.callbacks import Verb, encode
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    OTHER_GROUP,
    STRANGER,
    SUPERVISOR,
    BotWorld,
)

FORGED = "这个按钮已失效，请用 /show 重新查看工单。"


async def _ticket(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()


async def test_agreed_on_the_card_still_works_after_a_note(world: BotWorld) -> None:
    await _ticket(world)
    card = world.last_bot_message(ASSIGNEE.id)
    await world.send(AGENT, GROUP, "/note T1 客户很着急")
    await world.deliver()

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🤝 已协商一致")

    assert (await world.ticket(1)).status is Status.RESOLVED
    assert not world.alerts()


async def test_agreed_on_the_card_still_works_after_the_reminder(world: BotWorld) -> None:
    await _ticket(world)
    card = world.last_bot_message(ASSIGNEE.id)
    world.clock.advance(timedelta(hours=20, minutes=1))
    assert await world.bot.sweeper.sweep() == 1
    await world.deliver()

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🤝 已协商一致")

    assert (await world.ticket(1)).status is Status.RESOLVED
    assert not world.alerts()


async def test_approve_on_a_superseded_cancel_request_is_refused(world: BotWorld) -> None:
    await _ticket(world)
    await world.send(AGENT, GROUP, "/cancel T1 重复工单")
    await world.deliver()
    first_request = world.last_bot_message(GROUP)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome T1 agreed 已补发")
    await world.send(SUPERVISOR, GROUP, "/reopen T1 客户又来了")
    await world.send(AGENT, GROUP, "/cancel T1 这次真的重复了")
    await world.deliver()

    await world.press_text(SUPERVISOR, GROUP, first_request, "✅ 批准取消")

    ticket = await world.ticket(1)
    assert ticket.status is Status.OPEN
    assert ticket.cancel_request is not None
    assert ticket.cancel_request.reason == "这次真的重复了"
    assert world.alerts()[-1].startswith("#T1")


async def test_a_twenty_digit_id_is_a_forged_button(world: BotWorld) -> None:
    await _ticket(world)
    card = world.last_bot_message(ASSIGNEE.id)

    await world.press_forged(ASSIGNEE, ASSIGNEE.id, card, "ack:" + "9" * 20)

    assert world.alerts()[-1] == FORGED


async def test_a_member_of_two_teams_cannot_show_one_team_s_ticket_in_the_other_s_group(
    two_teams: BotWorld,
) -> None:
    world = two_teams
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    ticket = await world.ticket(1)
    await world.send(STRANGER, OTHER_GROUP, "/ticket")
    await world.reply(STRANGER, OTHER_GROUP, world.last_bot_message(OTHER_GROUP), "TB2001")
    answer = world.last_bot_message(OTHER_GROUP)  # which kind? with a button per kind
    said = len(world.core.bot_messages(OTHER_GROUP))

    await world.press_forged(STRANGER, OTHER_GROUP, answer, encode(Verb.SHOW, ticket.id))

    assert len(world.core.bot_messages(OTHER_GROUP)) == said
    assert "TB1001" not in world.alerts()[-1]
    assert world.alerts()[-1] == "That ticket does not exist in this team."
