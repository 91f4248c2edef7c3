"""A real python-telegram-bot `Bot` talking to the emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from emulator.core import EmulatorCore
from emulator.server import RunningServer
from tests.emulator.conftest import ASSIGNEE, GROUP, NEVER_STARTED, TOKEN


@pytest.fixture
async def bot(server: RunningServer) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    await client.initialize()
    yield client
    await client.shutdown()


async def test_get_me(bot: Bot) -> None:
    assert bot.username == "ticketbot_demo_bot"
    assert bot.id == 123456


async def test_keyboard_message_edit_and_callback(bot: Bot, core: EmulatorCore) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认 Ack", callback_data="ack:T1"),
                InlineKeyboardButton("Open", url="https://t.me/ticketbot_demo_bot?start=T1"),
            ]
        ]
    )
    sent = await bot.send_message(
        GROUP, "<b>T1</b> 新工单 #T1", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    assert sent.text == "T1 新工单 #T1"
    assert sent.reply_markup == markup
    assert [e.type for e in sent.entities] == ["bold", "hashtag"]

    edited = await bot.edit_message_text(
        "T1 acknowledged", chat_id=GROUP, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert core.messages(GROUP)[0]["text"] == "T1 acknowledged"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("T1 acknowledged", chat_id=GROUP, message_id=sent.message_id)

    await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=markup)
    update = core.user_press_button(ASSIGNEE, GROUP, sent.message_id, "ack:T1")
    assert await bot.answer_callback_query(update["callback_query"]["id"], "OK!") is True
    assert core.callback_answers[-1].text == "OK!"


async def test_document_upload_get_file_and_download(bot: Bot) -> None:
    payload = "订单,状态\n1042,open\n".encode()
    message = await bot.send_document(
        GROUP, InputFile(payload, filename="工单导出.csv"), caption="导出 #export"
    )
    assert message.document is not None
    assert message.document.file_name == "工单导出.csv"
    assert message.document.file_size == len(payload)
    assert message.caption == "导出 #export"
    file = await bot.get_file(message.document.file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(bot.base_file_url)
    assert bytes(await file.download_as_bytearray()) == payload


async def test_photo_upload(bot: Bot) -> None:
    message = await bot.send_photo(GROUP, InputFile(b"\x89PNG fake", filename="p.png"))
    assert len(message.photo) >= 3
    assert message.photo[-1].width >= message.photo[0].width


async def test_errors_map_to_ptb_exceptions(bot: Bot, core: EmulatorCore) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(NEVER_STARTED, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-1000, "hi")


# PTB 22's own RetryAfter constructor emits this deprecation warning; nothing to fix on our side.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limit_raises_retry_after(bot: Bot, core: EmulatorCore) -> None:
    core.set_flood_limits(True)
    await bot.send_message(ASSIGNEE, "one")
    with pytest.raises(RetryAfter, match="Retry in 1 second"):
        await bot.send_message(ASSIGNEE, "two")


async def test_commands_roundtrip(bot: Bot) -> None:
    commands = [BotCommand("ticket", "创建工单"), BotCommand("mine", "我的工单")]
    assert await bot.set_my_commands(
        commands, scope=BotCommandScopeAllGroupChats(), language_code="zh"
    )
    got = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="zh")
    assert [c.command for c in got] == ["ticket", "mine"]
    assert await bot.get_my_commands() == ()
