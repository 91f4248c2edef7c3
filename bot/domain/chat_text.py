"""What the chat grammar reads: a message's text, mentions and reply, cut into tokens, and the
reader that walks them for one command's parse (bot/domain/commands.py holds the grammar)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

from bot.domain.errors import UsageError

#: Longest description or note we accept, so that a ticket card stays one Telegram message.
MAX_TEXT: Final = 1500
#: Punctuation people put right after a ticket number or an outcome word.
_TRAILING: Final = ",，。.、;；:：!！?？"
_TICKET_REF: Final = re.compile(r"#?[Tt]?(\d{1,9})")
_ORDER_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{2,63}")
_USERNAME: Final = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_HASHTAG: Final = re.compile(r"#(\w+)")

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


# --- a user named in a command ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user named in a command: by @username or by a mention/reply carrying the id."""

    username: str | None = None
    user_id: int | None = None
    name: str | None = None


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    mention: TextMention | None = None


def tokens(message: MessageText) -> list[Token]:
    """Whitespace-separated tokens, except that a text mention (a name with spaces) is one
    token, and text glued to it (Chinese needs no space: `Bo Wang，他熟悉`) is another."""
    spans = sorted(message.text_mentions, key=lambda m: m.start)
    tokens: list[Token] = []
    for match in re.finditer(r"\S+", message.text):
        start, end = match.span()
        for mention in (m for m in spans if m.start < end and start < m.end):
            if start < mention.start:
                tokens.append(Token(start, mention.start, message.text[start : mention.start]))
            if not tokens or tokens[-1].mention is not mention:
                tokens.append(Token(mention.start, mention.end, mention.name, mention=mention))
            start = max(start, mention.end)
        if start < end:
            tokens.append(Token(start, end, message.text[start:end]))
    return tokens


class Reader:
    """Walks the tokens after the command word for one command's parse."""

    def __init__(
        self,
        command: str,
        message: MessageText,
        tokens: list[Token],
        kind_aliases: Mapping[str, str],
    ) -> None:
        self.command = command
        self.message = message
        self.tokens = tokens
        self.kind_aliases = kind_aliases
        self.position = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token | None:
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

    def error(self, problem: str, token: Token | None = None, **params: object) -> UsageError:
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

    def user(self, token: Token) -> UserRef | None:
        """The user a token names, or None when it is not a mention."""
        if token.mention is not None:
            return UserRef(user_id=token.mention.user_id, name=token.mention.name)
        match = _USERNAME.fullmatch(token.text)
        if match is not None:
            return UserRef(username=match.group(1))
        if token.text.startswith("@"):
            raise self.error("assignee_invalid", token)
        return None

    def kind(self, token: Token, kinds: Collection[str]) -> str | None:
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


def split_at_punctuation(text: str) -> tuple[str, str]:
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
