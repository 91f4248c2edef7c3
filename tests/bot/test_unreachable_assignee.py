"""An assignee who never started the bot (Telegram refuses the DM) is called in the group with
a button that opens the bot; their /start then brings the pending cards."""

from __future__ import annotations

from bot.domain.model import Status
from tests.support.botworld import AGENT, GROUP, NEWCOMER, BotWorld


async def test_a_refused_dm_calls_the_assignee_in_the_group_and_start_delivers_the_card(
    world: BotWorld,
) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #shipping @chenjing_wh 今天发货")
    assert not world.core.is_started(NEWCOMER.id)

    await world.deliver()

    refused = [r for r in world.core.request_log if r.chat_id == NEWCOMER.id]
    assert [(r.method, r.status) for r in refused] == [("sendMessage", 403)]
    assert world.core.bot_messages(NEWCOMER.id) == []
    call = world.last_bot_message(GROUP)
    assert call["text"].startswith(
        "Chen Jing，#T1 需要你处理，但你还没有启动机器人，我无法私信你。"
    )
    assert world.entities(call, "text_mention") == ["Chen Jing"]
    mention = next(e for e in call["entities"] if e["type"] == "text_mention")
    assert mention["user"]["id"] == NEWCOMER.id
    url = world.buttons(call)["💬 打开机器人"]
    assert url.startswith(f"https://t.me/{world.bot.bot_username}?start=")

    start = world.core.user_follow_url(NEWCOMER.id, url)
    assert start is not None
    assert start["message"]["text"].startswith("/start ")
    await world.bot.process(start)
    assert world.bot_texts(NEWCOMER.id) == [
        "Hello Chen Jing! I will send you the tickets you are assigned here. "
        "/help lists what I can do.",
        "Your pending tickets follow (1).",
    ]

    await world.deliver()

    card = world.last_bot_message(NEWCOMER.id)
    # Their own chat speaks their language (language_code "en"), the group stays Chinese.
    assert card["text"].startswith("🟡 #T1 · Shipping · open\n🧾 Order: TB1001\n📝 今天发货")
    assert "Deadline: Nov 3 09:00" in card["text"]
    assert list(world.buttons(card)) == [
        "✋ Acknowledge",
        "✔️ Done",
        "📎 Add evidence",
        "📝 Note",
        "↪️ Transfer",
    ]
    await world.press_text(NEWCOMER, NEWCOMER.id, card, "✋ Acknowledge")
    assert (await world.ticket(1)).status is Status.IN_PROGRESS


async def test_start_with_nothing_pending_just_welcomes(world: BotWorld) -> None:
    await world.bot.process(world.core.user_start(NEWCOMER.id))

    assert world.bot_texts(NEWCOMER.id) == [
        "Hello Chen Jing! I will send you the tickets you are assigned here. "
        "/help lists what I can do."
    ]
    await world.deliver()
    assert len(world.core.bot_messages(NEWCOMER.id)) == 1
