"""What an action means for a ticket that came from a platform: a reply or an appeal goes to
the platform through the outbox, and the chat's own outcome buttons do not apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.domain.actions import OUTCOME_ACTIONS
from bot.domain.changes import ChangeTicket
from bot.domain.errors import Refused
from bot.domain.model import Action, EventType
from bot.domain.notices import Notice, PlatformMessage, platform_destination
from bot.domain.platform import PlatformLink, check_reply
from bot.domain.ticket import Ticket
from storage.transaction import Transaction

#: Platforms' tickets are of this kind (the intake makes them so).
PLATFORM_KIND: Final = "collab"
_PLATFORM_ONLY: Final = frozenset({Action.REPLY_PLATFORM, Action.PLATFORM_RULE})
_OUTCOMES: Final = frozenset(OUTCOME_ACTIONS.values())


@dataclass(slots=True)
class PlatformSide:
    """The platform's part of one change, written in the change's transaction."""

    link: PlatformLink
    payload: dict[str, Any] = field(default_factory=dict)
    message: PlatformMessage | None = None
    replied_option: str | None = None
    verdict: str | None = None

    def commit(self, tx: Transaction, ticket: Ticket, now: datetime) -> None:
        if self.message is not None:
            notice = Notice(platform_destination(self.link.platform), self.message)
            tx.outbox.add(ticket.team_id, [notice], now)
        if self.replied_option is not None or self.verdict is not None:
            tx.platform.record(
                ticket.id or 0, replied_option=self.replied_option, verdict=self.verdict
            )


def platform_side(
    tx: Transaction, ticket: Ticket, action: Action, command: ChangeTicket
) -> PlatformSide | None:
    """The platform's part of `action`, or None for a ticket no platform sent; Refused when
    the platform's ticket needs something else (one of its options, what the option needs)."""
    link = tx.platform.of_ticket(ticket.id or 0) if ticket.kind == PLATFORM_KIND else None
    if link is None:
        if action in _PLATFORM_ONLY:
            raise Refused("refused.not_platform_ticket")
        return None
    if action in _OUTCOMES:
        raise Refused("refused.platform_use_options")
    details = dict(command.details)
    if action is Action.REPLY_PLATFORM:
        return _reply(tx, ticket, link, details)
    if action is Action.APPEAL:
        message = PlatformMessage(
            ticket.id or 0,
            link.platform,
            link.platform_ticket_id,
            "appeal",
            description=command.text,
        )
        return PlatformSide(link, message=message)
    if action is Action.PLATFORM_RULE:
        return PlatformSide(link, verdict=details.get("verdict"))
    return PlatformSide(link)


def _reply(
    tx: Transaction, ticket: Ticket, link: PlatformLink, details: dict[str, str]
) -> PlatformSide:
    """The assignee's answer: the option (by id, or by its place on the card), the latest note
    as its description, the evidence."""
    index = details.get("option_index")
    if index is not None:
        if not index.isdigit() or int(index) >= len(link.options):
            raise Refused("refused.platform_option")
        option = link.options[int(index)]
    else:
        option = link.option(details.get("option", ""))
    notes = [
        entry.event.payload.get("text")
        for entry in tx.events.timeline(ticket.id or 0)
        if entry.event.type is EventType.NOTE
    ]
    description = str(notes[-1]) if notes and notes[-1] else None
    evidence = tx.evidence.of_ticket(ticket.id or 0)
    reply = check_reply(option, description, [item.file_id for item in evidence])
    files = [
        {"file_id": item.file_id, "file_name": item.file_name, "mime_type": item.mime_type}
        for item in evidence
    ]
    message = PlatformMessage(
        ticket.id or 0,
        link.platform,
        link.platform_ticket_id,
        "reply",
        option_id=option.id,
        description=reply.description,
        files=files,
    )
    payload = {
        "option": option.id,
        "option_zh": option.label_zh,
        "option_en": option.label_en,
        "files": len(files),
    }
    return PlatformSide(link, payload, message, replied_option=option.id)
