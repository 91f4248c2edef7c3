"""Button payloads: compact `verb:arg:arg` strings (≤ 64 bytes) that carry ids, never rights.

Each verb has one payload type; `encode` writes a payload and `decode` reads it back, refusing
anything we could not have written (unknown verbs, wrong arity, ids out of range).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

#: Telegram's limit on callback_data.
MAX_BYTES: Final = 64
#: Ids are 64-bit in Telegram and in the database; a longer number is forged.
_MAX_ID: Final = 2**63 - 1


class Verb(StrEnum):
    ACKNOWLEDGE = "ack"
    AGREE = "agr"
    DISAGREE = "dis"
    DONE = "done"
    EVIDENCE = "evi"
    FINISH = "fin"
    NOTE = "note"
    TRANSFER = "xfer"
    TRANSFER_TO = "xto"
    CANCEL_CONFIRM = "ccf"
    CANCEL_ABORT = "cab"
    APPROVE_CANCEL = "cap"
    REJECT_CANCEL = "crj"
    SHOW = "show"
    NEW_KIND = "nk"
    NEW_ASSIGNEE = "na"
    NEW_CREATE = "nc"
    NEW_ABORT = "nx"
    DUPLICATE_CONFIRM = "dup"
    TEAM = "team"
    TAKE_EVIDENCE = "take"
    PLATFORM_OPTION = "popt"
    LIST_PAGE = "lp"
    OPEN = "open"
    EVIDENCE_FILE = "ef"
    EVIDENCE_ALL = "ea"
    CLAIM = "clm"
    EXTEND = "ext"


@dataclass(frozen=True, slots=True)
class OnTicket:
    """A press about one ticket, bound to the ticket's stamp when it was drawn (if given)."""

    ticket_id: int
    stamp: int | None = None


@dataclass(frozen=True, slots=True)
class TransferTo:
    ticket_id: int
    user_id: int
    stamp: int


@dataclass(frozen=True, slots=True)
class OptionChoice:
    """One of a platform's reply options (by its place on the card), bound to the stamp."""

    ticket_id: int
    index: int
    stamp: int


@dataclass(frozen=True, slots=True)
class KindChoice:
    kind: str


