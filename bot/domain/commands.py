"""The chat grammar of PRODUCT.md parsed into typed commands; errors name the token at fault."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Final

from bot.domain.chat_text import MAX_TEXT as MAX_TEXT
from bot.domain.chat_text import MessageText as MessageText
from bot.domain.chat_text import Reader, Token, split_at_punctuation, tokens
from bot.domain.chat_text import ReplyTo as ReplyTo
from bot.domain.chat_text import TextMention as TextMention
from bot.domain.chat_text import UserRef as UserRef
from bot.domain.chat_text import parse_order_id as parse_order_id
from bot.domain.durations import BadDuration, parse_duration
from bot.domain.errors import UsageError
from bot.domain.model import Language, Outcome, Role

#: Chinese keyboards type these full-width forms; they mean the ASCII ones (same length, so
#: entity offsets stay valid).
_FULL_WIDTH: Final = str.maketrans({"／": "/", "＃": "#", "＠": "@"})
_LANGUAGE_WORDS: Final = {
    "zh": Language.ZH,
    "cn": Language.ZH,
    "中文": Language.ZH,
    "汉语": Language.ZH,
    "chinese": Language.ZH,
    "en": Language.EN,
    "english": Language.EN,
    "英文": Language.EN,
    "英语": Language.EN,
}
_OUTCOME_WORDS: Final = {
    "agreed": Outcome.AGREED,
    "agree": Outcome.AGREED,
    "一致": Outcome.AGREED,
    "协商一致": Outcome.AGREED,
    "disagreed": Outcome.DISAGREED,
    "disagree": Outcome.DISAGREED,
    "not_agreed": Outcome.DISAGREED,
    "不一致": Outcome.DISAGREED,
    "未协商一致": Outcome.DISAGREED,
    "done": Outcome.DONE,
    "完成": Outcome.DONE,
    "已完成": Outcome.DONE,
}


# --- what it produces -----------------------------------------------------------------------


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class CreateTicket:
    order_id: str
    kind: str | None
    assignee: UserRef | None
    description: str


@dataclass(frozen=True, slots=True)
class StartGuidedTicket:
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ShowTicket:
    number: int


@dataclass(frozen=True, slots=True)
class AddNote:
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Transfer:
    number: int
    assignee: UserRef
    reason: str | None


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    number: int
    outcome: Outcome
    note: str | None


@dataclass(frozen=True, slots=True)
class CollectEvidence:
    number: int
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Appeal:
    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Reopen:
    number: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Resume:
    number: int


@dataclass(frozen=True, slots=True)
class Extend:
    number: int
    by: timedelta
    reason: str


@dataclass(frozen=True, slots=True)
class Remind:
    number: int
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ListMine:
    pass


@dataclass(frozen=True, slots=True)
class ListCreated:
    pass


@dataclass(frozen=True, slots=True)
class ListPending:
    assignee: UserRef | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class ByOrder:
    order_id: str


@dataclass(frozen=True, slots=True)
class Stats:
    period: timedelta | None


@dataclass(frozen=True, slots=True)
class Export:
    format: ExportFormat
    period: timedelta | None


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: Language


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Start:
    payload: str | None


@dataclass(frozen=True, slots=True)
class OpenApp:
    """/app: the workbench (a sign-in link in private chat, a button in the group)."""


Command = (
    CreateTicket
    | StartGuidedTicket
    | ShowTicket
    | AddNote
    | Transfer
    | RecordOutcome
    | CollectEvidence
    | Cancel
    | Verdict
    | Appeal
    | Reopen
    | Remind
    | Hold
    | Resume
    | Extend
    | ListMine
    | ListCreated
    | ListPending
    | ByOrder
    | Stats
    | Export
    | SetLanguage
    | Help
    | Start
    | OpenApp
)

_Parser = Callable[[Reader, Collection[str]], Command]


def _period(reader: Reader, token: Token) -> timedelta:
    try:
        return parse_duration(token.text)
    except BadDuration:
        raise reader.error("period_invalid", token) from None


# --- the grammar ----------------------------------------------------------------------------


def parse_command(
    message: MessageText,
    *,
    kinds: Collection[str],
    bot_username: str | None = None,
    kind_aliases: Mapping[str, str] | None = None,
) -> Command:
    """Parse one message that starts with a command of the grammar.

    `kind_aliases` maps other words for a kind (its labels, lowercased) to its name, so
    `#售后处理` means `#aftersale`. Raises UsageError naming the command, what was wrong and
    the token at fault.
    """
    message = replace(message, text=message.text.translate(_FULL_WIDTH))
    words = tokens(message)
    if not words or not words[0].text.startswith("/"):
        raise UsageError("help", "not_a_command")
    name, _, addressee = words[0].text[1:].partition("@")
    name = name.lower()
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        raise UsageError("help", "other_bot", token=words[0].text)
    spec = COMMANDS.get(name)
    if spec is None:
        raise UsageError("help", "unknown_command", token=words[0].text)
    reader = Reader(name, message, words[1:], kind_aliases or {})
    return spec.parser(reader, kinds)


def _ticket(reader: Reader, kinds: Collection[str]) -> Command:
    reply = reader.message.reply_to
    replied_text = (reply.text.strip() if reply and reply.text else None) or None
    if reader.peek() is None:
        return StartGuidedTicket(description=reader.limited(replied_text) if replied_text else None)
    order_id = reader.order_id()
    kind: str | None = None
    assignee: UserRef | None = None
    while (token := reader.peek()) is not None:
        named_kind = reader.kind(token, kinds)
        if named_kind is not None:
            if kind is not None:
                raise reader.error("kind_twice", token)
            kind = named_kind
            reader.take()
            continue
        user = reader.user(token)
        if user is None:
            break
        if assignee is not None:
            raise reader.error("assignee_twice", token)
        assignee = user
        reader.take()
    description = reader.rest() or replied_text
    if not description:
        raise reader.error("description_missing")
    return CreateTicket(order_id, kind, assignee, reader.limited(description))


def _show(reader: Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    reader.end()
    return ShowTicket(number)


def _note(reader: Reader, kinds: Collection[str]) -> Command:
    return AddNote(reader.ticket_number(), reader.text("text_missing"))


def _transfer(reader: Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    token = reader.peek()
    user = reader.user(token) if token is not None else None
    if user is not None:
        reader.take()
    else:
        user = reader.replied_user()
    if user is None:
        raise reader.error("assignee_missing", token)
    return Transfer(number, user, reader.optional_text())


def _outcome(reader: Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    token = reader.take()
    if token is None:
        raise reader.error("outcome_missing")
    # `未协商一致，客户要退款`: the outcome word may run into the note after punctuation.
    word, glued = split_at_punctuation(token.text)
    outcome = _OUTCOME_WORDS.get(word.lower())
    if outcome is None:
        raise reader.error("outcome_invalid", token)
    note = " ".join(part for part in (glued, reader.rest()) if part)
    return RecordOutcome(number, outcome, reader.limited(note) or None)


def _evidence(reader: Reader, kinds: Collection[str]) -> Command:
    return CollectEvidence(reader.ticket_number(), reader.optional_text())


def _cancel(reader: Reader, kinds: Collection[str]) -> Command:
    return Cancel(reader.ticket_number(), reader.text("reason_missing"))


def _verdict(reader: Reader, kinds: Collection[str]) -> Command:
    return Verdict(reader.ticket_number(), reader.text("text_missing"))


def _appeal(reader: Reader, kinds: Collection[str]) -> Command:
    return Appeal(reader.ticket_number(), reader.text("reason_missing"))


def _reopen(reader: Reader, kinds: Collection[str]) -> Command:
    return Reopen(reader.ticket_number(), reader.optional_text())


def _hold(reader: Reader, kinds: Collection[str]) -> Command:
    return Hold(reader.ticket_number(), reader.text("reason_missing"))


def _resume(reader: Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    reader.end()
    return Resume(number)


def _extend(reader: Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    token = reader.take()
    if token is None:
        raise reader.error("duration_missing")
    return Extend(number, _period(reader, token), reader.text("reason_missing"))


def _remind(reader: Reader, kinds: Collection[str]) -> Command:
    return Remind(reader.ticket_number(), reader.optional_text())


def _no_arguments(command: Command) -> _Parser:
    def parse(reader: Reader, kinds: Collection[str]) -> Command:
        reader.end()
        return command

    return parse


def _pending(reader: Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    if token is None:
        return ListPending()
    reader.end()
    kind = reader.kind(token, kinds)
    if kind is not None:
        return ListPending(kind=kind)
    user = reader.user(token)
    if user is None:
        raise reader.error("filter_invalid", token)
    return ListPending(assignee=user)


def _order(reader: Reader, kinds: Collection[str]) -> Command:
    order_id = reader.order_id()
    reader.end()
    return ByOrder(order_id)


def _stats(reader: Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    reader.end()
    return Stats(_period(reader, token) if token else None)


def _export(reader: Reader, kinds: Collection[str]) -> Command:
    export_format: ExportFormat | None = None
    period: timedelta | None = None
    while (token := reader.take()) is not None:
        word = token.text.lower()
        if export_format is None and word in ExportFormat.__members__.values():
            export_format = ExportFormat(word)
        elif period is None and word[:1].isdigit():
            period = _period(reader, token)
        else:
            raise reader.error("unexpected", token)
    return Export(export_format or ExportFormat.CSV, period)


def _lang(reader: Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    if token is None:
        raise reader.error("language_missing")
    reader.end()
    language = _LANGUAGE_WORDS.get(token.text.lower())
    if language is None:
        raise reader.error("language_invalid", token)
    return SetLanguage(language)


def _start(reader: Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    return Start(token.text if token else None)


# --- the grammar ---------------------------------------------------------------------------

_EVERYONE: Final = frozenset({Role.MEMBER, Role.SUPERVISOR})
_SUPERVISORS: Final = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the chat grammar: its parser, what it produces and whom it is offered to.

    The router, the command menus (setMyCommands) and /help are derived from these rows; the
    texts are `usage.<name>` (help, usage errors) and `command.<name>` (the menu).
    """

    name: str
    parser: _Parser
    #: The command types the parser returns; each must have a handler at the edge.
    produces: tuple[type[Command], ...]
    #: Offered in menus to these team roles (anyone may still type it; the rules decide).
    roles: frozenset[Role] = _EVERYONE
    #: Offered and listed in groups too (/start belongs to private chats).
    in_groups: bool = True

    @property
    def usage_key(self) -> str:
        return f"usage.{self.name}"

    @property
    def menu_key(self) -> str:
        return f"command.{self.name}"


