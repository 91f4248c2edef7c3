"""Which handler answers which update: the one place that wires the PTB Application."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.commands import (
    COMMANDS,
    GRAMMAR,
    AddNote,
    Appeal,
    ByOrder,
    Cancel,
    CollectEvidence,
    CreateTicket,
    Export,
    Extend,
    Help,
    Hold,
    ListCreated,
    ListMine,
    ListPending,
    OpenApp,
    RecordOutcome,
    Remind,
    Reopen,
    Resume,
    SetLanguage,
    ShowTicket,
    Start,
    StartGuidedTicket,
    Stats,
    Transfer,
    Verdict,
)
from handlers.telegram import callbacks, commands, inline, lead, members, uploads, workbench
from handlers.telegram.commands import parse
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.turn import Turn, handler

C = TypeVar("C")
CommandHandlerFunction = Callable[[Turn, Any], Awaitable[None]]


def _on(
    command_type: type[C], function: Callable[[Turn, C], Awaitable[None]]
) -> tuple[type[Any], CommandHandlerFunction]:
    return command_type, function


#: Each command type of the grammar and the handler that answers it (cosmic python's
#: COMMAND_HANDLERS): the parser (domain) says what was asked, this says who answers.
HANDLERS: Final[Mapping[type[Any], CommandHandlerFunction]] = dict(
    (
        _on(CreateTicket, commands.ticket),
        _on(StartGuidedTicket, commands.ticket),
        _on(ShowTicket, commands.show),
        _on(AddNote, commands.note),
        _on(Transfer, commands.transfer),
        _on(RecordOutcome, commands.outcome),
        _on(CollectEvidence, commands.evidence),
        _on(Cancel, commands.cancel),
        _on(Verdict, commands.verdict),
        _on(Appeal, commands.appeal),
        _on(Reopen, commands.reopen),
        _on(Remind, commands.remind),
        _on(Hold, commands.hold),
        _on(Resume, commands.resume),
        _on(ListMine, lead.mine),
        _on(ListCreated, lead.created),
        _on(ListPending, lead.pending),
        _on(ByOrder, lead.order),
        _on(Extend, lead.extend),
        _on(Stats, commands.stats),
        _on(Export, commands.export),
        _on(SetLanguage, commands.lang),
        _on(Help, commands.help_command),
        _on(Start, commands.start),
        _on(OpenApp, workbench.open_app),
    )
)


def unanswered(handlers: Mapping[type[Any], object] = HANDLERS) -> list[str]:
    """Command types the grammar can produce that no handler answers."""
    return sorted(
        produced.__name__
        for spec in GRAMMAR
        for produced in spec.produces
        if produced not in handlers
    )


@handler
async def on_command(turn: Turn) -> None:
    """Every command of the grammar: parse it, then hand it to its handler."""
    command = parse(turn)
    number = getattr(command, "number", None)
    if isinstance(number, int):
        # An error about "this ticket" can then say which.
        turn.subject = number
    await HANDLERS[type(command)](turn, command)


#: A command typed with a Chinese keyboard's full-width slash (／ticket …): Telegram does not
#: mark it as a command, but the grammar reads it as one.
_FULL_WIDTH_COMMAND: Final = re.compile(r"^\s*／(?P<name>[A-Za-z_]+)")


async def full_width_command(update: Update, context: BotContext) -> None:
    """Hand `／name …` to the handler of `/name` (or to the unknown-command answer)."""
    message = update.effective_message
    match = _FULL_WIDTH_COMMAND.match(message.text or "") if message else None
    if match is None:
        return
    callback = on_command if match["name"].lower() in COMMANDS else commands.unknown
    await callback(update, context)


def register(application: BotApplication) -> None:
    missing = unanswered()
    if missing:
        raise RuntimeError(f"commands of the grammar without a handler: {', '.join(missing)}")
    application.add_handler(TypeHandler(Update, members.skip_handled), group=-2)
    in_groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    application.add_handler(
        MessageHandler(in_groups & filters.SenderChat.ALL, members.anonymous_sender), group=-1
    )
    application.add_handler(MessageHandler(in_groups, members.learn_member), group=-1)
    new_messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler(list(COMMANDS), on_command, filters=new_messages))
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
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
