"""Telegram's parse modes (HTML, Markdown, MarkdownV2) and the whole text pipeline.

The parsers follow tdlib's (the library behind the Bot API server) byte-level algorithms so that
error texts and byte offsets match what Telegram answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from emulator.entities import (
    Entity,
    UserLookup,
    check_link,
    clean_and_trim,
    from_api_entities,
    merge_auto_entities,
    sort_entities,
    user_id_from_link,
)
from emulator.errors import ApiError, bad_request

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
#: Where plain text ends in HTML: a tag or an entity.
_HTML_SPECIAL = re.compile(rb"[<&]")
_AMPERSAND = ord("&")
_LESS_THAN = ord("<")
#: Where a tag's name ends: a space (NUL counts as one, as in `_is_space`) or the tag's end.
_NAME_END = re.compile(b"[\x20\x09\x0d\x0a\x00\x0b\x0c>]")
# Short usernames tdlib still highlights as mentions although usernames need 4+ characters.


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


def _name_end(buf: _Bytes, index: int) -> int:
    """The first position from `index` that is a space or `>` (the end of the text if none)."""
    found = _NAME_END.search(buf.data, index)
    return found.start() if found else buf.size


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
        if c == _AMPERSAND:
            code, after = _decode_html_entity(buf, i)
            if code != 0:
                _append_code_point(out, code)
                offset += 1
                i = after
                continue
        if c != _LESS_THAN:
            # Plain text up to the next tag or entity is copied at once: it lies between ASCII
            # bytes of valid UTF-8, so its code points are those of its decoding.
            special = _HTML_SPECIAL.search(buf.data, i + 1)
            end = special.start() if special else buf.size
            run = buf.data[i:end]
            out += run
            offset += len(run.decode("utf-8"))
            i = end
            continue
        begin = i
        i += 1
        if buf.at(i) != ord("/"):
            i = _name_end(buf, i)
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
        i = _name_end(buf, i)
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
        user_id = user_id_from_link(url)
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
    user_id = user_id_from_link(url)
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
