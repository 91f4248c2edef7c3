"""Inline search: `@bot TB1001` lists tickets of the user's own teams, never another team's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.config import DatabaseSettings
from emulator.scenario import Scenario
from storage.database import Database
from tests.support.botworld import (
    AGENT,
    ASSIGNEE,
    GROUP,
    OTHER_GROUP,
    OUTSIDER,
    STRANGER,
    BotWorld,
    scenario,
    settings_for,
    start_world,
)
from tests.support.clock import FakeClock


def inline_scenario() -> Scenario:
    base = scenario()
    return replace(base, bot=replace(base.bot, supports_inline_queries=True))


@pytest.fixture
async def shops(
    db: Database, clock: FakeClock, database: DatabaseSettings
) -> AsyncIterator[BotWorld]:
    """Two teams with tickets: TB1001, TB1002 and TB2001 in ours, TB1009 in the other shop's."""
    settings = settings_for(database.url, other_team=True)
    world = await start_world(db, clock, settings, inline_scenario())
    await world.send(OUTSIDER, OTHER_GROUP, "hello")
    await world.send(STRANGER, OTHER_GROUP, "hello")
    await world.send(STRANGER, GROUP, "hello")
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.send(AGENT, GROUP, "/ticket TB1002 #发货 @zhouhao_aftersale 今天发")
    await world.send(AGENT, GROUP, "/ticket TB2001 #发货 @linmei_cs 换地址 blue mug")
    await world.send(OUTSIDER, OTHER_GROUP, "/ticket TB1009 #发货 secret other shop")
    await world.deliver()
    yield world
    await world.bot.stop()


async def search(world: BotWorld, user_id: int, text: str, offset: str = "") -> Any:
    update = world.core.user_inline_query(user_id, text, offset=offset)
    await world.bot.process(update)
    answer = world.core.inline_query(update["inline_query"]["id"])
    assert answer.results is not None, "the bot did not answer"
    return answer


def orders(answer: Any) -> list[str]:
    return sorted(str(result["title"]).split(" · ")[-1] for result in answer.results)


async def test_an_order_id_prefix_finds_the_teams_tickets_only(shops: BotWorld) -> None:
    answer = await search(shops, AGENT.id, "TB100")
    assert orders(answer) == ["TB1001", "TB1002"]
    assert answer.next_offset == ""
    assert answer.extra["is_personal"] is True
    assert orders(await search(shops, AGENT.id, "tb2")) == ["TB2001"]


async def test_another_teams_member_sees_only_their_own(shops: BotWorld) -> None:
    assert orders(await search(shops, OUTSIDER.id, "TB100")) == ["TB1009"]
    # Someone in both teams sees both.
    assert orders(await search(shops, STRANGER.id, "TB100")) == ["TB1001", "TB1002", "TB1009"]
    # Text and numbers stay within the team too.
    assert orders(await search(shops, AGENT.id, "secret")) == []
    assert "TB1009" not in orders(await search(shops, AGENT.id, "1"))


async def test_a_number_or_text_finds_a_ticket(shops: BotWorld) -> None:
    assert "TB1002" in orders(await search(shops, AGENT.id, "#T2"))
    assert orders(await search(shops, AGENT.id, "blue MUG")) == ["TB2001"]


async def test_an_empty_query_lists_the_users_own_to_do(shops: BotWorld) -> None:
    assert orders(await search(shops, ASSIGNEE.id, "")) == ["TB1001", "TB1002"]
    assert orders(await search(shops, AGENT.id, "")) == ["TB2001"]


async def test_pages_follow_next_offset(shops: BotWorld) -> None:
    queries = shops.bot.services.queries
    first = await queries.search(AGENT.id, "TB", offset=0, limit=2)
    assert len(first.tickets) == 2
    assert first.next_offset == 2
    rest = await queries.search(AGENT.id, "TB", offset=2, limit=2)
    assert [t.order_id for t in rest.tickets] == ["TB1001"]
    assert rest.next_offset is None


async def test_a_chosen_result_is_the_tickets_summary_with_an_open_button(
    shops: BotWorld,
) -> None:
    answer = await search(shops, AGENT.id, "TB1001")
    (result,) = answer.results
    shops.core.user_choose_inline_result(AGENT.id, GROUP, answer.id, result["id"])
    sent = shops.core.last_message(GROUP)
    assert sent is not None
    assert sent["via_bot"]["id"] == shops.core.bot_id
    assert "TB1001" in sent["text"]
    assert "杯子碎了" in sent["text"]
    url = shops.buttons(sent)["打开"]
    assert url.endswith(f"?start=t{shops.team_id}_1")