def _spec(
    name: str,
    parser: _Parser,
    *produces: type[Command],
    roles: frozenset[Role] = _EVERYONE,
    in_groups: bool = True,
) -> CommandSpec:
    return CommandSpec(name, parser, produces, roles, in_groups)


#: Every command of the grammar, in the order /help lists them.
GRAMMAR: Final[tuple[CommandSpec, ...]] = (
    _spec("ticket", _ticket, CreateTicket, StartGuidedTicket),
    _spec("show", _show, ShowTicket),
    _spec("note", _note, AddNote),
    _spec("transfer", _transfer, Transfer),
    _spec("outcome", _outcome, RecordOutcome),
    _spec("evidence", _evidence, CollectEvidence),
    _spec("cancel", _cancel, Cancel),
    _spec("verdict", _verdict, Verdict, roles=_SUPERVISORS),
    _spec("appeal", _appeal, Appeal),
    _spec("reopen", _reopen, Reopen, roles=_SUPERVISORS),
    _spec("remind", _remind, Remind),
    _spec("hold", _hold, Hold),
    _spec("resume", _resume, Resume),
    _spec("extend", _extend, Extend, roles=_SUPERVISORS),
    _spec("mine", _no_arguments(ListMine()), ListMine),
    _spec("created", _no_arguments(ListCreated()), ListCreated),
    _spec("pending", _pending, ListPending, roles=_SUPERVISORS),
    _spec("order", _order, ByOrder),
    _spec("stats", _stats, Stats, roles=_SUPERVISORS),
    _spec("export", _export, Export, roles=_SUPERVISORS),
    _spec("lang", _lang, SetLanguage),
    _spec("help", _no_arguments(Help()), Help),
    _spec("start", _start, Start, in_groups=False),
    _spec("app", _no_arguments(OpenApp()), OpenApp),
)
COMMANDS: Final[Mapping[str, CommandSpec]] = {spec.name: spec for spec in GRAMMAR}
COMMAND_NAMES: Final = tuple(COMMANDS)
