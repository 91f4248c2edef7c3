"""A group's /export sends the team's data to the requester alone: the group, agents included,
hears only that it went out privately (or how to let the bot write to them)."""

from __future__ import annotations

import pytest

from bot.config import DatabaseSettings
from tests.bot.conftest import StartWorld
from tests.support.botworld import (
    AGENT,
    GROUP,
    NEWCOMER,
    SUPERVISOR,
    BotWorld,
    settings_for,
)


@pytest.fixture
async def unstarted_supervisor_world(
    start_with: StartWorld, database: DatabaseSettings
) -> BotWorld:
    """Chen Jing, who never opened the bot, is one of the team's supervisors."""
    return await start_with(settings_for(database.url, supervisors=(NEWCOMER.id,)))


def _documents(world: BotWorld, chat_id: int) -> list[dict[str, object]]:
    return [m for m in world.core.bot_messages(chat_id) if "document" in m]


async def test_a_group_export_arrives_in_private_and_the_group_sees_no_file(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")

    await world.send(SUPERVISOR, GROUP, "/export csv")

    assert not _documents(world, GROUP)
    assert world.last_bot_message(GROUP)["text"] == "导出文件已私聊发给你。"
    [document] = _documents(world, SUPERVISOR.id)
    assert document["caption"] == "导出完成：共 1 个工单。"


async def test_a_supervisor_the_bot_cannot_write_to_gets_the_start_button(
    unstarted_supervisor_world: BotWorld,
) -> None:
    world = unstarted_supervisor_world
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")

    await world.send(NEWCOMER, GROUP, "/export csv")

    assert not _documents(world, GROUP)
    answer = world.last_bot_message(GROUP)
    assert answer["text"].startswith("我还不能私聊你")
    [url] = world.buttons(answer).values()
    assert url.startswith(f"https://t.me/{world.bot.bot_username}?start=")
