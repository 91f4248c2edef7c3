"""Which handler answers which update: the one place that wires the PTB Application."""

from __future__ import annotations

import re
from typing import Final

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.telegram import callbacks, commands, members, uploads
from handlers.telegram.context import BotApplication, BotContext

#: The grammar's commands and their handlers (new messages only: an edit is not a new command).
COMMANDS = {
    "ticket": commands.ticket,
    "show": commands.show,
    "note": commands.note,
    "transfer": commands.transfer,
    "outcome": commands.outcome,
    "evidence": commands.evidence,
    "cancel": commands.cancel,
    "verdict": commands.verdict,
    "appeal": commands.appeal,
    "reopen": commands.reopen,
    "mine": commands.mine,
    "created": commands.created,
    "pending": commands.pending,
    "order": commands.order,
    "stats": commands.stats,
    "export": commands.export,
    "lang": commands.lang,
    "help": commands.help_command,
    "start": commands.start,
}


#: A command typed with a Chinese keyboard's full-width slash (／ticket …): Telegram does not
#: mark it as a command, but the grammar reads it as one.
_FULL_WIDTH_COMMAND: Final = re.compile(r"^\s*／(?P<name>[A-Za-z_]+)")


async def full_width_command(update: Update, context: BotContext) -> None:
    """Hand `／name …` to the handler of `/name` (or to the unknown-command answer)."""
    message = update.effective_message
    match = _FULL_WIDTH_COMMAND.match(message.text or "") if message else None
    if match is None:
        return
    callback = COMMANDS.get(match["name"].lower(), commands.unknown)
    await callback(update, context)


def register(application: BotApplication) -> None:
    application.add_handler(TypeHandler(Update, members.skip_handled), group=-2)
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, members.learn_member),
        group=-1,
    )
    new_messages = filters.UpdateType.MESSAGE
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=new_messages))
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_handler(
        MessageHandler(
            new_messages & (filters.PHOTO | filters.Document.ALL | filters.VIDEO), uploads.on_file
        )
    )
    application.add_handler(MessageHandler(new_messages & filters.COMMAND, commands.unknown))
    application.add_handler(
        MessageHandler(new_messages & filters.Regex(_FULL_WIDTH_COMMAND), full_width_command)
    )
    application.add_handler(
        MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, uploads.on_text)
    )
    application.add_handler(
        ChatMemberHandler(members.admins_changed, ChatMemberHandler.CHAT_MEMBER)
    )
