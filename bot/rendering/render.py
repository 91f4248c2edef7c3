"""Tickets, lists, stats, notices and errors as messages, in the reader's language and zone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.actions import ACTIONS
from bot.domain.calendars import WorkCalendar
from bot.domain.commands import GRAMMAR
from bot.domain.errors import DomainError, UsageError
from bot.domain.model import (
    Action,
    EventType,
    Kind,
    Language,
    Role,
    Status,
    ticket_label,
)
from bot.domain.people import Person
from bot.domain.permissions import Actor
from bot.domain.platform import PLATFORM_USER_ID, ReplyOption
from bot.domain.ticket import Ticket
from bot.domain.views import EvidenceItem, TicketStats, TimelineEntry
from bot.i18n import Markup, Texts, escape
from bot.rendering.callbacks import Verb, encode
from bot.rendering.messages import Button, Keyboard, Message

#: Telegram's limit on a message's text; longer lists are cut with a note.
MAX_TEXT: Final = 4096
_STATUS_ICON: Final = {
    Status.OPEN: "🟡",
    Status.IN_PROGRESS: "🔵",
    Status.RESOLVED: "✅",
    Status.ESCALATED: "🚨",
    Status.CLOSED: "⚖️",
    Status.APPEALED: "📣",
    Status.CANCELLED: "🚫",
}


def tag(number: int) -> Markup:
    """#T1042: tapping it in Telegram lists every message about the ticket."""
    return Markup(f"#{ticket_label(number)}")


def name_of(people: Mapping[int, Person], user_id: int | None, texts: Texts) -> Markup:
    if user_id is None:
        return texts("person.nobody")
    if user_id == PLATFORM_USER_ID:
        return texts("person.platform")
    person = people.get(user_id)
    return escape(person.display_name if person else str(user_id))


def who_did(
    payload: Mapping[str, Any], actor_id: int | None, people: Mapping[int, Person], texts: Texts
) -> Markup:
    """Who an event was done by: a person, or the integration whose API token it came with."""
    if payload.get("via") == "api":
        return texts("person.api", name=str(payload.get("integration") or ""))
    return name_of(people, actor_id, texts)


def mention(people: Mapping[int, Person], user_id: int, texts: Texts) -> Markup:
    """A link that notifies the user even without a username."""
    return Markup(f'<a href="tg://user?id={user_id}">{name_of(people, user_id, texts)}</a>')


