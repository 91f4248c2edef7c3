"""The in-process request adapter: a PTB Application runs against the core without sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator.core import EmulatorCore
from emulator.ptb import EmulatedRequest
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, NEVER_STARTED

App = Application[Any, Any, Any, Any, Any, Any]


async def on_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    args = " ".join(context.args or [])
    await update.effective_message.reply_html(
        f"<b>T1</b> created: {args} #T1",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ack", callback_data="ack:1")]]),
    )


async def on_ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Acknowledged", show_alert=True)
    await query.edit_message_text("T1 acknowledged #T1")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    file = await message.document.get_file()
    content = bytes(await file.download_as_bytearray())
    await message.reply_text(f"got {len(content)} bytes")
    await context.bot.send_document(
        message.chat_id, InputFile(content[::-1], filename="reversed.bin")
    )


@pytest.fixture
async def application(core: EmulatorCore) -> AsyncIterator[App]:
    app = (
        Application.builder()
        .token(core.bot.token)
        .request(EmulatedRequest(core))
        .get_updates_request(EmulatedRequest(core))
        .build()
    )
    app.add_handler(CommandHandler("ticket", on_ticket))
    app.add_handler(CallbackQueryHandler(on_ack, pattern="^ack:"))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    await app.initialize()
    yield app
    await app.shutdown()


async def test_bot_initializes_through_the_adapter(application: App) -> None:
    assert application.bot.username == "ticketbot_demo_bot"


async def test_command_update_is_processed(
    application: App,
    core: EmulatorCore,
) -> None:
    update = core.user_send_text(AGENT, GROUP, "/ticket 5566 坏了")
    await application.process_update(Update.de_json(update, application.bot))
    reply = core.last_message(GROUP)
    assert reply is not None
    assert reply["text"] == "T1 created: 5566 坏了 #T1"
    assert reply["reply_to_message"]["message_id"] == update["message"]["message_id"]
    assert reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ack:1"

    pressed = core.user_press_button(ASSIGNEE, GROUP, reply["message_id"], "ack:1")
    await application.process_update(Update.de_json(pressed, application.bot))
    assert core.callback_answers[-1].text == "Acknowledged"
    assert core.callback_answers[-1].show_alert is True
    edited = core.message(GROUP, reply["message_id"])
    assert edited is not None
    assert edited["text"] == "T1 acknowledged #T1"
    assert "reply_markup" not in edited


async def test_files_roundtrip_in_process(
    application: App,
    core: EmulatorCore,
) -> None:
    update = core.user_send_document(ASSIGNEE, ASSIGNEE, b"abc", file_name="e.bin")
    await application.process_update(Update.de_json(update, application.bot))
    texts = [m.get("text") for m in core.bot_messages(ASSIGNEE)]
    assert texts[0] == "got 3 bytes"
    last = core.last_message(ASSIGNEE)
    assert last is not None
    assert core.file_bytes(last["document"]["file_id"]) == b"cba"


async def test_errors_surface_as_ptb_exceptions(
    application: App,
) -> None:
    from telegram.error import Forbidden

    with pytest.raises(Forbidden):
        await application.bot.send_message(NEVER_STARTED, "hello")


async def test_polling_application_receives_updates(core: EmulatorCore) -> None:
    import asyncio

    seen: list[str] = []
    done = asyncio.Event()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_message.text
        seen.append(update.effective_message.text)
        done.set()

    app = (
        Application.builder()
        .token(core.bot.token)
        .request(EmulatedRequest(core))
        .get_updates_request(EmulatedRequest(core))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, record))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
        core.user_send_text(AGENT, GROUP, "via polling")
        await asyncio.wait_for(done.wait(), timeout=5)
        await app.updater.stop()
        await app.stop()
    assert seen == ["via polling"]
