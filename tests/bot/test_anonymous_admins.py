"""An anonymous group admin (Telegram's GroupAnonymousBot, on behalf of the group) is nobody
the bot can act as: every such admin shares one identity. The bot changes nothing and asks
them to post as themselves."""

from __future__ import annotations

from typing import Any

from tests.support.botworld import GROUP, SUPERVISOR, BotWorld

ANONYMOUS_ADMIN = 1087968824


async def _anonymously(world: BotWorld, text: str) -> None:
    update: dict[str, Any] = world.core.user_send_text(SUPERVISOR.id, GROUP, text)
    message = update["message"]
    message["from"] = {
        "id": ANONYMOUS_ADMIN,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    message["sender_chat"] = dict(message["chat"])
    await world.bot.process(update)


async def test_an_anonymous_admin_s_ticket_is_refused_with_a_hint(world: BotWorld) -> None:
    before = await world.state()

    await _anonymously(world, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")

    assert await world.state() == before
    assert await world.tickets() == []
    assert world.last_bot_message(GROUP)["text"].startswith("你正以群组的匿名身份发言")
    people = await world.bot.services.people.people([ANONYMOUS_ADMIN])
    assert ANONYMOUS_ADMIN not in people


async def test_an_anonymous_admin_s_chatter_is_left_alone(world: BotWorld) -> None:
    said = len(world.core.bot_messages(GROUP))

    await _anonymously(world, "各位辛苦了")

    assert len(world.core.bot_messages(GROUP)) == said
