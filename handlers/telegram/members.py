"""Who is in a team: learned from group messages, and group admins from Telegram."""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.services.container import Services
from handlers.telegram.adapters import person_of
from handlers.telegram.context import BotContext
from handlers.telegram.turn import Turn, handler

log = logging.getLogger(__name__)


async def skip_handled(update: Update, context: BotContext) -> None:
    """An update Telegram delivers again (after an error or timeout) is not handled twice.

    The use cases also record the update id in their own transaction, so even two copies
    handled at the same moment change things once; this early check just skips the work.
    """
    if await context.app.services.people.handled_before(update.update_id):
        log.info("update %s was handled before; skipped", update.update_id)
        raise ApplicationHandlerStop


async def anonymous_sender(update: Update, context: BotContext) -> None:
    """A message sent on behalf of a chat (an anonymous admin, a channel) has nobody behind it
    to act as: every anonymous admin shares one identity. Nothing is learned or done; a
    message for the bot gets a hint to post as oneself."""
    message = update.effective_message
    if message is not None and _for_the_bot(message, context.bot.id):
        await _post_as_yourself(update, context)
    raise ApplicationHandlerStop


def _for_the_bot(message: Message, bot_id: int) -> bool:
    said = (message.text or message.caption or "").lstrip()
    replied = message.reply_to_message
    sender = replied.from_user if replied is not None else None
    return said.startswith(("/", "／")) or (sender is not None and sender.id == bot_id)


@handler
async def _post_as_yourself(turn: Turn) -> None:
    await turn.say("reply.anonymous_sender")


async def learn_member(update: Update, context: BotContext) -> None:
    """Anyone who writes in a team's group is a member (privacy mode shows the bot only
    commands and replies to it, which is enough: people meet the bot that way)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot or chat.type == chat.PRIVATE:
        return
    context.session = await context.app.services.people.in_group(chat.id, person_of(user))


async def admins_changed(update: Update, context: BotContext) -> None:
    """A member was promoted or demoted: refresh that group's administrators."""
    chat = update.effective_chat
    if chat is not None:
        await sync_admins(context.bot, context.app.services, chat.id)


async def sync_admins(bot: Bot, services: Services, chat_id: int) -> None:
    """Mirror a team group's administrators (they supervise with admins_are_supervisors)."""
    profile = services.directory.by_chat(chat_id)
    if profile is None:
        return
    admins = await bot.get_chat_administrators(chat_id)
    people = [person_of(member.user) for member in admins if not member.user.is_bot]
    await services.people.sync_admins(profile.team.id, people)
    log.info("team %s: %d administrator(s)", profile.team.name, len(people))
