"""Buttons carry ids, never rights, in the guided dialogue and the team choice too: a forged
assignee from another team and a forged team the presser is not in are refused."""

from __future__ import annotations

from bot.rendering.callbacks import Verb, encode
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, OTHER_GROUP, OUTSIDER, BotWorld

FORGED = "这个按钮已失效，请用 /show 重新查看工单。"


def _other_team_id(world: BotWorld) -> int:
    profile = world.bot.services.directory.by_chat(OTHER_GROUP)
    assert profile is not None
    return profile.team.id


async def test_a_forged_assignee_from_another_team_is_refused_unnamed(two_teams: BotWorld) -> None:
    world = two_teams
    await world.send(AGENT, GROUP, "/ticket")
    await world.reply(AGENT, GROUP, world.last_bot_message(GROUP), "TB1001")
    await world.press_text(AGENT, GROUP, world.last_bot_message(GROUP), "售后处理")
    choices = world.last_bot_message(GROUP)
    said = len(world.core.bot_messages(GROUP))

    await world.press_forged(AGENT, GROUP, choices, encode(Verb.NEW_ASSIGNEE, OUTSIDER.id))

    assert world.alerts()[-1] == FORGED
    assert len(world.core.bot_messages(GROUP)) == said
    assert all("Mallory" not in text for text in world.bot_texts(GROUP))


async def test_a_forged_team_choice_for_a_team_one_is_not_in_is_refused(
    two_teams: BotWorld,
) -> None:
    world = two_teams
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    other = _other_team_id(world)

    await world.press_forged(ASSIGNEE, ASSIGNEE.id, card, encode(Verb.TEAM, other))

    assert world.alerts()[-1] == "你不是该团队的成员。"
    stored = await world.database.read(lambda tx: tx.people.private_team(ASSIGNEE.id))
    assert stored != other
