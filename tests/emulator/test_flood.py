"""Flood limits with an injected clock: 1/s per private chat, 20/min per group, 30/s overall."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from tests.emulator.conftest import (
    AGENT,
    ASSIGNEE,
    GROUP,
    OTHER_GROUP,
    SUPERVISOR,
    FakeClock,
    api,
    ok,
    two_group_scenario,
)


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    world = EmulatorCore(two_group_scenario(), clock=clock, now=clock.now, flood_limits=True)
    yield world
    await world.aclose()


async def send(core: EmulatorCore, chat_id: int, text: str = "x") -> tuple[int, dict[str, object]]:
    return await api(core, "sendMessage", chat_id=chat_id, text=text)


async def test_off_by_default(core: EmulatorCore) -> None:
    for _ in range(40):
        assert (await send(core, ASSIGNEE))[0] == 200


async def test_private_chat_one_per_second(limited: EmulatorCore, clock: FakeClock) -> None:
    assert (await send(limited, ASSIGNEE))[0] == 200
    clock.advance(0.4)
    status, body = await send(limited, ASSIGNEE)
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    # Another private chat is not affected.
    assert (await send(limited, SUPERVISOR))[0] == 200
    # Inside the retry_after window (which started at the refusal) the chat stays closed,
    # and the new refusal announces a new whole-second window that is honoured in turn.
    clock.advance(0.9)
    status, body = await send(limited, ASSIGNEE)
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    clock.advance(0.99)
    assert (await send(limited, ASSIGNEE))[0] == 429
    clock.advance(1.0)
    assert (await send(limited, ASSIGNEE))[0] == 200


async def test_group_twenty_per_minute(limited: EmulatorCore, clock: FakeClock) -> None:
    for _ in range(20):
        assert (await send(limited, GROUP))[0] == 200
        clock.advance(1.0)
    # 20 sends at t=0..19; the 21st fits when the first leaves the 60 s window at t=60.
    status, body = await send(limited, GROUP)
    assert status == 429
    assert body["parameters"] == {"retry_after": 40}
    clock.advance(39.5)
    status, body = await send(limited, GROUP)
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    clock.advance(1.0)
    assert (await send(limited, GROUP))[0] == 200


async def test_thirty_per_second_overall(limited: EmulatorCore, clock: FakeClock) -> None:
    for _ in range(20):
        assert (await send(limited, GROUP))[0] == 200
    for _ in range(10):
        assert (await send(limited, OTHER_GROUP))[0] == 200
    status, body = await send(limited, OTHER_GROUP)
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    # The bot-wide window also closes private chats that were never written to.
    assert (await send(limited, AGENT))[0] == 429
    clock.advance(1.0)
    assert (await send(limited, AGENT))[0] == 200


async def test_no_request_accepted_inside_a_retry_window(
    limited: EmulatorCore, clock: FakeClock
) -> None:
    # An eager client: sends every 0.25 s, and after a 429 waits exactly retry_after.
    waited_after_refusal = False
    for _ in range(40):
        status, body = await send(limited, ASSIGNEE)
        if status == 429:
            assert not waited_after_refusal, "waiting retry_after must be enough"
            parameters = body["parameters"]
            assert isinstance(parameters, dict)
            clock.advance(parameters["retry_after"])
            waited_after_refusal = True
        else:
            waited_after_refusal = False
            clock.advance(0.25)
    log = [r for r in limited.request_log if r.method == "sendMessage" and r.chat_id == ASSIGNEE]
    windows: list[tuple[float, float]] = []
    for record in log:
        if record.status == 429:
            retry_after = int((record.description or "").rsplit(" ", 1)[1])
            windows.append((record.time, record.time + retry_after))
    accepted = [r.time for r in log if r.status == 200]
    assert len(windows) >= 10
    assert len(accepted) >= 10
    for time in accepted:
        assert not any(start <= time < end for start, end in windows)
    for first, second in itertools.pairwise(accepted):
        assert second - first >= 1.0


async def test_hammering_inside_the_window_keeps_it_closed(
    limited: EmulatorCore, clock: FakeClock
) -> None:
    assert (await send(limited, ASSIGNEE))[0] == 200
    refusals: list[tuple[float, int]] = []
    for _ in range(8):
        clock.advance(0.25)
        status, body = await send(limited, ASSIGNEE)
        assert status == 429
        parameters = body["parameters"]
        assert isinstance(parameters, dict)
        refusals.append((clock(), parameters["retry_after"]))
    # The last announced window is honoured: just before its end still 429, at its end 200.
    last_time, retry_after = refusals[-1]
    clock.seconds = last_time + retry_after - 0.01
    assert (await send(limited, ASSIGNEE))[0] == 429
    clock.seconds = clock() + retry_after
    assert (await send(limited, ASSIGNEE))[0] == 200


async def test_edits_count_but_polling_and_answers_do_not(
    limited: EmulatorCore, clock: FakeClock
) -> None:
    sent = await ok(
        limited,
        "sendMessage",
        chat_id=ASSIGNEE,
        text="v1",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    status, _ = await api(
        limited, "editMessageText", chat_id=ASSIGNEE, message_id=sent["message_id"], text="v2"
    )
    assert status == 429
    query = limited.user_press_button(ASSIGNEE, ASSIGNEE, sent["message_id"], "a")
    for _ in range(5):
        assert (await api(limited, "getUpdates"))[0] == 200
    status, _ = await api(
        limited, "answerCallbackQuery", callback_query_id=query["callback_query"]["id"]
    )
    assert status == 200


async def test_switch_at_runtime(limited: EmulatorCore) -> None:
    assert (await send(limited, ASSIGNEE))[0] == 200
    assert (await send(limited, ASSIGNEE))[0] == 429
    limited.set_flood_limits(False)
    assert (await send(limited, ASSIGNEE))[0] == 200
    assert (await send(limited, ASSIGNEE))[0] == 200
    limited.set_flood_limits(True)
    assert (await send(limited, ASSIGNEE))[0] == 200
    assert (await send(limited, ASSIGNEE))[0] == 429


async def test_refused_sends_store_nothing(clock: FakeClock) -> None:
    world = EmulatorCore(demo_scenario(), clock=clock, now=clock.now, flood_limits=True)
    await send(world, AGENT, "kept")
    await send(world, AGENT, "refused")
    assert [m["text"] for m in world.messages(AGENT)] == ["kept"]
    await world.aclose()


async def test_an_imposed_flood_wait_closes_that_chat_only(
    limited: EmulatorCore, clock: FakeClock
) -> None:
    """Telegram may impose a flood wait of its own on a chat; other chats are not affected."""
    limited.impose_flood_wait(GROUP, 30)
    status, body = await send(limited, GROUP)
    assert (status, body["parameters"]) == (429, {"retry_after": 30})
    assert (await send(limited, OTHER_GROUP))[0] == 200
    assert (await send(limited, ASSIGNEE))[0] == 200
    clock.advance(29.5)
    status, body = await send(limited, GROUP)
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    clock.advance(1.0)
    assert (await send(limited, GROUP))[0] == 200


async def test_an_imposed_bot_wide_flood_wait_closes_every_chat(
    limited: EmulatorCore, clock: FakeClock
) -> None:
    limited.impose_flood_wait(None, 5)
    assert (await send(limited, ASSIGNEE))[0] == 429
    assert (await send(limited, GROUP))[0] == 429
    clock.advance(5.0)
    assert (await send(limited, ASSIGNEE))[0] == 200
