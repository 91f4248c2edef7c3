"""Notices about one event as messages: one render function per template."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.actions import Template
from bot.domain.model import EventType
from bot.domain.notices import EventNotice
from bot.domain.people import Person
from bot.i18n import Markup, Texts, escape
from bot.rendering.callbacks import Verb, encode
from bot.rendering.lead import extend_buttons
from bot.rendering.messages import Button, Keyboard, Message
from bot.rendering.render import Renderer, mention, name_of, supervisors_line, tag, who_did


@dataclass(frozen=True, slots=True)
class _Notice:
    """What a template's render function reads: the notice, its texts and its parameters."""

    notice: EventNotice
    details: Mapping[str, Any]
    people: Mapping[int, Person]
    texts: Texts
    params: dict[str, Any]


#: A template's headline key, with the parameters and buttons it adds.
_Render = Callable[[_Notice], tuple[str, Keyboard]]


def _plain(key: str, *, quote: bool = True) -> _Render:
    def render(notice: _Notice) -> tuple[str, Keyboard]:
        if not quote:
            notice.params["text"] = ""
        return key, ()

    return render


def _escalated(notice: _Notice) -> tuple[str, Keyboard]:
    details, texts = notice.details, notice.texts
    if notice.notice.event.type == EventType.OUTCOME.value:
        key = "notice.escalated_disagreed"
    elif int(details.get("level", 1)) > 1:
        key = "notice.escalated_again"
    else:
        key = "notice.escalated_timeout"
    failed = details.get("assignee_id", notice.notice.ticket.assignee_id)
    notice.params["assignee"] = (
        mention(notice.people, failed, texts) if failed else texts("person.nobody")
    )
    if key == "notice.escalated_disagreed":
        return key, ()
    # A ticket late for lack of a reply: a supervisor may give it more time from here.
    return key, _claim_row(notice) + _extend_row(notice)


def _claim_row(notice: _Notice) -> Keyboard:
    """A Claim button while nobody is assigned (the first member to press takes it)."""
    ticket = notice.notice.ticket
    if ticket.assignee_id is not None or ticket.ticket_id is None:
        return ()
    return ((Button(notice.texts("lead.claim"), encode(Verb.CLAIM, ticket.ticket_id)),),)


def _extend_row(notice: _Notice) -> Keyboard:
    ticket_id = notice.notice.ticket.ticket_id
    return (extend_buttons(ticket_id, notice.texts),) if ticket_id is not None else ()


def _created(notice: _Notice) -> tuple[str, Keyboard]:
    notice.params["text"] = ""
    return "notice.created", _claim_row(notice)


def _reminder(notice: _Notice) -> tuple[str, Keyboard]:
    """The assignee's reminder; with nobody assigned, the group's, calling on supervisors."""
    notice.params["text"] = ""
    if notice.notice.ticket.assignee_id is not None:
        return "notice.reminder", ()
    return "lead.reminder_unassigned", _claim_row(notice) + _extend_row(notice)


def _resolved(notice: _Notice) -> tuple[str, Keyboard]:
    outcome = notice.details.get("outcome", "done")
    notice.params["outcome"] = notice.texts(f"outcome.{outcome}")
    return "notice.resolved", ()


def _transferred(notice: _Notice) -> tuple[str, Keyboard]:
    details, people, texts = notice.details, notice.people, notice.texts
    notice.params["from"] = name_of(people, details.get("from"), texts)
    notice.params["to"] = mention(people, details["to"], texts) if details.get("to") else ""
    return "notice.transferred", ()


def _cancel_requested(notice: _Notice) -> tuple[str, Keyboard]:
    ticket, texts = notice.notice.ticket, notice.texts
    # Bound to this request: approving a later one needs that request's own notice.
    approve = encode(Verb.APPROVE_CANCEL, ticket.ticket_id, ticket.stamp)
    reject = encode(Verb.REJECT_CANCEL, ticket.ticket_id, ticket.stamp)
    buttons = (
        (
            Button(texts("button.approve_cancel"), approve),
            Button(texts("button.reject_cancel"), reject),
        ),
    )
    return "notice.cancel_requested", buttons


def _cancelled(notice: _Notice) -> tuple[str, Keyboard]:
    if notice.details.get("request_reason"):
        notice.params["text"] = notice.details["request_reason"]
    return "notice.cancelled", ()


def _platform_replied(notice: _Notice) -> tuple[str, Keyboard]:
    details = notice.details
    label = details.get("option_zh") if notice.texts.language == "zh" else details.get("option_en")
    notice.params["option"] = label or details.get("option", "")
    return "notice.platform_replied", ()


def _verdict(key: str) -> _Render:
    def render(notice: _Notice) -> tuple[str, Keyboard]:
        notice.params["verdict"] = notice.details.get("verdict") or ""
        return key, ()

    return render


#: Every event template and how it renders; the quoted text (note, reason, ruling) follows
#: the headline unless the template says `quote=False`.
RENDERERS: Final[Mapping[Template, _Render]] = {
    Template.CREATED: _created,
    Template.REMINDER: _reminder,
    Template.EXTENDED: _plain("notice.extended"),
    Template.NOTE: _plain("notice.note"),
    Template.TRANSFERRED: _transferred,
    Template.RESOLVED: _resolved,
    Template.ESCALATED: _escalated,
    Template.CANCEL_REQUESTED: _cancel_requested,
    Template.CANCEL_REJECTED: _plain("notice.cancel_rejected"),
    Template.CANCELLED: _cancelled,
    Template.RULED: _plain("notice.ruled"),
    Template.APPEALED: _plain("notice.appealed"),
    Template.REOPENED: _plain("notice.reopened"),
    Template.PLATFORM_REPLIED: _platform_replied,
    Template.PLATFORM_RULED: _verdict("notice.platform_ruled"),
    Template.PLATFORM_REFUSED: _plain("notice.platform_refused"),
    Template.APPEAL_DECIDED: _verdict("notice.appeal_decided"),
}


def render_notice(
    renderer: Renderer,
    notice: EventNotice,
    people: Mapping[int, Person],
    texts: Texts,
    zone: ZoneInfo,
    supervisors: Iterable[int],
    now: datetime,
) -> Message:
    """A notice about one event, from the snapshot the outbox row carries."""
    ticket, event = notice.ticket, notice.event
    details = event.payload
    due_at = datetime.fromisoformat(details.get("due_at") or ticket.due_at)
    params: dict[str, Any] = {
        "tag": tag(ticket.number),
        "kind": renderer.kind_label(ticket.kind, texts),
        "order": Markup(f"<code>{escape(ticket.order_id)}</code>"),
        "who": who_did(details, event.actor_id, people, texts),
        "creator": who_did(details, ticket.creator_id, people, texts)
        if event.type == EventType.CREATED.value
        else name_of(people, ticket.creator_id, texts),
        "assignee": name_of(people, ticket.assignee_id, texts),
        "text": details.get("text") or "",
        "due": texts.moment(due_at, zone),
        "left": texts.span(max(due_at - now, timedelta(0))),
        "supervisors": supervisors_line(supervisors, people, texts),
    }
    key, buttons = RENDERERS[notice.template](_Notice(notice, details, people, texts, params))
    text = texts(key, **params)
    if params["text"]:
        text = Markup(f"{text}\n{texts('notice.quote', text=params['text'])}")
    return Message(text, buttons)
