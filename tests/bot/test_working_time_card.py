"""A team with a calendar sees its deadlines in working time on the assignee's card."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import DatabaseSettings
from storage.database import Database
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld, settings_for, start_world
from tests.support.clock import FakeClock

OFFICE = ["09:00-12:00", "13:30-18:00"]


@pytest.fixture
async def shop_world(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[BotWorld]:
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE)
    settings = settings_for(
        database.url, calendars={"shop": {"timezone": "Asia/Shanghai", "holidays": "CN", **week}}
    )
    team = settings.teams[0].model_copy(update={"calendar": "shop"})
    started = await start_world(db, clock, settings.model_copy(update={"teams": (team,)}))
    yield started
    await started.bot.stop()


async def test_the_card_shows_working_time_left(shop_world: BotWorld) -> None:
    await shop_world.send(AGENT, GROUP, "/ticket TB1001 #shipping @zhouhao_aftersale 今天发货")
    await shop_world.deliver()

    card = shop_world.last_bot_message(ASSIGNEE.id)["text"]
    # Opened Monday 2 Nov at 09:00: 24 working hours end Thursday at 10:30 (7.5 h a day).
    assert "⏱ 截止：11月5日 10:30（还剩 24小时 工作时间）" in card


async def test_a_card_on_hold_says_so(shop_world: BotWorld) -> None:
    await shop_world.send(AGENT, GROUP, "/ticket TB1001 #shipping @zhouhao_aftersale 今天发货")
    await shop_world.send(ASSIGNEE, ASSIGNEE.id, "/hold T1 等仓库回复")
    await shop_world.deliver()

    card = shop_world.last_bot_message(ASSIGNEE.id)["text"]
    assert "⏸ 自 11月2日 09:00 起挂起" in card
