"""Evidence you can open: /show lists each file with a button; a press sends the file, by its
Telegram file id, to the presser's private chat; all photos go as albums of 10."""

from __future__ import annotations

from tests.support.botworld import AGENT, ASSIGNEE, GROUP, OTHER_GROUP, OUTSIDER, BotWorld


async def _ticket_with_files(world: BotWorld, photos: int, *, evidence: str) -> None:
    await world.send(AGENT, GROUP, "/ticket TB3001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, evidence)
    for seed in range(photos):
        await world.send_photo(ASSIGNEE, ASSIGNEE.id, seed=seed)
    await world.send_pdf(ASSIGNEE, ASSIGNEE.id, name="聊天记录.pdf")


async def test_show_offers_each_file_and_a_press_sends_it_privately(world: BotWorld) -> None:
    await _ticket_with_files(world, 2, evidence="📎 上传凭证")
    stored = await world.evidence(1)

    await world.send(AGENT, GROUP, "/show T1")
    shown = world.last_bot_message(GROUP)
    assert list(world.buttons(shown)) == [
        "🖼 1. 图片",
        "🖼 2. 图片",
        "📄 3. 聊天记录.pdf",
        "🖼 全部 2 张图片",
    ]
    before = len(world.core.messages(AGENT.id))

    await world.press_text(AGENT, GROUP, shown, "🖼 1. 图片")

    sent = world.core.bot_messages(AGENT.id)[-1]
    assert sent["photo"][-1]["file_unique_id"] == stored[0].file_unique_id
    await world.press_text(AGENT, GROUP, shown, "📄 3. 聊天记录.pdf")
    document = world.core.bot_messages(AGENT.id)[-1]["document"]
    assert document["file_name"] == "聊天记录.pdf"
    assert len(world.core.messages(AGENT.id)) == before + 2
    assert world.core.callback_answers[-1].text == "已私信发给你（#T1）。"


async def test_all_photos_arrive_as_albums_of_ten(english_world: BotWorld) -> None:
    world = english_world
    await _ticket_with_files(world, 12, evidence="📎 上传凭证")

    await world.send(AGENT, GROUP, "/show T1")
    shown = world.last_bot_message(GROUP)
    await world.press_text(AGENT, GROUP, shown, "🖼 All 12 photos")

    received = world.core.bot_messages(AGENT.id)
    photos = [m for m in received if m.get("photo")]
    assert len(photos) == 12
    albums = [m.get("media_group_id") for m in photos]
    assert len(set(albums[:10])) == 1
    assert albums[0] is not None
    assert albums[10] == albums[11] != albums[0]
    assert received[-1]["document"]["file_name"] == "聊天记录.pdf"


async def test_another_teams_member_gets_no_file(two_teams: BotWorld) -> None:
    world = two_teams
    await _ticket_with_files(world, 1, evidence="📎 上传凭证")
    stored = await world.evidence(1)
    # Mallory, in the other shop's team only, forges a file button there.
    await world.send(OUTSIDER, OTHER_GROUP, "/ticket TB9001 #shipping wrong address")
    theirs = world.last_bot_message(OTHER_GROUP)
    before = len(world.core.messages(OUTSIDER.id))

    await world.press_forged(
        OUTSIDER, OTHER_GROUP, theirs, f"ef:{stored[0].ticket_id}:{stored[0].id}"
    )

    assert len(world.core.messages(OUTSIDER.id)) == before
    assert world.alerts()[-1] == "That ticket does not exist in this team."


async def test_the_assignees_card_opens_its_evidence(world: BotWorld) -> None:
    await _ticket_with_files(world, 2, evidence="📎 上传凭证")
    await world.send(AGENT, GROUP, "/note T1 客户又来问了")
    await world.send(AGENT, GROUP, "/remind T1 请尽快")
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    assert "🗂 查看凭证（3）" in world.buttons(card)
    before = len(world.core.bot_messages(ASSIGNEE.id))

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "🗂 查看凭证（3）")

    sent = world.core.bot_messages(ASSIGNEE.id)[before:]
    assert [bool(m.get("photo")) for m in sent] == [True, True, False]
    assert sent[0]["media_group_id"] == sent[1]["media_group_id"]
    assert sent[2]["document"]["file_name"] == "聊天记录.pdf"
