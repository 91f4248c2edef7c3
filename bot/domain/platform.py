"""Collaborative work orders from a marketplace (协同工单): the platform's reply options, the
link between its ticket and ours, and what a reply must carry. Pure: no I/O, no clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from bot.domain.errors import Refused

#: What a platform sends (Standard Webhooks' dotted event types, not catalog keys).
EVENT_TYPES: Final = frozenset(
    {"ticket.created", "ticket.timeout", "ticket.ruled", "appeal.decided"}
)
#: The creator of a platform's tickets: not a Telegram user (their ids start at 1).
PLATFORM_USER_ID: Final = 0
#: A signed request older (or newer) than this is refused: it may be a replay.
SIGNATURE_TOLERANCE: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ReplyOption:
    """One answer the platform accepts, and what it must come with."""

    id: str
    label_zh: str
    label_en: str
    requires_description: bool = False
    requires_evidence: bool = False
    max_files: int = 9

    def label(self, language: str) -> str:
        return self.label_zh if language == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class PlatformLink:
    """Our ticket as the platform knows it: (platform, platform ticket id) is unique."""

    platform: str
    platform_ticket_id: str
    shop_id: str
    options: tuple[ReplyOption, ...]
    ticket_id: int | None = None
    replied_option: str | None = None
    verdict: str | None = None

    def option(self, option_id: str) -> ReplyOption:
        for option in self.options:
            if option.id == option_id:
                return option
        raise Refused("refused.platform_option", option=option_id)


@dataclass(frozen=True, slots=True)
class PlatformReply:
    """What goes back to the platform: the option picked, its description and evidence."""

    option_id: str
    description: str | None
    file_ids: tuple[str, ...]


def check_reply(
    option: ReplyOption, description: str | None, file_ids: Sequence[str]
) -> PlatformReply:
    """The reply if it has what the option requires; Refused with the reason otherwise."""
    if option.requires_description and not (description and description.strip()):
        raise Refused(
            "refused.platform_needs_description",
            option_zh=option.label_zh,
            option_en=option.label_en,
        )
    if option.requires_evidence and not file_ids:
        raise Refused(
            "refused.platform_needs_evidence", option_zh=option.label_zh, option_en=option.label_en
        )
    if len(file_ids) > option.max_files:
        raise Refused(
            "refused.platform_too_many_files", count=len(file_ids), limit=option.max_files
        )
    return PlatformReply(option.id, description, tuple(file_ids))


def options_to_json(options: Sequence[ReplyOption]) -> list[dict[str, Any]]:
    return [
        {
            "id": option.id,
            "label_zh": option.label_zh,
            "label_en": option.label_en,
            "requires_description": option.requires_description,
            "requires_evidence": option.requires_evidence,
            "max_files": option.max_files,
        }
        for option in options
    ]


def options_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[ReplyOption, ...]:
    return tuple(ReplyOption(**dict(item)) for item in data)


# --- Standard Webhooks signatures ----------------------------------------------------------
# Written here (30 lines) rather than taken from the `standardwebhooks` package: its verify()
# reads the wall clock, and the bot, its tests and the simulator run on injected clocks.


class BadSignature(Exception):
    """A request that is not signed by the platform's secret, or not now."""


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: v1,<base64 HMAC-SHA256 of "id.timestamp.body">."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def verify(
    secret: str,
    message_id: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
) -> str:
    """The message id when the headers sign `body` with `secret` within the tolerance."""
    if not message_id or not timestamp or not signature:
        raise BadSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise BadSignature("webhook-timestamp is not Unix seconds") from None
    if abs(now.timestamp() - sent) > SIGNATURE_TOLERANCE.total_seconds():
        raise BadSignature("webhook-timestamp is too old or too new")
    expected = sign(secret, message_id, sent, body).encode()
    # Several space-separated signatures are allowed (a secret being rotated).
    if not any(hmac.compare_digest(expected, given.encode()) for given in signature.split()):
        raise BadSignature("no signature matches")
    return message_id


# --- what a platform sends -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformTicketCreated:
    """ticket.created: a collaborative work order about one of the shop's orders."""

    platform_ticket_id: str
    shop_id: str
    order_id: str
    complaint: str
    deadline: datetime
    options: tuple[ReplyOption, ...]


@dataclass(frozen=True, slots=True)
class PlatformTicketEvent:
    """ticket.timeout, ticket.ruled and appeal.decided: something the platform did to one of
    its tickets (`verdict` and `text` for a ruling or an appeal's result)."""

    type: str
    platform_ticket_id: str
    verdict: str | None = None
    text: str | None = None


PlatformEvent = PlatformTicketCreated | PlatformTicketEvent
