"""The marketplace against the real `ticketbot run` process: a collaborative work order is
answered from the chat with the platform's option and a picture, the platform rules; and one
nobody answers times out, escalates and is ruled against. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.config import DatabaseSettings
from emulator.core import EmulatorCore
from emulator.server import RunningServer
from marketplace import Marketplace, MarketplaceConfig
from storage.database import Database
from tests.e2e.conftest import BotFactory
from tests.e2e.harness import until
from tests.e2e.test_bot_process import AGENT, ASSIGNEE, PIXEL, button, said
from tests.support.platform import SECRET, SHOP, OffsetClock, platform_config

pytestmark = pytest.mark.e2e

RULE_AFTER = timedelta(minutes=3)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_platform_and_the_shop_end_to_end(
    mode: str,
    emulator: tuple[EmulatorCore, RunningServer],
    bot_process: BotFactory,
    market: tuple[Marketplace, OffsetClock, str],
    database: DatabaseSettings,
    db: Database,  # an empty database on either backend
) -> None:
    core, _ = emulator
    simulator, clock, market_url = market
    group = core.scenario.groups[0].id
    options = platform_config(group, f"{market_url}/replies", database.url)
    bot = await bot_process(mode=mode, **options)
    simulator.config = MarketplaceConfig(
        SECRET,
        f"http://127.0.0.1:{bot.port}/api/v1/platforms/tmall/events",
        shop_id=SHOP,
        rule_after=RULE_AFTER,
    )
    for persona in (AGENT, ASSIGNEE):
        core.user_send_text(persona, group, "Hello team")
    core.user_send_text(AGENT, group, "/help")
    await until(lambda: said(core, group, "/ticket"), what="the bot to know the team")

    # The platform opens a collaborative work order; the assignee's card shows its options.
    first = await simulator.open_ticket()
    assert first.bot_answer == {"status": "created", "ticket": "T1"}
    card = await until(lambda: said(core, ASSIGNEE, "#T1", first.order_id), what="the card")
    agreed = button(card, "popt:")
    assert agreed.split(":")[2] == "0"
    await until(lambda: said(core, group, "#T1"), what="the group told")

    # Picked before the picture: refused with the reason, nothing sent.
    core.user_press_button(ASSIGNEE, ASSIGNEE, int(card["message_id"]), agreed)
    await until(lambda: _alert(core, "凭证"), what="the refusal")
    core.user_send_photo(ASSIGNEE, ASSIGNEE, PIXEL, caption="/evidence 1")
    await until(lambda: said(core, ASSIGNEE, "📎", "#T1"), what="the evidence receipt")
    core.user_press_button(ASSIGNEE, ASSIGNEE, int(card["message_id"]), agreed)

    # The platform receives the signed reply with the file, and rules for the shop.
    received = await until(lambda: simulator.received, what="the platform to get the reply")
    assert (received[0].option_id, received[0].accepted) == ("agreed", True)
    assert received[0].files[0]["size"] == len(PIXEL)
    clock.offset += RULE_AFTER
    await simulator.tick()
    assert first.verdict == "shop_favour"
    await until(lambda: said(core, group, "ruled on #T1", "shop_favour"), what="the ruling")

    # Nobody answers the second: the platform's timeout escalates, its ruling goes against.
    second = await simulator.open_ticket()
    await until(lambda: said(core, ASSIGNEE, "#T2", second.order_id), what="the second card")
    clock.offset += simulator.config.reply_within
    await simulator.tick()
    await until(lambda: said(core, group, "#T2", "escalated"), what="the escalation")
    clock.offset += RULE_AFTER
    await simulator.tick()
    assert second.verdict == "against"
    await until(lambda: said(core, group, "ruled on #T2", "against"), what="the ruling against")
    health = await bot.health()
    assert health is not None
    assert health["status"] == "ok"


def _alert(core: EmulatorCore, needle: str) -> Any:
    return [a for a in core.callback_answers if a.show_alert and needle in (a.text or "")]
