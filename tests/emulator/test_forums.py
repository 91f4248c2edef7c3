"""Forum topics: creating, editing, closing and reopening them, and messages inside them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from emulator.core import EmulatorCore
from emulator.errors import PersonaError
from emulator.scenario import GroupSpec, Scenario, demo_scenario
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, SUPERVISOR, FakeClock, api, ok

FORUM = -1005555555555


def forum_scenario(*, can_manage_topics: bool = True) -> Scenario:
    base = demo_scenario()
    forum = GroupSpec(
        id=FORUM,
        title="Forum team",
        administrators=(SUPERVISOR,),
        is_forum=True,
        bot_can_manage_topics=can_manage_topics,
    )
    plain = replace(base.groups[0], is_forum=False)
    return Scenario(bot=base.bot, groups=(plain, forum), personas=base.personas)


@pytest.fixture
async def forum(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    world = EmulatorCore(forum_scenario(), clock=clock, now=clock.now)
    yield world
    await world.aclose()


async def error_of(core: EmulatorCore, method: str, **params: object) -> tuple[int, str]:
    status, body = await api(core, method, **params)
    return status, body["description"]


async def test_a_topic_is_created_with_its_service_message_as_thread(forum: EmulatorCore) -> None:
    topic = await ok(forum, "createForumTopic", chat_id=FORUM, name="#T1 · aftersale")
    thread = topic["message_thread_id"]
    assert topic == {"message_thread_id": thread, "name": "#T1 · aftersale", "icon_color": 0x6FB9F0}
    created = forum.message(FORUM, thread)
    assert created is not None
    assert created["forum_topic_created"] == {"name": "#T1 · aftersale", "icon_color": 0x6FB9F0}
    assert (created["message_thread_id"], created["is_topic_message"]) == (thread, True)
    assert (await ok(forum, "getChat", chat_id=FORUM))["is_forum"] is True


async def test_bot_messages_go_into_the_topic_named_by_message_thread_id(
    forum: EmulatorCore,
) -> None:
    thread = (await ok(forum, "createForumTopic", chat_id=FORUM, name="T1"))["message_thread_id"]
    sent = await ok(forum, "sendMessage", chat_id=FORUM, text="in topic", message_thread_id=thread)
    general = await ok(forum, "sendMessage", chat_id=FORUM, text="in general")
    assert (sent["message_thread_id"], sent["is_topic_message"]) == (thread, True)
    assert "message_thread_id" not in general
    assert [m.get("text") for m in forum.topic_messages(FORUM, thread)] == [None, "in topic"]
    assert [m["text"] for m in forum.topic_messages(FORUM, None)] == ["in general"]


async def test_a_reply_lands_in_the_topic_of_the_message_it_answers(forum: EmulatorCore) -> None:
    thread = (await ok(forum, "createForumTopic", chat_id=FORUM, name="T1"))["message_thread_id"]
    update = forum.user_send_text(AGENT, FORUM, "hello", thread_id=thread)
    mine = update["message"]
    assert (mine["message_thread_id"], mine["is_topic_message"]) == (thread, True)
    reply = await ok(
        forum, "sendMessage", chat_id=FORUM, text="hi", reply_to_message_id=mine["message_id"]
    )
    assert reply["message_thread_id"] == thread


async def test_topic_errors_are_telegrams(forum: EmulatorCore) -> None:
    assert await error_of(forum, "createForumTopic", chat_id=GROUP, name="x") == (
        400,
        "Bad Request: the chat is not a forum",
    )
    assert await error_of(forum, "createForumTopic", chat_id=FORUM, name="x" * 129) == (
        400,
        "Bad Request: TOPIC_TITLE_TOO_LONG",
    )
    assert await error_of(forum, "createForumTopic", chat_id=FORUM, name="") == (
        400,
        "Bad Request: TOPIC_TITLE_EMPTY",
    )
    assert await error_of(forum, "createForumTopic", chat_id=FORUM, name="x", icon_color=1) == (
        400,
        "Bad Request: TOPIC_ICON_COLOR_INVALID",
    )
    assert await error_of(forum, "sendMessage", chat_id=FORUM, text="x", message_thread_id=999) == (
        400,
        "Bad Request: message thread not found",
    )
    assert await error_of(forum, "sendMessage", chat_id=GROUP, text="x", message_thread_id=1) == (
        400,
        "Bad Request: message thread not found",
    )
    assert await error_of(forum, "editForumTopic", chat_id=FORUM, message_thread_id=999) == (
        400,
        "Bad Request: message thread not found",
    )


async def test_edit_close_and_reopen_leave_service_messages_and_refuse_no_change(
    forum: EmulatorCore,
) -> None:
    thread = (await ok(forum, "createForumTopic", chat_id=FORUM, name="T1"))["message_thread_id"]
    assert await ok(forum, "editForumTopic", chat_id=FORUM, message_thread_id=thread, name="T1 ✓")
    assert await error_of(
        forum, "editForumTopic", chat_id=FORUM, message_thread_id=thread, name="T1 ✓"
    ) == (400, "Bad Request: TOPIC_NOT_MODIFIED")
    assert await ok(forum, "closeForumTopic", chat_id=FORUM, message_thread_id=thread)
    assert await error_of(forum, "closeForumTopic", chat_id=FORUM, message_thread_id=thread) == (
        400,
        "Bad Request: TOPIC_NOT_MODIFIED",
    )
    assert forum.topics(FORUM)[0] | {} == {
        "message_thread_id": thread,
        "name": "T1 ✓",
        "icon_color": 0x6FB9F0,
        "is_closed": True,
    }
    with pytest.raises(PersonaError, match="closed"):
        forum.user_send_text(AGENT, FORUM, "late", thread_id=thread)
    # An administrator who may manage topics still writes in a closed one.
    forum.user_send_text(SUPERVISOR, FORUM, "admin note", thread_id=thread)
    assert await ok(forum, "reopenForumTopic", chat_id=FORUM, message_thread_id=thread)
    forum.user_send_text(AGENT, FORUM, "open again", thread_id=thread)
    services = [
        next(key for key in message if key.startswith("forum_topic_"))
        for message in forum.topic_messages(FORUM, thread)
        if any(key.startswith("forum_topic_") for key in message)
    ]
    assert services == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]


async def test_without_can_manage_topics_the_bot_cannot_create_a_topic(clock: FakeClock) -> None:
    core = EmulatorCore(forum_scenario(can_manage_topics=False), clock=clock, now=clock.now)
    assert await error_of(core, "createForumTopic", chat_id=FORUM, name="x") == (
        400,
        "Bad Request: not enough rights to create a topic",
    )
    member = await ok(core, "getChatMember", chat_id=FORUM, user_id=core.bot_id)
    assert (member["status"], member["can_manage_topics"]) == ("administrator", False)
    await core.aclose()


async def test_the_bot_with_the_right_is_reported_so(forum: EmulatorCore) -> None:
    member = await ok(forum, "getChatMember", chat_id=FORUM, user_id=forum.bot_id)
    assert member["can_manage_topics"] is True
    other = await ok(forum, "getChatMember", chat_id=GROUP, user_id=forum.bot_id)
    assert other["can_manage_topics"] is False


async def test_a_deleted_topic_takes_its_messages(forum: EmulatorCore) -> None:
    thread = (await ok(forum, "createForumTopic", chat_id=FORUM, name="T1"))["message_thread_id"]
    forum.user_send_text(ASSIGNEE, FORUM, "note", thread_id=thread)
    assert await ok(forum, "deleteForumTopic", chat_id=FORUM, message_thread_id=thread)
    assert forum.topics(FORUM) == []
    assert forum.topic_messages(FORUM, thread) == []
    with pytest.raises(PersonaError):
        forum.user_send_text(ASSIGNEE, FORUM, "gone", thread_id=thread)
