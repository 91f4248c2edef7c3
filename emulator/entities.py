"""Telegram text formatting: HTML/Markdown parsing, auto-detected entities, UTF-16 offsets.

The parsers follow tdlib's (the library behind the Bot API server) byte-level algorithms so that
error texts and byte offsets match what Telegram answers. Internally offsets are counted in code
points; `to_api_entities` converts them to the UTF-16 code units the Bot API uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from emulator.errors import ApiError, bad_request

# tdlib's sort priority for entities sharing offset and length (outer entity first).
_TYPE_PRIORITY = MappingProxyType(
    {
        "mention": 50,
        "hashtag": 50,
        "bot_command": 50,
        "url": 50,
        "email": 50,
        "bold": 90,
        "italic": 91,
        "code": 20,
        "pre": 11,
        "text_link": 49,
        "text_mention": 49,
        "cashtag": 50,
        "phone_number": 50,
        "underline": 92,
        "strikethrough": 93,
        "blockquote": 0,
        "expandable_blockquote": 0,
        "spoiler": 94,
        "custom_emoji": 99,
    }
)
SPLITTABLE = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
KNOWN_TYPES = frozenset(_TYPE_PRIORITY)
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
# Short usernames tdlib still highlights as mentions although usernames need 4+ characters.
_SHORT_MENTIONS = frozenset({"gif", "wiki", "vid", "bing", "pic", "bold", "imdb", "coub", "like"})

UserLookup = Callable[[int], dict[str, Any] | None]


@dataclass
class Entity:
    """One entity with offsets in code points (converted to UTF-16 only at the API boundary)."""

    type: str
    offset: int
    length: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.offset + self.length


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Bot API entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _sort_key(entity: Entity) -> tuple[int, int, int]:
    return (entity.offset, -entity.length, _TYPE_PRIORITY.get(entity.type, 50))


def sort_entities(entities: list[Entity]) -> None:
    entities.sort(key=_sort_key)


def to_api_entities(text: str, entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """Convert code-point entities to Bot API MessageEntity dicts with UTF-16 offsets."""
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = prefix[entity.offset]
        end = prefix[entity.end]
        item: dict[str, Any] = {"offset": start, "length": end - start, "type": entity.type}
        item.update(entity.extra)
        result.append(item)
    return result


def from_api_entities(text: str, raw: Sequence[Any]) -> list[Entity]:
    """Validate Bot API MessageEntity dicts (UTF-16 offsets) and convert them to code points."""
    total = utf16_len(text)
    index_of: dict[int, int] = {}
    position = 0
    for index, char in enumerate(text):
        index_of[position] = index
        position += 2 if ord(char) > 0xFFFF else 1
    index_of[position] = len(text)
    result: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse entities JSON object")
        kind = item.get("type")
        offset = item.get("offset")
        length = item.get("length")
        if kind not in KNOWN_TYPES or not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request("can't parse MessageEntity: unsupported or malformed entity")
        if offset < 0 or length < 0:
            raise bad_request(f"Receive an entity with incorrect offset {offset}")
        if length == 0:
            continue
        if offset >= total:
            raise bad_request(f"entity begins after the end of the text at UTF-16 offset {offset}")
        end = min(offset + length, total)
        if offset not in index_of or end not in index_of:
            raise bad_request("entity begins or ends in a middle of a UTF-16 symbol")
        extra: dict[str, Any] = {}
        if kind == "text_link":
            url = check_link(str(item.get("url", "")))
            if not url:
                raise bad_request("can't parse entities: wrong URL in a text_link entity")
            extra["url"] = url
        elif kind == "text_mention":
            user = item.get("user")
            if not isinstance(user, dict) or not isinstance(user.get("id"), int):
                raise bad_request("can't find the user of a text_mention entity")
            extra["user"] = user
        elif kind == "pre" and item.get("language"):
            extra["language"] = str(item["language"])
        elif kind == "custom_emoji":
            extra["custom_emoji_id"] = str(item.get("custom_emoji_id", ""))
        start_index = index_of[offset]
        result.append(Entity(kind, start_index, index_of[end] - start_index, extra))
    sort_entities(result)
    return result


def check_link(url: str) -> str:
    """tdlib's link check, simplified: returns the normalized URL or "" when it is unusable."""
    url = url.strip()
    if not url or any(char.isspace() for char in url):
        return ""
    lowered = url.lower()
    if lowered.startswith(("tg:", "ton:")):
        return url
    if "://" not in url:
        return "http://" + url
    scheme = lowered.split("://", 1)[0]
    if scheme not in {"http", "https", "ftp", "tonsite"}:
        return ""
    return url


