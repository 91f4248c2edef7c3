"""Persona actions: the updates they create look like Telegram's."""

from __future__ import annotations

import struct
import zlib

import pytest

from emulator import EmulatorCore, MediaItem, PersonaError, UploadedFile
from tests.emulator.conftest import (
    AGENT,
    ASSIGNEE,
    GROUP,
    NEVER_STARTED,
    SUPERVISOR,
    keyboard,
    ok,
)


def png(width: int, height: int) -> bytes:
    """A tiny but well-formed PNG header declaring the given size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


async def test_photo_has_several_sizes_largest_last(core: EmulatorCore) -> None:
    data = png(1600, 1200)
    photo = core.user_send_photo(AGENT, GROUP, data, caption="截图")["message"]["photo"]
    assert [(size["width"], size["height"]) for size in photo] == [
        (90, 68),
        (320, 240),
        (800, 600),
        (1280, 960),
        (1600, 1200),
    ]
    assert len({size["file_id"] for size in photo}) == len(photo)
    assert len({size["file_unique_id"] for size in photo}) == len(photo)
    sizes = [size["file_size"] for size in photo]
    assert sizes == sorted(sizes)
    assert sizes[-1] == len(data)
    assert core.file_bytes(photo[-1]["file_id"]) == data


async def test_unknown_image_format_still_gets_sizes(core: EmulatorCore) -> None:
    photo = core.user_send_photo(AGENT, GROUP, b"jpeg-ish")["message"]["photo"]
    assert len(photo) >= 3
    assert photo[-1]["width"] == max(size["width"] for size in photo)


async def test_document_keeps_name_type_and_size(core: EmulatorCore) -> None:
    message = core.user_send_document(
        ASSIGNEE, ASSIGNEE, b"%PDF-1.4 evidence", file_name="协商凭证.pdf", caption="#T1"
    )["message"]
    document = message["document"]
    assert document["file_name"] == "协商凭证.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["file_size"] == len(b"%PDF-1.4 evidence")
    assert message["caption"] == "#T1"
    info = await ok(core, "getFile", file_id=document["file_id"])
    assert info["file_path"].startswith("documents/")
    assert info["file_path"].endswith(".pdf")


async def test_video(core: EmulatorCore) -> None:
    video = core.user_send_video(AGENT, GROUP, b"mp4", duration=12)["message"]["video"]
    assert (video["mime_type"], video["duration"], video["width"]) == ("video/mp4", 12, 640)


async def test_album_items_share_media_group_id(core: EmulatorCore) -> None:
    items = [
        MediaItem("photo", UploadedFile(f"p{n}.png", "image/png", png(800, 600))) for n in range(3)
    ]
    updates = core.user_send_album(AGENT, GROUP, items, caption="三张截图 #T7")
    assert len(updates) == 3
    assert len({u["update_id"] for u in updates}) == 3
    groups = {u["message"]["media_group_id"] for u in updates}
    assert len(groups) == 1
    assert next(iter(groups))
    assert [u["message"].get("caption") for u in updates] == ["三张截图 #T7", None, None]
    assert [u["message"]["message_id"] for u in updates] == [1, 2, 3]


async def test_album_rules(core: EmulatorCore) -> None:
    photo = MediaItem("photo", UploadedFile("p.png", "image/png", b"x"))
    document = MediaItem("document", UploadedFile("d.pdf", "application/pdf", b"x"))
    with pytest.raises(PersonaError):
        core.user_send_album(AGENT, GROUP, [photo])
    with pytest.raises(PersonaError):
        core.user_send_album(AGENT, GROUP, [photo, document])
    assert len(core.user_send_album(AGENT, GROUP, [document, document])) == 2


async def test_reply_embeds_the_replied_message(core: EmulatorCore) -> None:
    original = core.user_send_text(SUPERVISOR, GROUP, "客户说没收到货 order 5566")["message"]
    reply = core.user_send_text(
        AGENT, GROUP, "/ticket 5566 #shipping", reply_to=original["message_id"]
    )["message"]
    embedded = reply["reply_to_message"]
    assert embedded["message_id"] == original["message_id"]
    assert embedded["text"] == "客户说没收到货 order 5566"
    assert embedded["from"]["id"] == SUPERVISOR
    assert "reply_to_message" not in embedded


async def test_callback_query_is_tied_to_the_message(core: EmulatorCore) -> None:
    sent = await ok(
        core,
        "sendMessage",
        chat_id=ASSIGNEE,
        text="T1 for you",
        reply_markup=keyboard([("Ack", "ack:1"), ("Done", "done:1")]),
    )
    update = core.user_press_button(ASSIGNEE, ASSIGNEE, sent["message_id"], "done:1")
    query = update["callback_query"]
    assert query["data"] == "done:1"
    assert query["from"]["id"] == ASSIGNEE
    assert query["message"]["message_id"] == sent["message_id"]
    assert query["message"]["reply_markup"] == sent["reply_markup"]
    assert query["chat_instance"]
    assert query["id"].isdigit()

    await ok(
        core,
        "answerCallbackQuery",
        callback_query_id=query["id"],
        text="已关闭 Closed",
        show_alert=True,
    )
    (answer,) = core.callback_answers
    assert (answer.user_id, answer.chat_id, answer.message_id) == (
        ASSIGNEE,
        ASSIGNEE,
        sent["message_id"],
    )
    assert (answer.text, answer.show_alert) == ("已关闭 Closed", True)


async def test_press_by_button_text_and_missing_buttons(core: EmulatorCore) -> None:
    sent = await ok(
        core, "sendMessage", chat_id=GROUP, text="x", reply_markup=keyboard([("确认", "ok")])
    )
    update = core.user_press_button(AGENT, GROUP, sent["message_id"], text="确认")
    assert update["callback_query"]["data"] == "ok"
    with pytest.raises(PersonaError):
        core.user_press_button(AGENT, GROUP, sent["message_id"], "not-there")


async def test_personas_can_only_write_where_they_are(core: EmulatorCore) -> None:
    with pytest.raises(PersonaError):
        core.user_send_text(AGENT, ASSIGNEE, "someone else's private chat")
    with pytest.raises(PersonaError):
        core.user_send_text(AGENT, -100, "no such chat")


async def test_writing_in_private_chat_starts_the_bot(core: EmulatorCore) -> None:
    assert not core.is_started(NEVER_STARTED)
    update = core.user_send_text(NEVER_STARTED, NEVER_STARTED, "hi")
    assert update["message"]["chat"]["type"] == "private"
    assert core.is_started(NEVER_STARTED)


async def test_deep_link_url_button_sends_start(core: EmulatorCore) -> None:
    url = "https://t.me/ticketbot_demo_bot?start=ack_T42"
    await ok(
        core,
        "sendMessage",
        chat_id=GROUP,
        text="@chenjing_wh please open the bot",
        reply_markup={"inline_keyboard": [[{"text": "Open", "url": url}]]},
    )
    update = core.user_follow_url(NEVER_STARTED, url)
    assert update is not None
    assert update["message"]["text"] == "/start ack_T42"
    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert core.user_follow_url(NEVER_STARTED, "https://example.com") is None


async def test_user_edit_creates_edited_message(core: EmulatorCore) -> None:
    sent = core.user_send_text(AGENT, GROUP, "/ticket 1 typo")["message"]
    update = core.user_edit_text(AGENT, GROUP, sent["message_id"], "/ticket 1 fixed")
    edited = update["edited_message"]
    assert edited["text"] == "/ticket 1 fixed"
    assert edited["edit_date"] >= edited["date"]


async def test_bot_edit_replaces_in_place(core: EmulatorCore) -> None:
    first = await ok(
        core, "sendMessage", chat_id=GROUP, text="T1 open", reply_markup=keyboard([("Ack", "ack")])
    )
    await ok(core, "sendMessage", chat_id=GROUP, text="later")
    edited = await ok(
        core,
        "editMessageText",
        chat_id=GROUP,
        message_id=first["message_id"],
        text="T1 acknowledged",
        reply_markup=keyboard([("Close", "close")]),
    )
    assert edited["edit_date"]
    messages = core.messages(GROUP)
    assert [m["text"] for m in messages] == ["T1 acknowledged", "later"]
    assert messages[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "close"
    markup_only = await ok(
        core, "editMessageReplyMarkup", chat_id=GROUP, message_id=first["message_id"]
    )
    assert "reply_markup" not in markup_only


async def test_force_reply_and_reply_keyboard_are_chat_state(core: EmulatorCore) -> None:
    asked = await ok(
        core, "sendMessage", chat_id=ASSIGNEE, text="Reason?", reply_markup={"force_reply": True}
    )
    assert "reply_markup" not in asked  # Telegram only echoes inline keyboards
    view = core.chat_view(ASSIGNEE)
    assert view["force_reply_message_id"] == asked["message_id"]
    await ok(
        core,
        "sendMessage",
        chat_id=ASSIGNEE,
        text="Pick",
        reply_markup={"keyboard": [["agreed", "disagreed"]], "resize_keyboard": True},
    )
    assert core.chat_view(ASSIGNEE)["reply_keyboard"]["keyboard"][0][1] == {"text": "disagreed"}


async def test_bot_sends_photo_document_and_album(core: EmulatorCore) -> None:
    data = png(640, 480)
    status, body = await core.call(
        "123456:TEST-TOKEN",
        "sendPhoto",
        {"chat_id": str(GROUP), "photo": "attach://pic"},
        {"pic": UploadedFile("pic.png", "image/png", data)},
    )
    assert status == 200
    photo = body["result"]["photo"]
    assert (photo[-1]["width"], photo[-1]["height"]) == (640, 480)
    again = await ok(core, "sendPhoto", chat_id=GROUP, photo=photo[0]["file_id"])
    assert [size["file_id"] for size in again["photo"]] == [size["file_id"] for size in photo]
    status, body = await core.call(
        "123456:TEST-TOKEN",
        "sendMediaGroup",
        {
            "chat_id": str(GROUP),
            "media": (
                '[{"type":"photo","media":"attach://a","caption":"<b>2</b> pics",'
                '"parse_mode":"HTML"},{"type":"photo","media":"attach://b"}]'
            ),
        },
        {
            "a": UploadedFile("a.png", "image/png", data),
            "b": UploadedFile("b.png", "image/png", data),
        },
    )
    assert status == 200
    album = body["result"]
    assert len(album) == 2
    assert album[0]["media_group_id"] == album[1]["media_group_id"]
    assert album[0]["caption_entities"] == [{"offset": 0, "length": 1, "type": "bold"}]


async def test_chat_members_and_admins(core: EmulatorCore) -> None:
    admins = await ok(core, "getChatAdministrators", chat_id=GROUP)
    assert [(a["status"], a["user"]["id"]) for a in admins] == [
        ("creator", SUPERVISOR),
        ("administrator", 123456),
    ]
    member = await ok(core, "getChatMember", chat_id=GROUP, user_id=AGENT)
    assert member == {"status": "member", "user": member["user"]}
    chat = await ok(core, "getChat", chat_id=GROUP)
    assert (chat["type"], chat["title"]) == ("supergroup", "客服组 Customer Service")
    assert await ok(core, "getChatMemberCount", chat_id=GROUP) == 5
