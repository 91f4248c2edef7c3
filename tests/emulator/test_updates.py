"""getUpdates: offsets, limits, long polling, allowed_updates and conflicts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, FakeClock, ManualSleep, api, ok


async def test_offset_confirms_earlier_updates(core: EmulatorCore) -> None:
    first = core.user_send_text(AGENT, GROUP, "one")
    second = core.user_send_text(AGENT, GROUP, "two")
    third = core.user_send_text(AGENT, GROUP, "three")
    ids = [u["update_id"] for u in (first, second, third)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]

    got = await ok(core, "getUpdates")
    assert [u["update_id"] for u in got] == ids
    # Without an offset nothing is confirmed: the same updates come again.
    assert [u["update_id"] for u in await ok(core, "getUpdates")] == ids
    got = await ok(core, "getUpdates", offset=ids[1])
    assert [u["update_id"] for u in got] == ids[1:]
    assert await ok(core, "getUpdates", offset=ids[2] + 1) == []
    assert core.pending_updates() == []


async def test_limit_and_negative_offset(core: EmulatorCore) -> None:
    ids = [core.user_send_text(AGENT, GROUP, f"m{n}")["update_id"] for n in range(5)]
    assert [u["update_id"] for u in await ok(core, "getUpdates", limit=2)] == ids[:2]
    # offset=-1 keeps only the newest update and forgets the others.
    assert [u["update_id"] for u in await ok(core, "getUpdates", offset=-1)] == ids[-1:]
    assert [u["update_id"] for u in await ok(core, "getUpdates")] == ids[-1:]


async def test_update_looks_like_telegram(core: EmulatorCore) -> None:
    core.user_send_text(AGENT, GROUP, "hello")
    (update,) = await ok(core, "getUpdates")
    message = update["message"]
    assert message["from"] == {
        "id": AGENT,
        "is_bot": False,
        "first_name": "Lin",
        "last_name": "Mei",
        "username": "linmei_cs",
        "language_code": "zh-hans",
    }
    assert message["chat"] == {
        "id": GROUP,
        "title": "客服组 Customer Service",
        "type": "supergroup",
    }
    assert message["date"] == 1740819600  # 2025-03-01 09:00 UTC from the injected clock
    assert message["message_id"] == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(core: EmulatorCore) -> None:
    poll = asyncio.create_task(api(core, "getUpdates", timeout=50))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not poll.done()
    core.user_send_text(AGENT, GROUP, "wake up")
    status, body = await asyncio.wait_for(poll, timeout=5)
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["wake up"]


async def test_long_poll_timeout_returns_empty_list(clock: FakeClock) -> None:
    sleep = ManualSleep()
    world = EmulatorCore(demo_scenario(), clock=clock, now=clock.now, sleep=sleep)
    poll = asyncio.create_task(api(world, "getUpdates", timeout=30))
    await asyncio.wait_for(sleep.called.wait(), timeout=5)
    assert sleep.requested == [30.0]
    assert not poll.done()
    sleep.release()  # the 30 s "pass"
    assert await asyncio.wait_for(poll, timeout=5) == (200, {"ok": True, "result": []})
    await world.aclose()


async def test_newer_poll_terminates_older_one(core: EmulatorCore) -> None:
    older = asyncio.create_task(api(core, "getUpdates", timeout=50))
    for _ in range(3):
        await asyncio.sleep(0)
    newer = asyncio.create_task(api(core, "getUpdates", timeout=50))
    status, body = await asyncio.wait_for(older, timeout=5)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
        "is running"
    )
    core.user_send_text(AGENT, GROUP, "for the newer")
    status, body = await asyncio.wait_for(newer, timeout=5)
    assert status == 200
    assert len(body["result"]) == 1


async def test_cancelled_poll_leaves_no_waiter(core: EmulatorCore) -> None:
    poll = asyncio.create_task(api(core, "getUpdates", timeout=50))
    for _ in range(3):
        await asyncio.sleep(0)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    # A fresh poll is not treated as a competitor of the cancelled one.
    core.user_send_text(AGENT, GROUP, "x")
    assert len(await ok(core, "getUpdates", timeout=1)) == 1


async def test_allowed_updates_filter_new_updates(core: EmulatorCore) -> None:
    sent = await ok(
        core,
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    await ok(core, "getUpdates", allowed_updates=["callback_query"])
    core.user_send_text(AGENT, GROUP, "ignored")
    pressed = core.user_press_button(AGENT, GROUP, sent["message_id"], "a")
    assert [u["update_id"] for u in await ok(core, "getUpdates")] == [pressed["update_id"]]
    # An empty list means "all default types" again.
    await ok(core, "getUpdates", allowed_updates=[])
    core.user_send_text(AGENT, GROUP, "seen")
    assert "message" in (await ok(core, "getUpdates"))[-1]


async def test_get_updates_conflicts_with_webhook(core: EmulatorCore) -> None:
    await ok(core, "setWebhook", url="http://127.0.0.1:9/hook")
    status, body = await api(core, "getUpdates")
    assert status == 409
    assert body["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first"
    )
    status, body = await api(core, "deleteWebhook")
    assert body == {"ok": True, "result": True, "description": "Webhook was deleted"}
    assert await ok(core, "getUpdates") == []


@pytest.fixture
async def privacy_core(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    from tests.emulator.conftest import privacy_scenario

    world = EmulatorCore(privacy_scenario(), clock=clock, now=clock.now)
    yield world
    await world.aclose()


async def test_privacy_mode_hides_chatter_but_not_commands(privacy_core: EmulatorCore) -> None:
    core = privacy_core
    core.user_send_text(AGENT, GROUP, "just chatting")
    command = core.user_send_text(AGENT, GROUP, "/ticket 1 broken")
    core.user_send_text(AGENT, GROUP, "/help@some_other_bot")
    sent = await ok(core, "sendMessage", chat_id=GROUP, text="Which order?")
    reply = core.user_send_text(ASSIGNEE, GROUP, "1042", reply_to=sent["message_id"])
    got = [u["update_id"] for u in await ok(core, "getUpdates")]
    assert got == [command["update_id"], reply["update_id"]]
    assert len(core.messages(GROUP)) == 5  # the panel still shows everything
