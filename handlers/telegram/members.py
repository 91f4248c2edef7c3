"""Who is in a team: learned from group messages, and group admins from Telegram."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.ext import ApplicationHandlerStop

from bot.services.container import Services
from handlers.telegram.adapters import person_of
from handlers.telegram.context import BotContext

log = logging.getLogger(__name__)


async def skip_handled(update: Update, context: BotContext) -> None:
    """An update Telegram delivers again (after an error or timeout) is not handled twice.

    The use cases also record the update id in their own transaction, so even two copies
    handled at the same moment change things once; this early check just skips the work.
    """
    if await context.app.services.people.handled_before(update.update_id):
        log.info("update %s was handled before; skipped", update.update_id)
        raise ApplicationHandlerStop


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
