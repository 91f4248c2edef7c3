"""A forum topic per ticket: the ticket's life in its topic, and groups that cannot have one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.config import DatabaseSettings, Settings
from bot.domain.model import EventType
from emulator.scenario import GroupSpec, Scenario
from storage.database import Database
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    SUPERVISOR,
    BotWorld,
    png,
    scenario,
    settings_for,
    start_world,
)
from tests.support.clock import FakeClock

StartForum = Callable[..., Awaitable[BotWorld]]


def forum_scenario(*, is_forum: bool = True, can_manage_topics: bool = True) -> Scenario:
    base = scenario()
    team_group = replace(base.groups[0], is_forum=is_forum, bot_can_manage_topics=can_manage_topics)
    groups: tuple[GroupSpec, ...] = (team_group, *base.groups[1:])
    return replace(base, groups=groups)


def topics_on(url: str) -> Settings:
    settings = settings_for(url)
    team = settings.teams[0].model_copy(update={"topics": "per_ticket"})
    return settings.model_copy(update={"teams": (team,)})


@pytest.fixture
async def start_forum(
    db: Database, clock: FakeClock, database: DatabaseSettings
) -> AsyncIterator[StartForum]:
    started: list[BotWorld] = []

    async def start(**group: Any) -> BotWorld:
        world = await start_world(db, clock, topics_on(database.url), forum_scenario(**group))
        started.append(world)
        return world

    yield start
    for world in started:
        await world.bot.stop()


async def settle(world: BotWorld) -> None:
    """What the running bot does after each commit: topics in step, then the outbox sent."""
    await world.bot.topics.sync_once()
    await world.deliver()


def topic(world: BotWorld) -> dict[str, Any]:
    (only,) = world.core.topics(GROUP)
    return only


async def test_a_tickets_life_in_its_topic(start_forum: StartForum) -> None:
    world = await start_forum()
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await settle(world)

    opened = topic(world)
    thread = opened["message_thread_id"]
    assert opened["name"] == "#T1 · 售后处理 · TB1001 · 待处理"
    assert len(opened["name"]) <= 128
    assert not opened["is_closed"]
    # The creation notice stays in General.
    assert "已创建 #T1" in str(world.core.topic_messages(GROUP, None)[-1]["text"])

    # Members discuss the ticket in its topic: each message is a note on its timeline.
    await world.send(AGENT, GROUP, "客户说下午在家", thread_id=thread)
    await world.send(SUPERVISOR, GROUP, "Please call before 5pm", thread_id=thread)
    await settle(world)
    timeline = await world.timeline(1)
    assert timeline.count(EventType.NOTE) == 2
    # The assignee hears of them in private, as of any note.
    assert any("客户说下午在家" in text for text in world.bot_texts(ASSIGNEE.id))

    # The outcome: the group's notice goes into the topic, which shows it and closes.
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome 1 agreed 已补发")
    await settle(world)
    in_topic = [m for m in world.core.topic_messages(GROUP, thread) if m.get("text")]
    assert any("#T1" in m["text"] for m in in_topic if m["from"]["id"] == world.core.bot_id)
    closed = topic(world)
    assert closed["is_closed"]
    assert closed["name"] == "#T1 · 售后处理 · TB1001 · 已解决"

    # A supervisor reopens it: the topic opens again and shows the status.
    await world.send(SUPERVISOR, GROUP, "/reopen 1 客户又来了")
    await settle(world)
    reopened = topic(world)
    assert not reopened["is_closed"]
    assert reopened["message_thread_id"] == thread
    assert reopened["name"].endswith("待处理")
    services = [
        key
        for message in world.core.topic_messages(GROUP, thread)
        for key in message
        if key.startswith("forum_topic_")
    ]
    assert services == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_edited",
        "forum_topic_reopened",
    ]


async def test_a_file_in_the_topic_is_offered_to_the_assignee(start_forum: StartForum) -> None:
    world = await start_forum()
    await world.send(AGENT, GROUP, "/ticket TB1002 #aftersale @zhouhao_aftersale 外箱破损")
    await settle(world)
    thread = topic(world)["message_thread_id"]

    update = world.core.user_send_photo(AGENT.id, GROUP, png(900, 700), thread_id=thread)
    await world.bot.process(update)
    offer = world.last_bot_message(ASSIGNEE.id)
    assert "photo" in offer
    assert await world.evidence(1) == []

    await world.press_text(ASSIGNEE, ASSIGNEE.id, offer, "加为凭证")
    assert len(await world.evidence(1)) == 1


async def test_a_group_without_the_right_gets_one_hint_and_works_as_before(
    start_forum: StartForum,
) -> None:
    world = await start_forum(can_manage_topics=False)
    await world.send(AGENT, GROUP, "/ticket TB1003 #发货 @zhouhao_aftersale 今天发")
    await world.send(AGENT, GROUP, "/ticket TB1004 #发货 @zhouhao_aftersale 明天发")
    await settle(world)

    assert world.core.topics(GROUP) == []
    hints = [text for text in world.bot_texts(GROUP) if "管理话题" in text]
    assert len(hints) == 1
    assert "\n" not in hints[0]

    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome 1 done 已发出")
    await settle(world)
    notice = world.last_bot_message(GROUP)
    assert "#T1" in notice["text"]
    assert "message_thread_id" not in notice


async def test_a_group_that_is_no_forum_is_told_so(start_forum: StartForum) -> None:
    world = await start_forum(is_forum=False)
    await world.send(AGENT, GROUP, "/ticket TB1005 #发货 @zhouhao_aftersale 今天发")
    await settle(world)
    assert sum("未启用话题" in text for text in world.bot_texts(GROUP)) == 1
