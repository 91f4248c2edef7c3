"""Inline search: `@bot TB1001` or `@bot 42` in any chat lists tickets of the user's teams.

Each result is the ticket's summary with an "Open" button (its deep link into private chat);
results are personal (never cached for other users), 50 a page with next_offset paging, and
an empty query lists the user's own to-do.
"""

from __future__ import annotations

import logging
from typing import Final

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.domain.links import TicketLink
from bot.domain.model import Language
from bot.domain.ticket import Ticket
from bot.i18n import Texts, plain
from bot.rendering.render import name_of, tag
from bot.services.queries import SearchPage
from handlers.telegram.adapters import person_of
from handlers.telegram.context import BotContext

log = logging.getLogger(__name__)

#: Telegram's limit of results per answer.
PAGE: Final = 50
#: An offset past this is no page we handed out.
_MAX_OFFSET: Final = 10_000


def _offset(text: str) -> int:
    return int(text) if text.isdigit() and int(text) <= _MAX_OFFSET else 0


def _article(
    ticket: Ticket, page: SearchPage, texts: Texts, context: BotContext
) -> InlineQueryResultArticle:
    app = context.app
    team = page.teams[ticket.team_id]
    now = app.clock.now()
    summary = app.renderer.summary(ticket, page.people, texts, team.zone, now)
    kind = app.renderer.kind_label(ticket.kind, texts)
    url = TicketLink(ticket.team_id, ticket.number).url(app.bot_username)
    return InlineQueryResultArticle(
        id=str(ticket.id),
        title=plain(
            texts("inline.title", tag=tag(ticket.number), kind=kind, order=ticket.order_id)
        ),
        description=plain(
            texts(
                "inline.description",
                status=texts(f"status.{ticket.status.value}"),
                assignee=name_of(page.people, ticket.assignee_id, texts),
            )
        ),
        input_message_content=InputTextMessageContent(summary, parse_mode=ParseMode.HTML),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts("button.open_ticket"), url=url)]]
        ),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """Answer `@bot <text>` with the matching tickets of the sender's teams."""
    query = update.inline_query
    if query is None:
        return
    person = person_of(query.from_user)
    app = context.app
    offset = _offset(query.offset)
    page = await app.services.queries.search(person.id, query.query, offset=offset, limit=PAGE)
    fallback = next(iter(page.teams.values())).language if page.teams else Language.ZH
    texts = app.catalogs[person.private_language(fallback)]
    results = [_article(ticket, page, texts, context) for ticket in page.tickets]
    try:
        await query.answer(
            results,
            cache_time=0,
            is_personal=True,
            next_offset=str(page.next_offset) if page.next_offset is not None else "",
        )
    except TelegramError as error:
        # The user typed on and Telegram dropped this query: the next one is answered.
        log.info("inline query %s not answered: %s", query.id, error)