def _user_id_from_link(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


# --- byte-level helpers shared by the ports of tdlib's parsers ---------------------------------


def _is_space(byte: int) -> bool:
    # tdlib counts the terminating NUL as a space; `_at` returns 0 past the end for the same reason.
    return byte in (0x20, 0x09, 0x0D, 0x0A, 0x00, 0x0B, 0x0C)


def _is_first_unit(byte: int) -> bool:
    return (byte & 0xC0) != 0x80


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def at(self, index: int) -> int:
        return self.data[index] if 0 <= index < self.size else 0


def _decode_html_entity(buf: _Bytes, pos: int) -> tuple[int, int]:
    """Return (code point or 0, position after the entity)."""
    end = pos + 1
    code = 0
    if buf.at(pos + 1) == ord("#"):
        end += 1
        if buf.at(pos + 2) == ord("x"):
            end += 1
            while chr(buf.at(end)) in "0123456789abcdefABCDEF" and buf.at(end) != 0:
                code = code * 16 + int(chr(buf.at(end)), 16)
                end += 1
        else:
            while ord("0") <= buf.at(end) <= ord("9"):
                code = code * 10 + buf.at(end) - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(buf.at(end)).isascii() and chr(buf.at(end)).isalpha():
            end += 1
        name = buf.data[pos + 1 : end]
        named = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
        if name not in named:
            return 0, pos
        code = ord(named[name])
    if buf.at(end) == ord(";"):
        return code, end + 1
    return code, end


def _append_code_point(out: bytearray, code: int) -> None:
    out += chr(code).encode("utf-8", "surrogatepass")


def _finish(out: bytearray, entities: list[Entity]) -> tuple[str, list[Entity]]:
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Text contains invalid Unicode characters after "
            "decoding HTML entities, check for unmatched surrogate code units",
        ) from exc
    sort_entities(entities)
    return text, entities


