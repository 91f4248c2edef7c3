"""Bot API errors at the documented limits, worded and coded as Telegram answers them."""

from __future__ import annotations

import pytest

from emulator.core import EmulatorCore
from tests.emulator.conftest import (
    AGENT,
    ASSIGNEE,
    GROUP,
    NEVER_STARTED,
    TOKEN,
    FakeClock,
    api,
    keyboard,
    ok,
)


async def expect_error(
    core: EmulatorCore, status: int, description: str, method: str, **params: object
) -> None:
    code, body = await api(core, method, **params)
    assert (code, body["ok"], body["error_code"], body["description"]) == (
        status,
        False,
        status,
        description,
    )


async def test_wrong_token_is_401_and_malformed_token_404(core: EmulatorCore) -> None:
    assert await core.call("123456:WRONG", "getMe", {}) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await core.call("not-a-token", "getMe", {})
    assert (status, body["description"]) == (404, "Not Found")


async def test_unknown_method_is_404(core: EmulatorCore) -> None:
    assert await core.call(TOKEN, "sendHologram", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_method_names_are_case_insensitive(core: EmulatorCore) -> None:
    status, body = await core.call(TOKEN, "GETME", {})
    assert status == 200
    assert body["result"]["username"] == "ticketbot_demo_bot"


async def test_text_limit_is_4096(core: EmulatorCore) -> None:
    sent = await ok(core, "sendMessage", chat_id=GROUP, text="字" * 4096)
    assert len(sent["text"]) == 4096
    await expect_error(
        core, 400, "Bad Request: message is too long", "sendMessage", chat_id=GROUP, text="x" * 4097
    )


async def test_limit_counts_text_after_parsing_markup(core: EmulatorCore) -> None:
    text = "<b>" + "x" * 4096 + "</b>"
    sent = await ok(core, "sendMessage", chat_id=GROUP, text=text, parse_mode="HTML")
    assert len(sent["text"]) == 4096


async def test_empty_text(core: EmulatorCore) -> None:
    await expect_error(
        core, 400, "Bad Request: message text is empty", "sendMessage", chat_id=GROUP, text="  "
    )


async def test_caption_limit_is_1024(core: EmulatorCore) -> None:
    upload = core.user_send_photo(AGENT, GROUP, b"\x89PNG")
    photo_id = upload["message"]["photo"][-1]["file_id"]
    await ok(core, "sendPhoto", chat_id=GROUP, photo=photo_id, caption="c" * 1024)
    await expect_error(
        core,
        400,
        "Bad Request: message caption is too long",
        "sendPhoto",
        chat_id=GROUP,
        photo=photo_id,
        caption="c" * 1025,
    )


async def test_callback_data_over_64_bytes(core: EmulatorCore) -> None:
    # 21 Chinese characters are 63 bytes of UTF-8; 22 are 66.
    await ok(
        core, "sendMessage", chat_id=GROUP, text="ok", reply_markup=keyboard([("a", "单" * 21)])
    )
    await expect_error(
        core,
        400,
        "Bad Request: BUTTON_DATA_INVALID",
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_markup=keyboard([("a", "单" * 22)]),
    )


async def test_inline_button_without_action_is_refused(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "plain"}]]},
    )


async def test_unparseable_reply_markup(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_markup="{not json",
    )


async def test_bad_html(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 5',
        "sendMessage",
        chat_id=GROUP,
        text="line1<br>line2",
        parse_mode="HTML",
    )


async def test_not_modified(core: EmulatorCore) -> None:
    markup = keyboard([("Ack", "ack")])
    sent = await ok(
        core, "sendMessage", chat_id=GROUP, text="<b>T1</b>", parse_mode="HTML", reply_markup=markup
    )
    message_id = sent["message_id"]
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    await expect_error(
        core,
        400,
        not_modified,
        "editMessageText",
        chat_id=GROUP,
        message_id=message_id,
        text="<b>T1</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    await expect_error(
        core,
        400,
        not_modified,
        "editMessageReplyMarkup",
        chat_id=GROUP,
        message_id=message_id,
        reply_markup=markup,
    )
    # Same text without the keyboard is a modification: the keyboard goes away.
    edited = await ok(
        core,
        "editMessageText",
        chat_id=GROUP,
        message_id=message_id,
        text="<b>T1</b>",
        parse_mode="HTML",
    )
    assert "reply_markup" not in edited