class Renderer:
    """Knows the kinds' labels; everything else comes in with each call."""

    def __init__(
        self,
        kinds: Mapping[str, Kind],
        calendar_of: Callable[[int, Kind], WorkCalendar | None] = lambda team, kind: None,
        *,
        workbench_url: str | None = None,
    ) -> None:
        self._kinds = kinds
        #: The workbench page ([app] public_url + /app/): cards in private chat open it.
        self._workbench_url = workbench_url
        #: The working-time calendar a ticket's deadline counts in (None: the wall clock).
        self._calendar_of = calendar_of

    def kind_label(self, name: str, texts: Texts) -> str:
        kind = self._kinds.get(name)
        return kind.label(texts.language) if kind else name

    def deadline(self, ticket: Ticket, texts: Texts, zone: ZoneInfo, now: datetime) -> Markup:
        """The deadline line: time left, or how long overdue."""
        return self._deadline(ticket, texts, zone, now)

    def _deadline(self, ticket: Ticket, texts: Texts, zone: ZoneInfo, now: datetime) -> Markup:
        moment = texts.moment(ticket.due_at, zone)
        if ticket.status not in (Status.OPEN, Status.IN_PROGRESS):
            return texts("deadline.plain", at=moment)
        if ticket.held_since is not None:
            return texts("deadline.on_hold", at=moment, since=texts.moment(ticket.held_since, zone))
        kind = self._kinds.get(ticket.kind)
        calendar = self._calendar_of(ticket.team_id, kind) if kind else None
        if calendar is not None and now < ticket.due_at:
            left_working = calendar.working_time(now, ticket.due_at)
            return texts("deadline.left_working", at=moment, left=texts.span(left_working))
        left = ticket.due_at - now
        if left >= timedelta(0):
            return texts("deadline.left", at=moment, left=texts.span(left))
        return texts("deadline.overdue", at=moment, over=texts.span(-left))

    def summary(
        self,
        ticket: Ticket,
        people: Mapping[int, Person],
        texts: Texts,
        zone: ZoneInfo,
        now: datetime,
    ) -> Markup:
        """The facts of a ticket, as the top of a card or of /show."""
        lines = [
            texts(
                "ticket.heading",
                icon=_STATUS_ICON[ticket.status],
                tag=tag(ticket.number),
                kind=self.kind_label(ticket.kind, texts),
                status=texts(f"status.{ticket.status.value}"),
            ),
            texts("ticket.order", order=Markup(f"<code>{escape(ticket.order_id)}</code>")),
            texts("ticket.description", description=ticket.description),
            texts(
                "ticket.people",
                creator=name_of(people, ticket.creator_id, texts),
                assignee=name_of(people, ticket.assignee_id, texts),
            ),
            self._deadline(ticket, texts, zone, now),
        ]
        if ticket.outcome is not None:
            lines.append(texts("ticket.outcome", outcome=texts(f"outcome.{ticket.outcome.value}")))
        if ticket.cancel_request is not None:
            lines.append(
                texts(
                    "ticket.cancel_requested",
                    who=name_of(people, ticket.cancel_request.requested_by, texts),
                    reason=ticket.cancel_request.reason,
                )
            )
        return Markup("\n".join(lines))

    # --- the assignee's card -----------------------------------------------------------------

    def card(
        self,
        ticket: Ticket,
        viewer_id: int,
        people: Mapping[int, Person],
        texts: Texts,
        zone: ZoneInfo,
        now: datetime,
        evidence_count: int = 0,
        *,
        options: Sequence[ReplyOption] = (),
    ) -> Message:
        """The ticket as its assignee sees it in private chat, with the buttons they may use;
        a platform's ticket offers the platform's reply options as its outcomes."""
        lines = [self.summary(ticket, people, texts, zone, now)]
        if evidence_count:
            lines.append(texts("ticket.evidence_count", count=evidence_count))
        if options:
            lines.append(texts("card.platform_options"))
            lines.extend(self._option_line(option, texts) for option in options)
        if ticket.assignee_id != viewer_id:
            lines.append(
                texts("card.no_longer_yours", assignee=name_of(people, ticket.assignee_id, texts))
            )
            return Message("\n".join(lines))
        buttons = self.card_buttons(ticket, viewer_id, texts, options)
        if self._workbench_url:
            # A web_app button: cards go to private chats only, where Telegram allows one.
            page = f"{self._workbench_url}?team={ticket.team_id}&ticket={ticket.number}"
            buttons = (*buttons, (Button(texts("wb.button.open"), web_app=page),))
        if evidence_count and ticket.id is not None:
            # The files themselves, sent into this chat (albums of photos, then documents).
            files = Button(
                texts("lead.view_evidence", count=evidence_count),
                encode(Verb.EVIDENCE_ALL, ticket.id),
            )
            buttons += ((files,),)
        return Message("\n".join(lines), buttons)

    @staticmethod
    def _option_line(option: ReplyOption, texts: Texts) -> Markup:
        needs = [
            texts(key)
            for key, needed in (
                ("card.option_needs_description", option.requires_description),
                ("card.option_needs_evidence", option.requires_evidence),
            )
            if needed
        ]
        return texts(
            "card.platform_option",
            label=option.label(texts.language),
            needs=Markup("、".join(needs)) if needs else texts("card.option_needs_nothing"),
        )

    def card_buttons(
        self,
        ticket: Ticket,
        viewer_id: int,
        texts: Texts,
        options: Sequence[ReplyOption] = (),
    ) -> Keyboard:
        """Only buttons the assignee could use now; pressing one is checked again anyway."""
        assert ticket.id is not None
        kind = self._kinds.get(ticket.kind)
        viewer = Actor(viewer_id, ticket.team_id, Role.MEMBER)
        ticket_id, stamp = ticket.id, ticket.stamp
        rows: list[tuple[Button, ...]] = []
        if ticket.may(viewer, Action.ACKNOWLEDGE):
            rows.append((Button(texts("button.acknowledge"), encode(Verb.ACKNOWLEDGE, ticket_id)),))
        if options:
            if ticket.may(viewer, Action.REPLY_PLATFORM):
                rows.extend(
                    (
                        Button(
                            option.label(texts.language),
                            encode(Verb.PLATFORM_OPTION, ticket_id, index, stamp),
                        ),
                    )
                    for index, option in enumerate(options)
                )
        elif kind is not None and kind.needs_outcome and ticket.may(viewer, Action.AGREE):
            rows.append(
                (
                    Button(texts("button.agreed"), encode(Verb.AGREE, ticket_id, stamp)),
                    Button(texts("button.disagreed"), encode(Verb.DISAGREE, ticket_id, stamp)),
                )
            )
        elif ticket.may(viewer, Action.DONE):
            rows.append((Button(texts("button.done"), encode(Verb.DONE, ticket_id, stamp)),))
        extra: list[Button] = []
        if ticket.may(viewer, Action.ADD_EVIDENCE):
            extra.append(Button(texts("button.evidence"), encode(Verb.EVIDENCE, ticket_id)))
        if ticket.may(viewer, Action.NOTE):
            extra.append(Button(texts("button.note"), encode(Verb.NOTE, ticket_id)))
        if ticket.may(viewer, Action.TRANSFER):
            extra.append(Button(texts("button.transfer"), encode(Verb.TRANSFER, ticket_id)))
        if extra:
            rows.append(tuple(extra))
        return tuple(rows)

    # --- /show -------------------------------------------------------------------------------

    def details(
        self,
        ticket: Ticket,
        timeline: Sequence[TimelineEntry],
        evidence: Sequence[EvidenceItem],
        people: Mapping[int, Person],
        texts: Texts,
        zone: ZoneInfo,
        now: datetime,
    ) -> Message:
        lines = [self.summary(ticket, people, texts, zone, now), "", texts("timeline.heading")]
        for entry in timeline:
            lines.append(self.event_line(entry, people, texts, zone))
        if evidence:
            lines.extend(["", texts("evidence.heading", count=len(evidence))])
            for item in evidence:
                # A photo has no file name; Telegram's file id means nothing to a reader.
                name = item.file_name or item.caption
                lines.append(
                    texts(
                        "evidence.line" if name else "evidence.line_unnamed",
                        type=texts(f"evidence.type.{item.type}"),
                        name=name or "",
                        who=name_of(people, item.uploader_id, texts),
                        at=texts.moment(item.at, zone),
                    )
                )
        return Message(_fit("\n".join(lines), texts))

    def event_line(
        self, entry: TimelineEntry, people: Mapping[int, Person], texts: Texts, zone: ZoneInfo
    ) -> Markup:
        event = entry.event
        payload = event.payload
        params: dict[str, Any] = {
            "at": texts.moment(event.at, zone),
            "who": who_did(payload, event.actor_id, people, texts)
            if event.actor_id or payload.get("via")
            else texts("person.system"),
            "text": payload.get("text") or "",
        }
        if event.type is EventType.OUTCOME:
            params["outcome"] = texts(f"outcome.{payload.get('outcome', 'done')}")
        if event.type in (EventType.TRANSFERRED, EventType.ASSIGNED):
            params["to"] = name_of(people, payload.get("to"), texts)
        if event.type is EventType.ESCALATED:
            params["level"] = payload.get("level", 1)
        if event.type is EventType.EXTENDED and isinstance(payload.get("due_at"), str):
            params["due"] = texts.moment(datetime.fromisoformat(payload["due_at"]), zone)
        if event.type is EventType.REPLIED:
            # The platform's option, in the reader's language, after the line.
            params["text"] = payload.get(f"option_{texts.language.value}") or ""
        if event.type is EventType.EVIDENCE:
            params["type"] = texts(f"evidence.type.{payload.get('type', 'document')}")
        key = f"event.{event.type.value}"
        if event.type is EventType.PLATFORM_ANSWERED and payload.get("accepted"):
            key = "event.platform_accepted"
        line = texts(key, **params)
        if params["text"] and event.type not in _TEXT_IN_LINE:
            line = Markup(f"{line} — {escape(params['text'])}")
        return line

    # --- lists and stats ---------------------------------------------------------------------

    def ticket_list(
        self,
        heading: Markup,
        tickets: Sequence[Ticket],
        people: Mapping[int, Person],
        texts: Texts,
        zone: ZoneInfo,
        now: datetime,
        total: int | None = None,
    ) -> Message:
        if not tickets:
            return Message(f"{heading}\n{texts('list.empty')}")
        lines = [heading]
        for ticket in tickets:
            lines.append(
                texts(
                    "list.line",
                    icon=_STATUS_ICON[ticket.status],
                    tag=tag(ticket.number),
                    kind=self.kind_label(ticket.kind, texts),
                    order=ticket.order_id,
                    assignee=name_of(people, ticket.assignee_id, texts),
                    deadline=self._deadline(ticket, texts, zone, now),
                )
            )
        if total is not None and total > len(tickets):
            lines.append(texts("list.more", shown=len(tickets), total=total))
        return Message(_fit("\n".join(lines), texts))

    def stats(
        self,
        stats: TicketStats,
        people: Mapping[int, Person],
        texts: Texts,
        period: timedelta | None,
    ) -> Message:
        heading = (
            texts("stats.heading_period", days=max(1, round(period / timedelta(days=1))))
            if period
            else texts("stats.heading_all")
        )
        lines = [heading, texts("stats.total", total=stats.total)]
        if stats.total:
            lines.append(texts("stats.by_status"))
            lines.extend(
                texts("stats.row", label=texts(f"status.{status}"), count=count)
                for status, count in _by_count(stats.by_status)
            )
            lines.append(texts("stats.by_kind"))
            lines.extend(
                texts("stats.row", label=self.kind_label(kind, texts), count=count)
                for kind, count in _by_count(stats.by_kind)
            )
            lines.append(texts("stats.by_assignee"))
            lines.extend(
                texts("stats.row", label=name_of(people, assignee, texts), count=count)
                for assignee, count in _by_count(stats.by_assignee)
            )
            if stats.resolved:
                share = stats.resolved_in_time / stats.resolved * 100
                lines.append(
                    texts(
                        "stats.in_time",
                        resolved=stats.resolved,
                        in_time=stats.resolved_in_time,
                        share=f"{share:.0f}",
                    )
                )
            else:
                lines.append(texts("stats.none_resolved"))
            if stats.held:
                lines.append(texts("stats.held", count=stats.held, span=texts.span(stats.held_for)))
        return Message(_fit("\n".join(lines), texts))

    # --- errors and help ---------------------------------------------------------------------

    def error(self, error: DomainError, texts: Texts, *, number: int | None = None) -> Message:
        """What went wrong, and for usage errors the right form with an example.

        `number` is the ticket the user named, for errors that do not say which one.
        """
        params: dict[str, Any] = {
            name: _excerpt(value) if name in _QUOTED and isinstance(value, str) else value
            for name, value in error.params.items()
        }
        key = error.key
        if key == "refused.transition" and (params.get("action"), params.get("status")) == (
            Action.DONE.value,
            Status.ESCALATED.value,
        ):
            key = "refused.done_escalated"
        if key == "refused.permission" and params.get("action") in set(Action):
            params["who"] = _who_may(Action(params["action"]), texts)
            key = "refused.permission_who"
        if isinstance(params.get("action"), str):
            params["action"] = texts(f"action.{params['action']}")
        if isinstance(params.get("status"), str):
            params["status"] = texts(f"status.{params['status']}")
        if isinstance(params.get("wait"), timedelta):
            params["wait"] = texts.span(params["wait"])
        if params.get("number") is None and number is not None:
            params["number"] = number
        if params.get("number") is not None:
            params["tag"] = tag(int(params["number"]))
        else:
            # A button names its ticket by id only: the card it is on says which one.
            params["tag"] = texts("ticket.this")
            if key == "notfound.ticket":
                key = "notfound.ticket_unknown"
        if isinstance(error, UsageError) and texts.has(f"{key}.{error.command}"):
            key = f"{key}.{error.command}"  # said the way this command needs it said
        text = texts(key, **params)
        if isinstance(error, UsageError):
            usage = f"usage.{error.command}"
            if not texts.has(usage):
                usage = "usage.help"
            text = Markup(f"{text}\n{texts('usage.line', usage=texts(usage))}")
        return Message(text)

    def help(self, texts: Texts, *, private: bool) -> Message:
        lines = [texts("help.heading")]
        lines.extend(texts(spec.usage_key) for spec in GRAMMAR if spec.in_groups)
        kinds = " · ".join(
            f"#{name} {escape(kind.label(texts.language))}" for name, kind in self._kinds.items()
        )
        if kinds:
            lines.append(texts("help.kinds", kinds=Markup(kinds)))
        lines.append(texts("help.footer_private" if private else "help.footer_group"))
        return Message("\n".join(lines))


