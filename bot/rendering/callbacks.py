"""Button payloads: compact `verb:arg:arg` strings (≤ 64 bytes) that carry ids, never rights."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

#: Telegram's limit on callback_data.
MAX_BYTES: Final = 64


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


@dataclass(frozen=True, slots=True)
class Callback:
    verb: Verb
    args: tuple[str, ...] = ()

    def int_arg(self, index: int) -> int:
        return int(self.args[index])


class BadCallback(ValueError):
    """Callback data we did not make (forged, from an older version, or truncated)."""


def encode(verb: Verb, *args: object) -> str:
    data = ":".join([verb.value, *(str(arg) for arg in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback(data)
    verb, *args = data.split(":")
    try:
        parsed = Callback(Verb(verb), tuple(args))
    except ValueError:
        raise BadCallback(data) from None
    if any(not arg or len(arg) > 32 for arg in args):
        raise BadCallback(data)
    return parsed
