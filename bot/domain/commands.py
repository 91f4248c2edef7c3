"""The chat grammar of PRODUCT.md parsed into typed commands; errors name the token at fault."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Final

from bot.domain.durations import BadDuration, parse_duration
from bot.domain.errors import UsageError
from bot.domain.model import Language, Outcome, Role

#: Longest description or note we accept, so that a ticket card stays one Telegram message.
MAX_TEXT: Final = 1500
#: Chinese keyboards type these full-width forms; they mean the ASCII ones (same length, so
#: entity offsets stay valid).
_FULL_WIDTH: Final = str.maketrans({"／": "/", "＃": "#", "＠": "@"})
#: Punctuation people put right after a ticket number or an outcome word.
_TRAILING: Final = ",，。.、;；:：!！?？"
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
_TICKET_REF: Final = re.compile(r"#?[Tt]?(\d{1,9})")
_ORDER_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{2,63}")
_USERNAME: Final = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_HASHTAG: Final = re.compile(r"#(\w+)")
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


# --- what the parser reads -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextMention:
    """A mention of a user without a username: its span in the text (str indices) and id."""

    start: int
    end: int
    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """The message a command replies to."""

    text: str | None
    sender_id: int | None
    sender_is_bot: bool = False


@dataclass(frozen=True, slots=True)
class MessageText:
    """A chat message as the parser needs it, free of Telegram types."""

    text: str
    text_mentions: tuple[TextMention, ...] = ()
    reply_to: ReplyTo | None = None


# --- what it produces -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user named in a command: by @username or by a mention/reply carrying the id."""

    username: str | None = None
    user_id: int | None = None
    name: str | None = None


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

# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str
    mention: TextMention | None = None


def _tokens(message: MessageText) -> list[_Token]:
    """Whitespace-separated tokens, except that a text mention (a name with spaces) is one
    token, and text glued to it (Chinese needs no space: `Bo Wang，他熟悉`) is another."""
    spans = sorted(message.text_mentions, key=lambda m: m.start)
    tokens: list[_Token] = []
    for match in re.finditer(r"\S+", message.text):
        start, end = match.span()
        for mention in (m for m in spans if m.start < end and start < m.end):
            if start < mention.start:
                tokens.append(_Token(start, mention.start, message.text[start : mention.start]))
            if not tokens or tokens[-1].mention is not mention:
                tokens.append(_Token(mention.start, mention.end, mention.name, mention=mention))
            start = max(start, mention.end)
        if start < end:
            tokens.append(_Token(start, end, message.text[start:end]))
    return tokens


class _Reader:
    """Walks the tokens after the command word for one command's parse."""

    def __init__(
        self,
        command: str,
        message: MessageText,
        tokens: list[_Token],
        kind_aliases: Mapping[str, str],
    ) -> None:
        self.command = command
        self.message = message
        self.tokens = tokens
        self.kind_aliases = kind_aliases
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        if token is not None:
            self.position += 1
        return token

    def rest(self) -> str:
        """The remaining text as typed (newlines and spacing kept)."""
        token = self.peek()
        if token is None:
            return ""
        return self.message.text[token.start :].strip()

    def error(self, problem: str, token: _Token | None = None, **params: object) -> UsageError:
        return UsageError(self.command, problem, token=token.text if token else None, **params)

    def ticket_number(self) -> int:
        token = self.take()
        if token is None:
            raise self.error("ticket_ref_missing")
        match = _TICKET_REF.fullmatch(token.text.rstrip(_TRAILING))
        if match is None or int(match.group(1)) == 0:
            raise self.error("ticket_ref_invalid", token)
        return int(match.group(1))

    def order_id(self) -> str:
        token = self.take()
        if token is None:
            raise self.error("order_missing")
        if token.mention is not None or not _ORDER_ID.fullmatch(token.text):
            raise self.error("order_invalid", token)
        return token.text

    def user(self, token: _Token) -> UserRef | None:
        """The user a token names, or None when it is not a mention."""
        if token.mention is not None:
            return UserRef(user_id=token.mention.user_id, name=token.mention.name)
        match = _USERNAME.fullmatch(token.text)
        if match is not None:
            return UserRef(username=match.group(1))
        if token.text.startswith("@"):
            raise self.error("assignee_invalid", token)
        return None

    def kind(self, token: _Token, kinds: Collection[str]) -> str | None:
        """The kind a `#kind` (or `#<label>`, e.g. #售后处理) token names; None when the token
        is not a hashtag, or is a ticket hashtag like #T1042."""
        match = _HASHTAG.fullmatch(token.text)
        if token.mention is not None or match is None or _TICKET_REF.fullmatch(token.text):
            return None
        word = match.group(1).lower()
        name = word if word in kinds else self.kind_aliases.get(word)
        if name is None:
            raise self.error("kind_unknown", token, known=" ".join(f"#{k}" for k in kinds))
        return name

    def text(self, problem: str) -> str:
        text = self.rest()
        if not text:
            raise self.error(problem)
        return self.limited(text)

    def limited(self, text: str) -> str:
        if len(text) > MAX_TEXT:
            raise self.error("text_too_long", limit=MAX_TEXT)
        return text

    def optional_text(self) -> str | None:
        return self.limited(self.rest()) or None

    def end(self) -> None:
        extra = self.peek()
        if extra is not None:
            raise self.error("unexpected", extra)

    def replied_user(self) -> UserRef | None:
        reply = self.message.reply_to
        if reply is None or reply.sender_id is None or reply.sender_is_bot:
            return None
        return UserRef(user_id=reply.sender_id)


