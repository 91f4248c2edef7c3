"""Every malformed form of every command, sent in the group: one short reply in the team's
language that says what was wrong and shows the command's usage, and nothing else happens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import DatabaseSettings
from bot.domain.model import Language
from bot.i18n import Catalogs, plain
from storage.database import Database
from tests.support.botworld import AGENT, GROUP, BotWorld, settings_for, start_world
from tests.support.clock import FakeClock

KINDS = "#review #shipping #waybill #stockout #aftersale #memo #task #collab"

#: (what is typed, the command whose usage is shown, the problem, the problem's parameters)
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("/ticket TB1", "ticket", "description_missing", {}),
    ("/ticket TB1001 #aftersale", "ticket", "description_missing", {}),
    ("/ticket T@@ 坏了", "ticket", "order_invalid", {"token": "T@@"}),
    ("/ticket 订单 坏了", "ticket", "order_invalid", {"token": "订单"}),
    ("/ticket TB1001 #nosuch 坏了", "ticket", "kind_unknown", {"token": "#nosuch", "known": KINDS}),
    ("/ticket TB1001 #aftersale #memo 坏了", "ticket", "kind_twice", {"token": "#memo"}),
    ("/ticket TB1001 @ab 坏了", "ticket", "assignee_invalid", {"token": "@ab"}),
    (
        "/ticket TB1001 @zhouhao_aftersale @linmei_cs 坏了",
        "ticket",
        "assignee_twice",
        {"token": "@linmei_cs"},
    ),
    ("/ticket TB1001 #memo " + "长" * 1501, "ticket", "text_too_long", {"limit": 1500}),
    ("/show", "show", "ticket_ref_missing", {}),
    ("/show abc", "show", "ticket_ref_invalid", {"token": "abc"}),
    ("/show T0", "show", "ticket_ref_invalid", {"token": "T0"}),
    ("/show 1 2", "show", "unexpected", {"token": "2"}),
    ("/note", "note", "ticket_ref_missing", {}),
    ("/note 1", "note", "text_missing", {}),
    ("/note x 客户回电", "note", "ticket_ref_invalid", {"token": "x"}),
    ("/transfer", "transfer", "ticket_ref_missing", {}),
    ("/transfer 1", "transfer", "assignee_missing", {}),
    ("/transfer 1 zhou", "transfer", "assignee_missing", {}),
    ("/transfer 1 @ab", "transfer", "assignee_invalid", {"token": "@ab"}),
    ("/outcome", "outcome", "ticket_ref_missing", {}),
    ("/outcome 1", "outcome", "outcome_missing", {}),
    ("/outcome 1 maybe", "outcome", "outcome_invalid", {"token": "maybe"}),
    ("/outcome 1 done", "outcome", "outcome_needs_agreement", {}),
    ("/evidence", "evidence", "ticket_ref_missing", {}),
    ("/evidence x", "evidence", "ticket_ref_invalid", {"token": "x"}),
    ("/cancel", "cancel", "ticket_ref_missing", {}),
    ("/cancel 1", "cancel", "reason_missing", {}),
    ("/cancel abc 重复", "cancel", "ticket_ref_invalid", {"token": "abc"}),
    ("/verdict", "verdict", "ticket_ref_missing", {}),
    ("/verdict 1", "verdict", "text_missing", {}),
    ("/appeal", "appeal", "ticket_ref_missing", {}),
    ("/appeal 1", "appeal", "reason_missing", {}),
    ("/reopen", "reopen", "ticket_ref_missing", {}),
    ("/reopen x", "reopen", "ticket_ref_invalid", {"token": "x"}),
    ("/mine now", "mine", "unexpected", {"token": "now"}),
    ("/created 1", "created", "unexpected", {"token": "1"}),
    ("/pending foo", "pending", "filter_invalid", {"token": "foo"}),
    ("/pending #nosuch", "pending", "kind_unknown", {"token": "#nosuch", "known": KINDS}),
    ("/pending @ab", "pending", "assignee_invalid", {"token": "@ab"}),
    (
        "/pending #aftersale @zhouhao_aftersale",
        "pending",
        "unexpected",
        {"token": "@zhouhao_aftersale"},
    ),
    ("/order", "order", "order_missing", {}),
    ("/order ??", "order", "order_invalid", {"token": "??"}),
    ("/order TB1 x", "order", "unexpected", {"token": "x"}),
    ("/stats 7x", "stats", "period_invalid", {"token": "7x"}),
    ("/stats week", "stats", "period_invalid", {"token": "week"}),
    ("/stats 7d 30d", "stats", "unexpected", {"token": "30d"}),
    ("/export pdf", "export", "unexpected", {"token": "pdf"}),
    ("/export csv xlsx", "export", "unexpected", {"token": "xlsx"}),
    ("/export csv 7q", "export", "period_invalid", {"token": "7q"}),
    ("/lang", "lang", "language_missing", {}),
    ("/lang fr", "lang", "language_invalid", {"token": "fr"}),
    ("/lang en zh", "lang", "unexpected", {"token": "zh"}),
    ("/help me", "help", "unexpected", {"token": "me"}),
    ("/frobnicate", "help", "unknown_command", {"token": "/frobnicate"}),
    (
        "/frobnicate@ticketbot_demo_bot 1",
        "help",
        "unknown_command",
        {"token": "/frobnicate@ticketbot_demo_bot"},
    ),
]


@pytest.fixture(params=[Language.ZH, Language.EN], ids=["zh", "en"])
async def team(
    request: pytest.FixtureRequest, db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[tuple[BotWorld, Language]]:
    """A team speaking each language in turn."""
    language: Language = request.param
    world = await start_world(db, clock, settings_for(database.url, language=language.value))
    yield world, language
    await world.bot.stop()


async def test_every_malformed_command_gets_its_usage_and_changes_nothing(
    team: tuple[BotWorld, Language],
) -> None:
    world, language = team
    texts = Catalogs()[language]
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    before = await world.state()

    for typed, command, problem, params in CASES:
        said = len(world.core.bot_messages(GROUP))
        sent = await world.send(AGENT, GROUP, typed)

        replies = world.core.bot_messages(GROUP)[said:]
        assert len(replies) == 1, (typed, replies)
        reply = replies[0]
        text = reply["text"]
        assert reply["reply_to_message"]["message_id"] == sent["message"]["message_id"]
        key = f"problem.{problem}"
        if texts.has(f"{key}.{command}"):
            key = f"{key}.{command}"
        what = plain(texts(key, command=command, **params))
        usage = plain(texts("usage.line", usage=texts(f"usage.{command}")))
        assert text == f"{what}\n{usage}", typed
        for leak in ("Traceback", "usage.", "problem.", "Error"):
            assert leak not in text, typed
        assert await world.state() == before, typed
        await world.deliver()
        assert await world.state() == before, typed


async def test_usage_replies_read_naturally(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #nosuch 坏了")
    assert world.last_bot_message(GROUP)["text"] == (
        f"未知类型“#nosuch”。可用类型：{KINDS}\n"
        "用法：/ticket <订单号> [#类型] [@处理人] <说明> — 例如 "
        "/ticket TB20261102001 #aftersale @zhouhao 杯子碎了，要求补发；只发 /ticket 进入引导创建"
    )
    await world.send(AGENT, GROUP, "/cancel 1")
    assert world.last_bot_message(GROUP)["text"] == (
        "请填写原因。\n用法：/cancel <工单号> <原因> — 例如 /cancel T1042 重复工单"
    )
    await world.send(AGENT, GROUP, "/note 1")
    assert world.last_bot_message(GROUP)["text"].startswith("请写上备注内容。\n用法：/note")
    await world.send(AGENT, GROUP, "/export pdf")
    assert world.last_bot_message(GROUP)["text"].startswith(
        "无法识别“pdf”：请给出一种格式（csv 或 xlsx）和一个时段（例如 7d 或 30d）。\n用法：/export"
    )


async def test_a_command_for_another_bot_is_left_alone(world: BotWorld) -> None:
    said = len(world.core.bot_messages(GROUP))

    await world.send(AGENT, GROUP, "/frobnicate@some_other_bot")
    await world.send(AGENT, GROUP, "/ticket@some_other_bot TB1001 坏了")

    assert len(world.core.bot_messages(GROUP)) == said
    assert await world.tickets() == []
