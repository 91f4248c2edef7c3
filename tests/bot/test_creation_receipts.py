"""A creator learns their new ticket's number even when the reply to /ticket is lost (a crash
after the commit, a send outage): a receipt written with the ticket goes out after a grace,
and only then; a reply that did go out cancels it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.services.tickets import RECEIPT_GRACE
from emulator.core import EmulatorCore
from tests.support.botworld import AGENT, GROUP, BotWorld

TICKET = "/ticket TB3003 #aftersale @zhouhao_aftersale 杯子碎了"
PAST_GRACE = RECEIPT_GRACE + timedelta(seconds=1)


def sends_fail(core: EmulatorCore, chat_id: int) -> list[bool]:
    """Every sendMessage to `chat_id` is answered 502 while the returned flag is set (the Bot
    API unreachable between the commit and the reply); returns the flag to clear."""
    down = [True]
    answer = core.call

    async def call(
        token: str, method: str, params: dict[str, Any], files: Any = None
    ) -> tuple[int, dict[str, Any]]:
        if down[0] and method == "sendMessage" and int(params.get("chat_id", 0)) == chat_id:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return await answer(token, method, params, files)

    core.call = call  # type: ignore[method-assign]
    return down


def mentions(world: BotWorld, chat_id: int, text: str) -> list[str]:
    return [sent for sent in world.bot_texts(chat_id) if text in sent]


async def test_a_lost_reply_in_the_group_is_made_up_for_once_after_the_grace(
    english_world: BotWorld,
) -> None:
    world = english_world
    down = sends_fail(world.core, GROUP)
    update = await world.send(AGENT, GROUP, TICKET)
    down[0] = False
    assert (await world.ticket(1)).number == 1
    await world.deliver()
    assert mentions(world, GROUP, "#T1") == []  # no reply, and the group notice was suppressed

    # Telegram delivers the update again: it was applied, so it is skipped, receipt and all.
    await world.bot.process(update)
    world.clock.advance(PAST_GRACE)
    await world.deliver()
    world.clock.advance(PAST_GRACE)
    await world.deliver()

    assert mentions(world, GROUP, "#T1") == ["🆕 #T1 was created."]


async def test_a_lost_reply_in_private_comes_in_the_chat_it_was_asked_in(
    world: BotWorld,
) -> None:
    down = sends_fail(world.core, AGENT.id)
    await world.send(AGENT, AGENT.id, TICKET)
    down[0] = False
    await world.deliver()
    assert mentions(world, AGENT.id, "#T1") == []

    world.clock.advance(RECEIPT_GRACE - timedelta(seconds=1))
    await world.deliver()
    assert mentions(world, AGENT.id, "#T1") == []  # the reply may still be on its way
    world.clock.advance(timedelta(seconds=2))
    await world.deliver()

    assert mentions(world, AGENT.id, "#T1") == ["🆕 #T1 已创建。"]


async def test_a_reply_that_went_out_cancels_the_receipt(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, TICKET)
    await world.deliver()
    world.clock.advance(PAST_GRACE * 3)
    await world.deliver()

    assert len(mentions(world, GROUP, "#T1")) == 1  # the reply, and nothing after it
    assert "已创建 #T1" in mentions(world, GROUP, "#T1")[0]
    receipts = [row for row in await world.outbox() if row.destination.startswith("receipt:")]
    assert len(receipts) == 1
    assert receipts[0].payload["template"] == "receipt"