@dataclass(frozen=True, slots=True)
class PersonChoice:
    """An assignee offered in the guided dialogue (0: nobody yet, -1: type a name)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class TeamChoice:
    team_id: int


@dataclass(frozen=True, slots=True)
class NoArguments:
    pass


@dataclass(frozen=True, slots=True)
class ListPage:
    """A page of a chat list: which list (`m`ine, `c`reated, `p`ending, `o`rder), its
    argument, the page's number, and the keyset cursor it continues from (`after`) or
    precedes (`back`)."""

    list: str
    back: bool
    page: int
    cursor: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class FileChoice:
    ticket_id: int
    evidence_id: int


@dataclass(frozen=True, slots=True)
class ExtendBy:
    ticket_id: int
    hours: int


Payload = (
    OnTicket
    | TransferTo
    | OptionChoice
    | KindChoice
    | PersonChoice
    | TeamChoice
    | NoArguments
    | ListPage
    | FileChoice
    | ExtendBy
)


@dataclass(frozen=True, slots=True)
class Press:
    verb: Verb
    payload: Payload


class BadCallback(ValueError):
    """Callback data we did not make (forged, from an older version, or truncated)."""


def _id(text: str) -> int:
    value = int(text)
    if not 0 < value <= _MAX_ID:
        raise ValueError(text)
    return value


def _small(text: str) -> int:
    value = int(text)
    if not -1 <= value <= _MAX_ID:
        raise ValueError(text)
    return value


def _on_ticket(args: list[str]) -> Payload:
    (ticket_id,) = args
    return OnTicket(_id(ticket_id))


def _stamped(args: list[str]) -> Payload:
    """A press that changes the ticket, bound to what the button was drawn for."""
    ticket_id, stamp = args
    return OnTicket(_id(ticket_id), _small(stamp))


def _maybe_stamped(args: list[str]) -> Payload:
    """Like `_stamped`; buttons drawn before stamps existed carry the ticket id alone."""
    return _on_ticket(args) if len(args) == 1 else _stamped(args)


def _transfer_to(args: list[str]) -> Payload:
    ticket_id, user_id, stamp = args
    return TransferTo(_id(ticket_id), _id(user_id), _small(stamp))


def _option(args: list[str]) -> Payload:
    ticket_id, index, stamp = args
    return OptionChoice(_id(ticket_id), _small(index), _small(stamp))


def _kind(args: list[str]) -> Payload:
    (kind,) = args
    if not kind.replace("_", "").isalnum() or not kind.isascii():
        raise ValueError(kind)
    return KindChoice(kind)


def _person(args: list[str]) -> Payload:
    (user_id,) = args
    return PersonChoice(_small(user_id))


def _team(args: list[str]) -> Payload:
    (team_id,) = args
    return TeamChoice(_id(team_id))


def _list_page(args: list[str]) -> Payload:
    which, page, cursor, *rest = args
    if len(which) != 2 or which[0] not in "mcpo" or which[1] not in "np" or len(rest) > 1:
        raise ValueError(which)
    micros, _, ticket_id = cursor.partition(".")
    if not micros.isdigit() or not ticket_id.isdigit():
        raise ValueError(cursor)
    return ListPage(which[0], which[1] == "p", _id(page), cursor, rest[0] if rest else "")


def _file(args: list[str]) -> Payload:
    ticket_id, evidence_id = args
    return FileChoice(_id(ticket_id), _id(evidence_id))


def _extend_by(args: list[str]) -> Payload:
    ticket_id, hours = args
    value = _id(hours)
    if value > 24 * 30:
        raise ValueError(hours)
    return ExtendBy(_id(ticket_id), value)


def _nothing(args: list[str]) -> Payload:
    if args:
        raise ValueError(args)
    return NoArguments()


#: Each verb's payload, read from its arguments.
_READERS: Final[Mapping[Verb, Callable[[list[str]], Payload]]] = {
    Verb.ACKNOWLEDGE: _on_ticket,
    Verb.AGREE: _stamped,
    Verb.DISAGREE: _stamped,
    Verb.DONE: _stamped,
    Verb.EVIDENCE: _on_ticket,
    Verb.FINISH: _on_ticket,
    Verb.NOTE: _on_ticket,
    Verb.TRANSFER: _on_ticket,
    Verb.TRANSFER_TO: _transfer_to,
    Verb.CANCEL_CONFIRM: _stamped,
    Verb.CANCEL_ABORT: _on_ticket,
    Verb.APPROVE_CANCEL: _maybe_stamped,
    Verb.REJECT_CANCEL: _maybe_stamped,
    Verb.SHOW: _on_ticket,
    Verb.NEW_KIND: _kind,
    Verb.NEW_ASSIGNEE: _person,
    Verb.NEW_CREATE: _nothing,
    Verb.NEW_ABORT: _nothing,
    Verb.DUPLICATE_CONFIRM: _nothing,
    Verb.TEAM: _team,
    Verb.TAKE_EVIDENCE: _on_ticket,
    Verb.PLATFORM_OPTION: _option,
    Verb.LIST_PAGE: _list_page,
    Verb.OPEN: _on_ticket,
    Verb.EVIDENCE_FILE: _file,
    Verb.EVIDENCE_ALL: _on_ticket,
    Verb.CLAIM: _on_ticket,
    Verb.EXTEND: _extend_by,
}


def encode(verb: Verb, *args: object) -> str:
    data = ":".join([verb.value, *(str(arg) for arg in args if arg is not None)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Press:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback(data)
    verb, *args = data.split(":")
    if any(not arg or len(arg) > 32 for arg in args):
        raise BadCallback(data)
    try:
        parsed = Verb(verb)
        return Press(parsed, _READERS[parsed](args))
    except ValueError:
        raise BadCallback(data) from None