async def test_chat_not_found(core: EmulatorCore) -> None:
    await expect_error(
        core, 400, "Bad Request: chat not found", "sendMessage", chat_id=-100777, text="x"
    )
    await expect_error(
        core, 400, "Bad Request: chat not found", "sendMessage", chat_id="@nobody", text="x"
    )


async def test_message_to_edit_not_found(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: message to edit not found",
        "editMessageText",
        chat_id=GROUP,
        message_id=999,
        text="x",
    )


async def test_users_messages_cannot_be_edited(core: EmulatorCore) -> None:
    update = core.user_send_text(AGENT, GROUP, "hello")
    await expect_error(
        core,
        400,
        "Bad Request: message can't be edited",
        "editMessageText",
        chat_id=GROUP,
        message_id=update["message"]["message_id"],
        text="x",
    )


async def test_edit_over_limit_is_message_too_long(core: EmulatorCore) -> None:
    sent = await ok(core, "sendMessage", chat_id=GROUP, text="short")
    await expect_error(
        core,
        400,
        "Bad Request: MESSAGE_TOO_LONG",
        "editMessageText",
        chat_id=GROUP,
        message_id=sent["message_id"],
        text="x" * 4097,
    )


async def test_reply_to_missing_message(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: message to be replied not found",
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_parameters={"message_id": 404},
    )
    sent = await ok(
        core,
        "sendMessage",
        chat_id=GROUP,
        text="x",
        reply_parameters={"message_id": 404, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in sent


async def test_query_too_old_unknown_answered_or_expired(
    core: EmulatorCore, clock: FakeClock
) -> None:
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    await expect_error(core, 400, too_old, "answerCallbackQuery", callback_query_id="42")
    sent = await ok(
        core, "sendMessage", chat_id=GROUP, text="x", reply_markup=keyboard([("A", "a")])
    )
    first = core.user_press_button(AGENT, GROUP, sent["message_id"], "a")["callback_query"]["id"]
    assert await ok(core, "answerCallbackQuery", callback_query_id=first) is True
    await expect_error(core, 400, too_old, "answerCallbackQuery", callback_query_id=first)
    late = core.user_press_button(AGENT, GROUP, sent["message_id"], "a")["callback_query"]["id"]
    clock.advance(16)
    await expect_error(core, 400, too_old, "answerCallbackQuery", callback_query_id=late)


async def test_callback_answer_text_over_200(core: EmulatorCore) -> None:
    sent = await ok(
        core, "sendMessage", chat_id=GROUP, text="x", reply_markup=keyboard([("A", "a")])
    )
    query = core.user_press_button(AGENT, GROUP, sent["message_id"], "a")["callback_query"]["id"]
    await expect_error(
        core,
        400,
        "Bad Request: MESSAGE_TOO_LONG",
        "answerCallbackQuery",
        callback_query_id=query,
        text="t" * 201,
    )


async def test_dm_to_user_who_never_started_is_403_until_start(core: EmulatorCore) -> None:
    await expect_error(
        core,
        403,
        "Forbidden: bot can't initiate conversation with a user",
        "sendMessage",
        chat_id=NEVER_STARTED,
        text="You got ticket T1",
    )
    await expect_error(
        core,
        403,
        "Forbidden: bot can't initiate conversation with a user",
        "sendChatAction",
        chat_id=NEVER_STARTED,
        action="typing",
    )
    update = core.user_start(NEVER_STARTED, "T1")
    assert update["message"]["text"] == "/start T1"
    assert core.is_started(NEVER_STARTED)
    sent = await ok(core, "sendMessage", chat_id=NEVER_STARTED, text="You got ticket T1")
    assert sent["chat"] == {
        "id": NEVER_STARTED,
        "first_name": "Chen",
        "last_name": "Jing",
        "username": "chenjing_wh",
        "type": "private",
    }


async def test_real_but_unemulated_method_is_an_explicit_400(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: the emulator does not implement sendPoll",
        "sendPoll",
        chat_id=GROUP,
        question="?",
        options=["a", "b"],
    )


async def test_blocked_user_is_403(core: EmulatorCore) -> None:
    update = core.user_block_bot(ASSIGNEE)
    member = update["my_chat_member"]
    assert (member["old_chat_member"]["status"], member["new_chat_member"]["status"]) == (
        "member",
        "kicked",
    )
    assert member["chat"]["id"] == ASSIGNEE
    await expect_error(
        core,
        403,
        "Forbidden: bot was blocked by the user",
        "sendMessage",
        chat_id=ASSIGNEE,
        text="x",
    )


async def test_file_too_big_for_get_file(core: EmulatorCore) -> None:
    big = b"\0" * (20 * 1024 * 1024 + 1)
    update = core.user_send_document(AGENT, GROUP, big, file_name="dump.bin")
    file_id = update["message"]["document"]["file_id"]
    assert update["message"]["document"]["file_size"] == len(big)
    await expect_error(core, 400, "Bad Request: file is too big", "getFile", file_id=file_id)
    small = core.user_send_document(AGENT, GROUP, b"ok", file_name="ok.txt")
    info = await ok(core, "getFile", file_id=small["message"]["document"]["file_id"])
    assert info["file_size"] == 2


async def test_invalid_file_id(core: EmulatorCore) -> None:
    await expect_error(core, 400, "Bad Request: invalid file_id", "getFile", file_id="nope")
    await expect_error(
        core,
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
        "sendDocument",
        chat_id=GROUP,
        document="nope",
    )


async def test_wrong_chat_action(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: wrong parameter action in request",
        "sendChatAction",
        chat_id=GROUP,
        action="dancing",
    )


async def test_delete_errors(core: EmulatorCore) -> None:
    await expect_error(
        core,
        400,
        "Bad Request: message to delete not found",
        "deleteMessage",
        chat_id=GROUP,
        message_id=77,
    )
    sent = await ok(core, "sendMessage", chat_id=GROUP, text="bye")
    assert await ok(core, "deleteMessage", chat_id=GROUP, message_id=sent["message_id"]) is True
    assert core.message(GROUP, sent["message_id"]) is None


async def test_pin_and_unpin(core: EmulatorCore) -> None:
    sent = await ok(core, "sendMessage", chat_id=GROUP, text="T1 rules")
    assert await ok(core, "pinChatMessage", chat_id=GROUP, message_id=sent["message_id"])
    assert core.chat_view(GROUP)["pinned_message_ids"] == [sent["message_id"]]
    await expect_error(
        core,
        400,
        "Bad Request: message to unpin not found",
        "unpinChatMessage",
        chat_id=GROUP,
        message_id=sent["message_id"] + 1,
    )
    assert await ok(core, "unpinAllChatMessages", chat_id=GROUP)
    assert core.chat_view(GROUP)["pinned_message_ids"] == []


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"commands": [{"command": "Bad-Name", "description": "x"}]}, "BOT_COMMAND_INVALID"),
        ({"commands": "[oops"}, "can't parse commands JSON object"),
        (
            {"commands": [{"command": "ok", "description": "x"}], "scope": {"type": "nope"}},
            "can't parse BotCommandScope JSON object",
        ),
    ],
)
async def test_set_my_commands_validation(
    core: EmulatorCore, params: dict[str, object], description: str
) -> None:
    await expect_error(core, 400, f"Bad Request: {description}", "setMyCommands", **params)