_TEXT_IN_LINE: Final = frozenset({EventType.CREATED})
#: Error parameters that quote what the user typed, and how much of it an error repeats: a
#: whole 4,000-character token would take the reply over Telegram's 4,096 and lose it.
_QUOTED: Final = frozenset({"token", "order_id", "username"})
_EXCERPT: Final = 40


#: Roles as a refusal names them, most specific first.
_NAMED_ROLES: Final = (Role.ASSIGNEE, Role.CREATOR, Role.SUPERVISOR)


def _who_may(action: Action, texts: Texts) -> Markup:
    """Who may do `action`, as a refusal says it ("only supervisors can appeal")."""
    roles = ACTIONS[action].roles
    if Role.MEMBER in roles:
        return texts("role.member")
    named = [str(texts(f"role.{role.value}")) for role in _NAMED_ROLES if role in roles]
    return Markup(str(texts("role.joiner")).join(named))


def _excerpt(typed: str) -> str:
    return typed if len(typed) <= _EXCERPT else f"{typed[: _EXCERPT - 1]}…"


def _by_count(counts: Mapping[Any, int]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _fit(text: str, texts: Texts) -> str:
    """Cut a long text at a line break so it stays one Telegram message."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text.rfind("\n", 0, MAX_TEXT - 40)
    return f"{text[:cut]}\n{texts('list.truncated')}"


def language_of(person: Person | None, team_language: Language, *, private: bool) -> Language:
    """Groups speak the team's language; private chats the person's own."""
    if private and person is not None:
        return person.private_language(team_language)
    return team_language


def supervisors_line(
    supervisor_ids: Iterable[int], people: Mapping[int, Person], texts: Texts
) -> Markup:
    ids = sorted(set(supervisor_ids))
    if not ids:
        return texts("notice.no_supervisors")
    return Markup(" ".join(mention(people, user_id, texts) for user_id in ids))