_Parser = Callable[[_Reader, Collection[str]], Command]


def _split_at_punctuation(text: str) -> tuple[str, str]:
    """`未协商一致，客户要退款` → (`未协商一致`, `客户要退款`)."""
    for index, char in enumerate(text):
        if char in _TRAILING:
            return text[:index], text[index + 1 :].strip()
    return text, ""


def parse_order_id(text: str) -> str:
    """An order id typed on its own (the guided dialogue asks for one)."""
    order_id = text.strip()
    if not _ORDER_ID.fullmatch(order_id):
        raise UsageError("ticket", "order_invalid", token=order_id)
    return order_id


def _period(reader: _Reader, token: _Token) -> timedelta:
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
    tokens = _tokens(message)
    if not tokens or not tokens[0].text.startswith("/"):
        raise UsageError("help", "not_a_command")
    name, _, addressee = tokens[0].text[1:].partition("@")
    name = name.lower()
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        raise UsageError("help", "other_bot", token=tokens[0].text)
    spec = COMMANDS.get(name)
    if spec is None:
        raise UsageError("help", "unknown_command", token=tokens[0].text)
    reader = _Reader(name, message, tokens[1:], kind_aliases or {})
    return spec.parser(reader, kinds)


def _ticket(reader: _Reader, kinds: Collection[str]) -> Command:
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


def _show(reader: _Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    reader.end()
    return ShowTicket(number)


def _note(reader: _Reader, kinds: Collection[str]) -> Command:
    return AddNote(reader.ticket_number(), reader.text("text_missing"))


def _transfer(reader: _Reader, kinds: Collection[str]) -> Command:
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


def _outcome(reader: _Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    token = reader.take()
    if token is None:
        raise reader.error("outcome_missing")
    # `未协商一致，客户要退款`: the outcome word may run into the note after punctuation.
    word, glued = _split_at_punctuation(token.text)
    outcome = _OUTCOME_WORDS.get(word.lower())
    if outcome is None:
        raise reader.error("outcome_invalid", token)
    note = " ".join(part for part in (glued, reader.rest()) if part)
    return RecordOutcome(number, outcome, reader.limited(note) or None)


def _evidence(reader: _Reader, kinds: Collection[str]) -> Command:
    return CollectEvidence(reader.ticket_number(), reader.optional_text())


def _cancel(reader: _Reader, kinds: Collection[str]) -> Command:
    return Cancel(reader.ticket_number(), reader.text("reason_missing"))


def _verdict(reader: _Reader, kinds: Collection[str]) -> Command:
    return Verdict(reader.ticket_number(), reader.text("text_missing"))


def _appeal(reader: _Reader, kinds: Collection[str]) -> Command:
    return Appeal(reader.ticket_number(), reader.text("reason_missing"))


def _reopen(reader: _Reader, kinds: Collection[str]) -> Command:
    return Reopen(reader.ticket_number(), reader.optional_text())


def _hold(reader: _Reader, kinds: Collection[str]) -> Command:
    return Hold(reader.ticket_number(), reader.text("reason_missing"))


def _resume(reader: _Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    reader.end()
    return Resume(number)


def _extend(reader: _Reader, kinds: Collection[str]) -> Command:
    number = reader.ticket_number()
    token = reader.take()
    if token is None:
        raise reader.error("duration_missing")
    return Extend(number, _period(reader, token), reader.text("reason_missing"))


def _remind(reader: _Reader, kinds: Collection[str]) -> Command:
    return Remind(reader.ticket_number(), reader.optional_text())


def _no_arguments(command: Command) -> _Parser:
    def parse(reader: _Reader, kinds: Collection[str]) -> Command:
        reader.end()
        return command

    return parse


def _pending(reader: _Reader, kinds: Collection[str]) -> Command:
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


def _order(reader: _Reader, kinds: Collection[str]) -> Command:
    order_id = reader.order_id()
    reader.end()
    return ByOrder(order_id)


def _stats(reader: _Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    reader.end()
    return Stats(_period(reader, token) if token else None)


def _export(reader: _Reader, kinds: Collection[str]) -> Command:
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


def _lang(reader: _Reader, kinds: Collection[str]) -> Command:
    token = reader.take()
    if token is None:
        raise reader.error("language_missing")
    reader.end()
    language = _LANGUAGE_WORDS.get(token.text.lower())
    if language is None:
        raise reader.error("language_invalid", token)
    return SetLanguage(language)


def _start(reader: _Reader, kinds: Collection[str]) -> Command:
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
