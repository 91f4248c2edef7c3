"""The outbox's messages as types: one frozen dataclass per payload, stored as JSON.

`to_json` writes a payload with its `template`; `from_json` reads it back into its dataclass,
so the renderer and the dispatcher never reach into nested dictionaries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta
from typing import Any, ClassVar, Final

from bot.domain.actions import Template


@dataclass(frozen=True, slots=True)
class TicketSnapshot:
    """The ticket fields a notice shows, frozen at the time of the event."""

    ticket_id: int | None
    number: int
    order_id: str
    kind: str
    status: str
    creator_id: int
    assignee_id: int | None
    due_at: str
    #: What the notice's buttons are drawn for (`Ticket.stamp`).
    stamp: int | None = None


@dataclass(frozen=True, slots=True)
class EventSnapshot:
    type: str
    actor_id: int | None
    at: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventNotice:
    """A notice about one event of a ticket (created, note, escalated, ...)."""

    template: Template
    ticket: TicketSnapshot
    event: EventSnapshot


@dataclass(frozen=True, slots=True)
class CardNotice:
    """Show the ticket's card in a private chat: edited in place, or sent anew (`resend`)."""

    template: ClassVar[Template] = Template.CARD
    ticket_id: int
    resend: bool = False
    #: Who asked for it to be sent again, and what they said (a nudge).
    actor_id: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class AlbumAck:
    """One receipt for a whole album, sent once its files have arrived."""

    template: ClassVar[Template] = Template.ALBUM_ACK
    ticket_id: int
    media_group_id: str | None
    user_id: int | None


@dataclass(frozen=True, slots=True)
class DmFallback:
    """A refused private message, taken to the team's group with a button opening the bot."""

    template: ClassVar[Template] = Template.DM_FALLBACK
    user_id: int
    number: int | None
    ticket_id: int | None
    text: str
    bot_username: str
    #: The refused event notice itself (as stored), so the group reads it in its own language
    #: rather than in the language `text` was rendered in for the private chat.
    original: dict[str, Any] | None = None
    #: A refused card sent anew on purpose (a nudge): posted again, not edited in place.
    resend: bool = False


@dataclass(frozen=True, slots=True)
class WebhookNotice:
    template: ClassVar[Template] = Template.WEBHOOK
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlatformMessage:
    """A reply (the option, its description and evidence) or an appeal, for a platform."""

    template: ClassVar[Template] = Template.PLATFORM_MESSAGE
    ticket_id: int
    platform: str
    platform_ticket_id: str
    #: "reply" or "appeal".
    type: str
    option_id: str | None = None
    description: str | None = None
    #: Evidence as Telegram knows it: {"file_id", "file_name", "mime_type"} each.
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DigestNotice:
    """A supervisor's daily digest: how many stand in each section, and the first few tickets
    of each as [number, kind, order id, due at (ISO)]."""

    template: ClassVar[Template] = Template.DIGEST
    day: str
    counts: dict[str, int]
    tickets: dict[str, list[list[Any]]]


@dataclass(frozen=True, slots=True)
class CreationReceipt:
    """Tells a ticket's creator its number, written with the ticket and cancelled once the
    direct reply went out: it is delivered only if that reply was lost (a crash, an outage)."""

    template: ClassVar[Template] = Template.RECEIPT
    ticket_id: int
    number: int


NoticePayload = (
    EventNotice
    | CardNotice
    | AlbumAck
    | DmFallback
    | WebhookNotice
    | PlatformMessage
    | DigestNotice
    | CreationReceipt
)

_Simple = (
    CardNotice
    | AlbumAck
    | DmFallback
    | WebhookNotice
    | PlatformMessage
    | DigestNotice
    | CreationReceipt
)
_SIMPLE: Final[dict[Template, type[_Simple]]] = {
    Template.RECEIPT: CreationReceipt,
    Template.CARD: CardNotice,
    Template.ALBUM_ACK: AlbumAck,
    Template.DM_FALLBACK: DmFallback,
    Template.WEBHOOK: WebhookNotice,
    Template.PLATFORM_MESSAGE: PlatformMessage,
    Template.DIGEST: DigestNotice,
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to deliver after commit: where to, what, and how long to hold it back."""

    destination: str
    payload: NoticePayload
    delay: timedelta = timedelta(0)


#: The field names of the payloads whose fields are JSON values already.
_SIMPLE_FIELDS: Final[dict[type, tuple[str, ...]]] = {
    kind: tuple(f.name for f in fields(kind)) for kind in _SIMPLE.values()
}


def to_json(payload: NoticePayload) -> dict[str, Any]:
    """The payload as the outbox stores it: its fields and its template. A simple payload is
    read field by field: asdict's deep copy was half of writing a card's row."""
    names = _SIMPLE_FIELDS.get(type(payload))
    data = asdict(payload) if names is None else {name: getattr(payload, name) for name in names}
    data["template"] = payload.template.value
    return data


def from_json(data: dict[str, Any]) -> NoticePayload:
    """An outbox row's payload back in its dataclass; ValueError for one we did not write."""
    fields = dict(data)
    template = Template(fields.pop("template"))
    simple = _SIMPLE.get(template)
    if simple is not None:
        return simple(**fields)
    return EventNotice(
        template, TicketSnapshot(**fields["ticket"]), EventSnapshot(**fields["event"])
    )


def chat_destination(chat_id: int) -> str:
    return f"chat:{chat_id}"


def webhook_destination(url: str) -> str:
    return f"webhook:{url}"


def platform_destination(platform: str) -> str:
    return f"platform:{platform}"


def receipt_destination(chat_id: int, key: int) -> str:
    """A creation receipt's own destination in a chat (`key`: the update that asked), so it
    neither waits for nor holds up the chat's ordered messages while it waits out its grace."""
    return f"receipt:{chat_id}:{key}"


def chat_of(destination: str) -> int | None:
    """The chat id of a `chat:` or `receipt:` destination (None for a webhook)."""
    kind, _, target = destination.partition(":")
    if kind == "receipt":
        return int(target.partition(":")[0])
    return int(target) if kind == "chat" else None
