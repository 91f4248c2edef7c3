"""Inline mode: inline_query updates, answerInlineQuery's limits, chosen results via the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from emulator.core import EmulatorCore
from emulator.errors import PersonaError
from emulator.scenario import Scenario, demo_scenario
from tests.emulator.conftest import AGENT, GROUP, FakeClock, api, ok


def inline_scenario(*, feedback: bool = True) -> Scenario:
    base = demo_scenario()
    bot = replace(base.bot, supports_inline_queries=True, inline_feedback=feedback)
    return replace(base, bot=bot)


@pytest.fixture
async def inline(clock: FakeClock) -> AsyncIterator[EmulatorCore]:
    world = EmulatorCore(inline_scenario(), clock=clock, now=clock.now)
    yield world
    await world.aclose()


def article(result_id: str, text: str = "T1 · TB1001") -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": text,
        "input_message_content": {"message_text": f"<b>{text}</b>", "parse_mode": "HTML"},
        "reply_markup": {"inline_keyboard": [[{"text": "Open", "url": "https://t.me/x?start=a"}]]},
    }


async def description(core: EmulatorCore, method: str, **params: object) -> str:
    status, body = await api(core, method, **params)
    assert status == 400
    return str(body["description"])


async def test_a_typed_query_reaches_the_bot_and_its_answer_is_kept(inline: EmulatorCore) -> None:
    update = inline.user_inline_query(AGENT, "TB1001", chat_id=GROUP)
    query = update["inline_query"]
    assert (query["query"], query["offset"], query["chat_type"]) == ("TB1001", "", "supergroup")
    assert inline.pending_updates()[-1] == update
    assert await ok(
        inline,
        "answerInlineQuery",
        inline_query_id=query["id"],
        results=[article("t1")],
        next_offset="50",
    )
    answered = inline.inline_query(query["id"])
    assert [r["id"] for r in answered.results or []] == ["t1"]
    assert answered.next_offset == "50"


async def test_answer_limits(inline: EmulatorCore, clock: FakeClock) -> None:
    query_id = inline.user_inline_query(AGENT, "x")["inline_query"]["id"]
    too_many = [article(str(n)) for n in range(51)]
    assert await description(
        inline, "answerInlineQuery", inline_query_id=query_id, results=too_many
    ) == ("Bad Request: RESULTS_TOO_MUCH")
    assert await description(
        inline, "answerInlineQuery", inline_query_id=query_id, results=[article("a"), article("a")]
    ) == ("Bad Request: RESULT_ID_DUPLICATE")
    assert await description(
        inline, "answerInlineQuery", inline_query_id=query_id, results=[article("x" * 65)]
    ) == ("Bad Request: RESULT_ID_INVALID")
    assert await description(
        inline,
        "answerInlineQuery",
        inline_query_id=query_id,
        results=[article("a")],
        next_offset="9" * 65,
    ) == ("Bad Request: NEXT_OFFSET_INVALID")
    # Fifty is fine, and a query is answered once.
    fifty = [article(str(n)) for n in range(50)]
    assert await ok(inline, "answerInlineQuery", inline_query_id=query_id, results=fifty)
    assert "query is too old" in await description(
        inline, "answerInlineQuery", inline_query_id=query_id, results=[]
    )
    late = inline.user_inline_query(AGENT, "y")["inline_query"]["id"]
    clock.advance(60)
    assert "query is too old" in await description(
        inline, "answerInlineQuery", inline_query_id=late, results=[]
    )


async def test_a_chosen_result_is_sent_via_the_bot_and_reported(inline: EmulatorCore) -> None:
    query_id = inline.user_inline_query(AGENT, "TB")["inline_query"]["id"]
    await ok(inline, "answerInlineQuery", inline_query_id=query_id, results=[article("t7")])
    inline.user_choose_inline_result(AGENT, GROUP, query_id, "t7")
    sent = inline.last_message(GROUP)
    assert sent is not None
    assert (sent["from"]["id"], sent["via_bot"]["id"], sent["text"]) == (
        AGENT,
        inline.bot_id,
        "T1 · TB1001",
    )
    assert sent["entities"][0]["type"] == "bold"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["text"] == "Open"
    chosen = [u for u in inline.pending_updates() if "chosen_inline_result" in u]
    assert chosen[-1]["chosen_inline_result"]["result_id"] == "t7"
    assert chosen[-1]["chosen_inline_result"]["inline_message_id"]


async def test_a_bot_without_inline_mode_gets_no_queries(clock: FakeClock) -> None:
    base = demo_scenario()
    core = EmulatorCore(replace(base, bot=replace(base.bot, supports_inline_queries=False)))
    with pytest.raises(PersonaError, match="inline"):
        core.user_inline_query(AGENT, "TB1001")
    await core.aclose()
