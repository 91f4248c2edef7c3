"""/export: the team's tickets streamed from the database into a CSV or XLSX document."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.domain.commands import Export
from bot.domain.exports import ExportFacts
from bot.domain.model import FINISHED_STATUSES, TeamAction, ticket_label
from bot.domain.people import Person
from bot.domain.permissions import require_team
from bot.domain.ticket import Ticket
from bot.export import Cell, write_export
from bot.i18n import Texts
from bot.rendering.messages import Button, Message
from bot.rendering.render import Renderer
from bot.services.people import Session
from handlers.telegram.turn import Turn

log = logging.getLogger(__name__)

#: Files up to this size stay in memory; bigger exports spill to a temporary file.
_IN_MEMORY: Final = 8 * 1024 * 1024
EXPORT_COLUMNS: Final = (
    "number",
    "order",
    "kind",
    "status",
    "outcome",
    "creator",
    "assignee",
    "created",
    "due",
    "resolved",
    "in_time",
    "description",
    "acknowledged",
    "outcome_at",
    "escalated",
    "closed",
    "ruling",
    "appeal",
    "cancel_reason",
    "notes",
    "evidence",
)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def export_row(
    ticket: Ticket,
    facts: ExportFacts,
    people: dict[int, Person],
    texts: Texts,
    renderer: Renderer,
    zone: ZoneInfo,
) -> Sequence[Cell]:
    def name(user_id: int | None) -> str:
        person = people.get(user_id) if user_id is not None else None
        return person.display_name if person else ("" if user_id is None else str(user_id))

    # On time: the outcome (or, for tickets before outcomes were timed, the resolution) came
    # by the deadline.
    answered = facts.outcome_at or ticket.resolved_at
    finished = ticket.status in FINISHED_STATUSES
    in_time = ""
    if answered is not None:
        in_time = str(texts("export.yes" if answered <= ticket.due_at else "export.no"))
    return (
        ticket_label(ticket.number),
        ticket.order_id,
        renderer.kind_label(ticket.kind, texts),
        str(texts(f"status.{ticket.status.value}")),
        str(texts(f"outcome.{ticket.outcome.value}")) if ticket.outcome else "",
        name(ticket.creator_id),
        name(ticket.assignee_id),
        _local(ticket.created_at, zone),
        _local(ticket.due_at, zone),
        _local(ticket.resolved_at, zone),
        in_time,
        ticket.description,
        _local(facts.acknowledged_at, zone),
        _local(facts.outcome_at, zone),
        _local(facts.escalated_at or ticket.escalated_at, zone),
        _local(facts.closed_at or ticket.resolved_at if finished else None, zone),
        facts.ruling,
        facts.appeal,
        facts.cancel_reason,
        facts.notes,
        facts.evidence,
    )


async def send_export(turn: Turn, session: Session, command: Export) -> None:
    """The file goes to the requester alone: in a group, to their private chat (the group's
    members, agents among them, may not export the team's data themselves)."""
    require_team(session.actor, TeamAction.EXPORT)
    texts = turn.texts
    zone = session.team.zone
    queries = turn.app.services.queries
    renderer = turn.app.renderer
    chat_id = turn.person.id
    try:
        status = await turn.context.bot.send_message(
            chat_id, texts("reply.export_progress", count=0), parse_mode=ParseMode.HTML
        )
    except Forbidden:
        # Telegram refuses a private chat the user never opened: the start button, as the
        # outbox's fallback offers.
        url = f"https://t.me/{turn.context.bot.username}?start=export"
        start = Button(texts("button.open_bot"), url=url)
        await turn.reply(Message(texts("reply.export_start_first"), ((start,),)))
        return
    if turn.in_group:
        await turn.say("reply.export_sent_privately")

    async def rows() -> AsyncIterator[Sequence[Cell]]:
        async for batch in queries.export(session.actor, command.period):
            ids = {t.creator_id for t in batch} | {t.assignee_id for t in batch if t.assignee_id}
            people = await queries.people(ids)
            facts = await queries.export_facts(session.actor, batch)
            for ticket in batch:
                found = facts.get(ticket.id or 0, ExportFacts())
                yield export_row(ticket, found, people, texts, renderer, zone)

    async def progress(count: int) -> None:
        try:
            await status.edit_text(texts("reply.export_progress", count=texts.number(count)))
        except BadRequest as error:
            log.info("export progress not shown: %s", error.message)

    header = [str(texts(f"export.{column}")) for column in EXPORT_COLUMNS]
    stamp = turn.app.clock.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    filename = f"tickets-{stamp}.{command.format.value}"
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as out:
        count = await write_export(command.format, rows(), header, out, progress=progress)  # type: ignore[arg-type]
        out.seek(0)
        # Not the file object itself: PTB reads it whole anyway, and names it from `.name`,
        # which a SpooledTemporaryFile still in memory does not have (None).
        await turn.context.bot.send_document(
            chat_id,
            InputFile(out.read(), filename=filename),
            caption=texts("reply.export_done", count=texts.number(count)),
        )
    # The progress message ends with the total, as the file's caption says it.
    try:
        await status.edit_text(texts("reply.export_done", count=texts.number(count)))
    except BadRequest as error:
        log.info("export total not shown: %s", error.message)
