"""The supervisors' daily digest, in private, at the team's `digest_at`; off by default."""

from __future__ import annotations

from datetime import time, timedelta

from bot.config import DatabaseSettings, Settings
from tests.bot.conftest import StartWorld
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld, settings_for


def _with_digest(database: DatabaseSettings, language: str, at: time) -> Settings:
    # Lin Mei supervises too: her private chat speaks Chinese, Wang Lei's English.
    settings = settings_for(database.url, language=language, supervisors=(AGENT.id,))
    team = settings.teams[0].model_copy(update={"digest_at": at})
    return settings.model_copy(update={"teams": [team]})


async def _a_morning(world: BotWorld) -> None:
    """Day one 09:00: two tickets and a cancel request; day two 09:30 the sweep runs."""
    await world.send(AGENT, GROUP, "/ticket TB5001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.send(AGENT, GROUP, "/ticket TB5002 #aftersale @zhouhao_aftersale 少发一件")
    await world.send(ASSIGNEE, GROUP, "/cancel T2 客户撤回")
    world.clock.advance(timedelta(hours=12))
    await world.send(AGENT, GROUP, "/ticket TB5003 #aftersale @zhouhao_aftersale 发错颜色")
    world.clock.advance(timedelta(hours=12, minutes=30))
    await world.bot.sweeper.sweep()
    await world.deliver()


async def test_the_digest_reaches_each_supervisor_in_private_once_a_day(
    start_with: StartWorld, database: DatabaseSettings
) -> None:
    world = await start_with(_with_digest(database, "zh", time(9, 30)))
    await _a_morning(world)

    assert world.last_bot_message(AGENT.id)["text"] == (
        "☀️ 客服组 今日概览\n"
        "⏰ 已逾期：0\n"
        "📅 今日到期：1\n"
        "    #T3 售后处理 · TB5003 · 还剩 12小时\n"
        "🚨 已升级：2\n"
        "    #T1 售后处理 · TB5001 · 已逾期 30分钟\n"
        "    #T2 售后处理 · TB5002 · 已逾期 30分钟\n"
        "🙋 待审批的取消申请：1\n"
        "    #T2 售后处理 · TB5002 · 已逾期 30分钟"
    )
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith("☀️ Today at 客服组\n")
    assert not any("☀️" in text for text in world.bot_texts(GROUP))
    said = len(world.core.bot_messages(SUPERVISOR.id))
    world.clock.advance(timedelta(hours=1))
    await world.bot.sweeper.sweep()
    await world.deliver()
    assert len(world.core.bot_messages(SUPERVISOR.id)) == said


async def test_english_digest(start_with: StartWorld, database: DatabaseSettings) -> None:
    world = await start_with(_with_digest(database, "en", time(9, 30)))
    await _a_morning(world)

    assert world.last_bot_message(SUPERVISOR.id)["text"] == (
        "☀️ Today at 客服组\n"
        "⏰ Overdue: 0\n"
        "📅 Due today: 1\n"
        "    #T3 After-sales case · TB5003 · 12 hours left\n"
        "🚨 Escalated: 2\n"
        "    #T1 After-sales case · TB5001 · overdue by 30 minutes\n"
        "    #T2 After-sales case · TB5002 · overdue by 30 minutes\n"
        "🙋 Cancel requests waiting: 1\n"
        "    #T2 After-sales case · TB5002 · overdue by 30 minutes"
    )


async def test_no_digest_unless_the_team_asks_for_one(world: BotWorld) -> None:
    await _a_morning(world)

    assert not any("☀️" in text for text in world.bot_texts(SUPERVISOR.id))