def _entity_error(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {message}")


def parse_html(source: str, users: UserLookup) -> tuple[str, list[Entity]]:
    """Port of tdlib's parse_html: returns plain text and entities (code-point offsets)."""
    buf = _Bytes(source.encode("utf-8"))
    out = bytearray()
    entities: list[Entity] = []
    offset = 0  # in code points of `out`
    # (tag name, argument, entity offset, byte position in `out`)
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < buf.size:
        c = buf.data[i]
        if c == ord("&"):
            code, after = _decode_html_entity(buf, i)
            if code != 0:
                _append_code_point(out, code)
                offset += 1
                i = after
                continue
        if c != ord("<"):
            if _is_first_unit(c):
                offset += 1
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if buf.at(i) != ord("/"):
            while not _is_space(buf.at(i)) and buf.at(i) != ord(">"):
                i += 1
            if buf.at(i) == 0:
                raise _entity_error(f"Unclosed start tag at byte offset {begin}")
            tag = buf.data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            expandable = False
            while buf.at(i) != ord(">"):
                while buf.at(i) != 0 and _is_space(buf.at(i)):
                    i += 1
                if buf.at(i) == ord(">"):
                    break
                attr_begin = i
                while not _is_space(buf.at(i)) and buf.at(i) != ord("=") and buf.at(i) != ord(">"):
                    i += 1
                attr_name = buf.data[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise _entity_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while buf.at(i) != 0 and _is_space(buf.at(i)):
                    i += 1
                if buf.at(i) != ord("="):
                    if tag == "blockquote" and attr_name.lower() == "expandable":
                        # Newer servers accept the value-less `expandable` attribute.
                        expandable = True
                        if buf.at(i) == 0:
                            raise _entity_error(f"Unclosed start tag at byte offset {begin}")
                        continue
                    raise _entity_error(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while buf.at(i) != 0 and _is_space(buf.at(i)):
                    i += 1
                if buf.at(i) == 0:
                    raise _entity_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value_bytes = bytearray()
                if buf.at(i) not in (ord("'"), ord('"')):
                    token_begin = i
                    while (chr(buf.at(i)).isalnum() and buf.at(i) < 128) or buf.at(i) in b".-":
                        if buf.at(i) == 0:
                            break
                        i += 1
                    value_bytes += buf.data[token_begin:i].lower()
                    if not _is_space(buf.at(i)) and buf.at(i) != ord(">"):
                        raise _entity_error(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = buf.at(i)
                    i += 1
                    while buf.at(i) != quote and buf.at(i) != 0:
                        if buf.at(i) == ord("&"):
                            code, after = _decode_html_entity(buf, i)
                            if code != 0:
                                _append_code_point(value_bytes, code)
                                i = after
                                continue
                        value_bytes.append(buf.at(i))
                        i += 1
                    if buf.at(i) == quote:
                        i += 1
                if buf.at(i) == 0:
                    raise _entity_error(f"Unclosed start tag at byte offset {begin}")
                value = value_bytes.decode("utf-8", "replace")
                name = attr_name.lower()
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise _entity_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            if tag == "blockquote" and expandable:
                argument = "expandable"
            stack.append((tag, argument, offset, len(out)))
            i += 1
            continue
        # An end tag.
        if not stack:
            raise _entity_error(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(buf.at(i)) and buf.at(i) != ord(">"):
            i += 1
        end_tag = buf.data[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(buf.at(i)) and buf.at(i) != 0:
            i += 1
        if buf.at(i) != ord(">"):
            raise _entity_error(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start, out_pos = stack[-1]
        if end_tag and end_tag != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        if offset > start:
            _close_html_entity(entities, tag, argument, start, offset - start, out, out_pos, users)
        stack.pop()
        i += 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity.type == "code":
            entity.extra.pop("language", None)
    return _finish(out, entities)


def _close_html_entity(
    entities: list[Entity],
    tag: str,
    argument: str,
    start: int,
    length: int,
    out: bytearray,
    out_pos: int,
    users: UserLookup,
) -> None:
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append(Entity(simple[tag], start, length))
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise ApiError(400, "Bad Request: Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", start, length, {"custom_emoji_id": argument}))
    elif tag == "a":
        url = argument or out[out_pos:].decode("utf-8", "replace")
        user_id = _user_id_from_link(url)
        if user_id is not None:
            user = users(user_id)
            if user is not None:
                entities.append(Entity("text_mention", start, length, {"user": user}))
        else:
            checked = check_link(url)
            if checked:
                entities.append(Entity("text_link", start, length, {"url": checked}))
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "code"
            and (last.offset, last.length) == (start, length)
            and last.extra.get("language")
        ):
            last.type = "pre"
        else:
            entities.append(Entity("pre", start, length))
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "pre"
            and (last.offset, last.length) == (start, length)
            and argument
        ):
            last.extra["language"] = argument
        else:
            extra = {"language": argument} if argument else {}
            entities.append(Entity("code", start, length, extra))
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        entities.append(Entity(kind, start, length))


def parse_markdown(source: str, users: UserLookup) -> tuple[str, list[Entity]]:
    """Port of tdlib's legacy Markdown parser (parse_mode "Markdown")."""
    buf = _Bytes(source.encode("utf-8"))
    out = bytearray()
    entities: list[Entity] = []
    offset = 0
    i = 0
    while i < buf.size:
        c = buf.data[i]
        if c == ord("\\") and buf.at(i + 1) in b"_*`[":
            i += 1
            out.append(buf.data[i])
            offset += 1
            i += 1
            continue
        if c not in b"_*`[":
            if _is_first_unit(c):
                offset += 1
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        is_pre = False
        language = ""
        i += 1
        if c == ord("`") and buf.at(i) == ord("`") and buf.at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(buf.at(language_end)) and buf.at(language_end) != ord("`"):
                language_end += 1
            if i != language_end and language_end < buf.size and buf.at(language_end) != ord("`"):
                language = buf.data[i:language_end].decode("utf-8", "replace")
                i = language_end
            if buf.at(i) in b"\r\n" and buf.at(i) != 0:
                if buf.at(i + 1) in b"\r\n" and buf.at(i + 1) != 0 and buf.at(i) != buf.at(i + 1):
                    i += 2
                else:
                    i += 1
        start = offset
        out_start = len(out)
        while i < buf.size and (
            buf.at(i) != end_char
            or (is_pre and not (buf.at(i + 1) == ord("`") and buf.at(i + 2) == ord("`")))
        ):
            if _is_first_unit(buf.at(i)):
                offset += 1
            out.append(buf.at(i))
            i += 1
        if i == buf.size:
            raise _entity_error(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != start:
            length = offset - start
            if c == ord("_"):
                entities.append(Entity("italic", start, length))
            elif c == ord("*"):
                entities.append(Entity("bold", start, length))
            elif c == ord("["):
                if buf.at(i + 1) != ord("("):
                    url = out[out_start:].decode("utf-8", "replace")
                else:
                    i += 2
                    url_bytes = bytearray()
                    while i < buf.size and buf.at(i) != ord(")"):
                        url_bytes.append(buf.at(i))
                        i += 1
                    url = url_bytes.decode("utf-8", "replace")
                _add_link(entities, url, start, length, users)
            elif is_pre:
                extra = {"language": language} if language else {}
                entities.append(Entity("pre", start, length, extra))
            else:
                entities.append(Entity("code", start, length))
        if is_pre:
            i += 2
        i += 1
    return _finish(out, entities)


def _add_link(entities: list[Entity], url: str, start: int, length: int, users: UserLookup) -> None:
    user_id = _user_id_from_link(url)
    if user_id is not None:
        user = users(user_id)
        if user is not None:
            entities.append(Entity("text_mention", start, length, {"user": user}))
        return
    checked = check_link(url)
    if checked:
        entities.append(Entity("text_link", start, length, {"url": checked}))


_V2_NAMES = MappingProxyType(
    {
        "bold": "Bold",
        "italic": "Italic",
        "underline": "Underline",
        "strikethrough": "Strikethrough",
        "spoiler": "Spoiler",
        "text_link": "TextUrl",
        "custom_emoji": "CustomEmoji",
        "code": "Code",
        "pre": "Pre",
        "pre_code": "PreCode",
        "blockquote": "BlockQuote",
    }
)


def parse_markdown_v2(source: str, users: UserLookup) -> tuple[str, list[Entity]]:
    """Port of tdlib's parse_markdown_v2 (parse_mode "MarkdownV2")."""
    buf = _Bytes(source.encode("utf-8"))
    out = bytearray()
    entities: list[Entity] = []
    offset = 0
    # (kind, argument, entity offset, byte offset in source, byte position in `out`)
    stack: list[tuple[str, str, int, int, int]] = []
    have_blockquote = False
    i = 0

    def reserved(char: int) -> ApiError:
        return _entity_error(
            f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'"
        )

    while i < buf.size:
        c = buf.data[i]
        if c == ord("\\") and 0 < buf.at(i + 1) <= 126:
            i += 1
            offset += 1
            out.append(buf.data[i])
            i += 1
            continue
        reserved_chars = b"_*[]()~`>#+-=|{}.!\n"
        if stack and stack[-1][0] in ("code", "pre", "pre_code"):
            reserved_chars = b"`"
        if c not in reserved_chars:
            if _is_first_unit(c):
                offset += 1
            out.append(c)
            i += 1
            continue
        is_end = False
        if stack:
            top = stack[-1][0]
            if have_blockquote and c == ord("\n") and (i + 1 == buf.size or buf.at(i + 1) != 62):
                is_end = True
            elif top == "bold":
                is_end = c == ord("*")
            elif top == "italic":
                is_end = c == ord("_") and buf.at(i + 1) != ord("_")
            elif top == "code":
                is_end = c == ord("`")
            elif top in ("pre", "pre_code"):
                is_end = c == ord("`") and buf.at(i + 1) == ord("`") and buf.at(i + 2) == ord("`")
            elif top in ("text_link", "custom_emoji"):
                is_end = c == ord("]")
            elif top == "underline":
                is_end = c == ord("_") and buf.at(i + 1) == ord("_")
            elif top == "strikethrough":
                is_end = c == ord("~")
            elif top == "spoiler":
                is_end = c == ord("|") and buf.at(i + 1) == ord("|")
        if not is_end:
            kind = ""
            argument = ""
            byte_offset = i
            if c == ord("_"):
                if buf.at(i + 1) == ord("_"):
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == ord("*"):
                kind = "bold"
            elif c == ord("~"):
                kind = "strikethrough"
            elif c == ord("|"):
                if buf.at(i + 1) != ord("|"):
                    raise reserved(c)
                i += 1
                kind = "spoiler"
            elif c == ord("["):
                kind = "text_link"
            elif c == ord("`"):
                if buf.at(i + 1) == ord("`") and buf.at(i + 2) == ord("`"):
                    i += 3
                    kind = "pre"
                    language_end = i
                    while not _is_space(buf.at(language_end)) and buf.at(language_end) != 96:
                        language_end += 1
                    if i != language_end and language_end < buf.size and buf.at(language_end) != 96:
                        kind = "pre_code"
                        argument = buf.data[i:language_end].decode("utf-8", "replace")
                        i = language_end
                    if buf.at(i) in b"\r\n" and buf.at(i) != 0:
                        nxt = buf.at(i + 1)
                        if nxt in b"\r\n" and nxt != 0 and buf.at(i) != nxt:
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == ord("!"):
                if buf.at(i + 1) != ord("["):
                    raise reserved(c)
                i += 1
                kind = "custom_emoji"
            elif c == ord("\n"):
                offset += 1
                out.append(c)
                if i + 1 < buf.size and buf.at(i + 1) == ord(">"):
                    i += 1
                    if not have_blockquote:
                        kind = "blockquote"
                        have_blockquote = True
                if not kind:
                    i += 1
                    continue
            elif c == ord(">"):
                if i != 0:
                    raise reserved(c)
                kind = "blockquote"
                have_blockquote = True
            else:
                raise reserved(c)
            stack.append((kind, argument, offset, byte_offset, len(out)))
            i += 1
            continue
        kind, argument, start, byte_offset, out_pos = stack[-1]
        if c == ord("\n") and kind != "blockquote":
            raise _entity_error(
                f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {byte_offset}"
            )
        skip = offset == start
        extra: dict[str, Any] = {}
        final_kind = kind
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
            final_kind = "pre"
            if argument:
                extra["language"] = argument
        elif kind == "text_link":
            if buf.at(i + 1) != ord("("):
                url = out[out_pos:].decode("utf-8", "replace")
            else:
                i += 2
                url_begin = i
                url_bytes = bytearray()
                while i < buf.size and buf.at(i) != ord(")"):
                    if buf.at(i) == ord("\\") and 0 < buf.at(i + 1) <= 126:
                        url_bytes.append(buf.at(i + 1))
                        i += 2
                        continue
                    url_bytes.append(buf.at(i))
                    i += 1
                if buf.at(i) != ord(")"):
                    raise _entity_error(f"Can't find end of a URL at byte offset {url_begin}")
                url = url_bytes.decode("utf-8", "replace")
            if not skip:
                _add_link(entities, url, start, offset - start, users)
            skip = True
        elif kind == "custom_emoji":
            if buf.at(i + 1) != ord("("):
                raise _entity_error("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            url_bytes = bytearray()
            while i < buf.size and buf.at(i) != ord(")"):
                url_bytes.append(buf.at(i))
                i += 1
            if buf.at(i) != ord(")"):
                raise _entity_error(
                    f"Can't find end of a custom emoji URL at byte offset {url_begin}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", url_bytes.decode("utf-8", "replace"))
            if match is None:
                raise ApiError(400, "Bad Request: Invalid custom emoji identifier specified")
            extra["custom_emoji_id"] = match.group(1)
        elif kind == "blockquote":
            have_blockquote = False
            out.append(c)
            offset += 1
        if not skip:
            entities.append(Entity(final_kind, start, offset - start, extra))
        stack.pop()
        i += 1
    if have_blockquote and stack and stack[-1][0] == "blockquote":
        start = stack[-1][2]
        if offset != start:
            entities.append(Entity("blockquote", start, offset - start))
        stack.pop()
    if stack:
        kind, _, _, byte_offset, _ = stack[-1]
        raise _entity_error(
            f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {byte_offset}"
        )
    return _finish(out, entities)


# --- auto-detected entities ----------------------------------------------------------------------

_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?![\w])")
_HASHTAG = re.compile(r"(?<![\w\u200c\u00b7])#([\w\u200c\u00b7]+)")
_CASHTAG = re.compile(r"(?<![\w$])\$(?:1INCH|[A-Z]{1,8})(?![\w$])")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_TLDS = "com|org|net|io|me|ru|cn|dev|app|co|info|biz|edu|gov|uk|de|jp|fr|ly|tv|xyz|ai"
_URL = re.compile(
    r"(?<![\w@/.-])(?:(?:https?|ftp|tg|ton)://[^\s<>\"]+|"
    rf"(?:www\.)?(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?![\w-])(?::\d+)?(?:/[^\s<>\"]*)?)",
    flags=re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\""


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


def find_auto_entities(text: str) -> list[Entity]:
    """Entities the server adds by itself: commands, mentions, hashtags, cashtags, URLs, emails."""
    found: list[Entity] = []
    for match in _BOT_COMMAND.finditer(text):
        found.append(Entity("bot_command", match.start(), match.end() - match.start()))
    for match in _MENTION.finditer(text):
        name = match.group(0)[1:]
        if len(name) >= 4 or name.lower() in _SHORT_MENTIONS:
            found.append(Entity("mention", match.start(), match.end() - match.start()))
    for match in _HASHTAG.finditer(text):
        body = match.group(1)
        if match.end() < len(text) and text[match.end()] == "#":
            continue
        if not _has_letter(body[:256]):
            continue
        found.append(Entity("hashtag", match.start(), 1 + min(len(body), 256)))
    for match in _CASHTAG.finditer(text):
        found.append(Entity("cashtag", match.start(), match.end() - match.start()))
    for match in _EMAIL.finditer(text):
        found.append(Entity("email", match.start(), match.end() - match.start()))
    for match in _URL.finditer(text):
        value = match.group(0)
        while value and value[-1] in _URL_TRAILING:
            # A closing bracket stays when the URL itself opened one.
            if value[-1] == ")" and value.count("(") >= value.count(")"):
                break
            value = value[:-1]
        if value:
            found.append(Entity("url", match.start(), len(value)))
    # Earlier kinds win overlaps (an email hides the domain inside it, a command its @bot part).
    priority = {"email": 0, "url": 1, "bot_command": 2, "mention": 3, "hashtag": 4, "cashtag": 5}
    found.sort(key=lambda entity: (priority[entity.type], entity.offset))
    kept: list[Entity] = []
    for entity in found:
        if all(entity.end <= other.offset or entity.offset >= other.end for other in kept):
            kept.append(entity)
    sort_entities(kept)
    return kept


def merge_auto_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Add auto-detected entities that do not cross a code/pre/link/mention entity."""
    blocking = [e for e in entities if e.type not in SPLITTABLE and "blockquote" not in e.type]
    merged = list(entities)
    for candidate in find_auto_entities(text):
        if all(
            candidate.end <= other.offset or candidate.offset >= other.end for other in blocking
        ):
            merged.append(candidate)
    sort_entities(merged)
    return merged


def clean_and_trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """tdlib's fix_formatted_text: control characters to spaces, drop \\r, trim spaces/newlines.

    Entities are clamped to the kept text; those left empty (or holding only whitespace) vanish.
    """
    kept_chars: list[str] = []
    new_index: list[int] = []  # old code-point index -> new index
    for char in text:
        new_index.append(len(kept_chars))
        if char == "\r":
            continue
        if char != "\n" and ord(char) <= 32:
            kept_chars.append(" ")
            continue
        kept_chars.append(char)
    new_index.append(len(kept_chars))
    cleaned = "".join(kept_chars)
    moved = [
        Entity(e.type, new_index[e.offset], new_index[e.end] - new_index[e.offset], e.extra)
        for e in entities
    ]
    left = len(cleaned) - len(cleaned.lstrip(" \n"))
    right = len(cleaned.rstrip(" \n"))
    trimmed = cleaned[left:right] if right > left else ""
    result: list[Entity] = []
    for entity in moved:
        start = max(entity.offset, left) - left
        end = min(entity.end, right) - left
        if end <= start:
            continue
        if not trimmed[start:end].strip(" \n"):
            continue
        result.append(Entity(entity.type, start, end - start, entity.extra))
    sort_entities(result)
    return trimmed, result


def format_text(
    source: str,
    parse_mode: str | None,
    explicit: Sequence[Any] | None,
    users: UserLookup,
) -> tuple[str, list[Entity]]:
    """Everything the server does to a message text or caption before storing it."""
    if explicit:
        text = source
        entities = from_api_entities(text, explicit)
    elif parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            text, entities = parse_html(source, users)
        elif mode == "markdownv2":
            text, entities = parse_markdown_v2(source, users)
        elif mode == "markdown":
            text, entities = parse_markdown(source, users)
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        text, entities = source, []
    text, entities = clean_and_trim(text, entities)
    return text, merge_auto_entities(text, entities)
