"""Message entities: the model, the Bot API's form, auto-detected entities, UTF-16 offsets.

Internally offsets are counted in code points; `to_api_entities` converts them to the UTF-16
code units the Bot API uses. The parse modes live in `emulator.formatting`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from emulator.errors import bad_request

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


#: A code point outside the Basic Multilingual Plane (a surrogate pair in UTF-16).
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: What tdlib turns into a space (every control character but the newline) or drops (\r).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Bot API entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _sort_key(entity: Entity) -> tuple[int, int, int]:
    return (entity.offset, -entity.length, _TYPE_PRIORITY.get(entity.type, 50))


def sort_entities(entities: list[Entity]) -> None:
    entities.sort(key=_sort_key)


def to_api_entities(text: str, entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """Convert code-point entities to Bot API MessageEntity dicts with UTF-16 offsets."""
    # A code point past the BMP is two UTF-16 units: an offset moves by those before it.
    astral = [match.start() for match in _ASTRAL.finditer(text)] if entities else []
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = entity.offset + bisect_left(astral, entity.offset)
        end = entity.end + bisect_left(astral, entity.end)
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


def user_id_from_link(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


# --- byte-level helpers shared by the ports of tdlib's parsers ---------------------------------


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
    # Each pattern needs its sign in the text; most texts have few of them.
    for match in _BOT_COMMAND.finditer(text) if "/" in text else ():
        found.append(Entity("bot_command", match.start(), match.end() - match.start()))
    for match in _MENTION.finditer(text) if "@" in text else ():
        name = match.group(0)[1:]
        if len(name) >= 4 or name.lower() in _SHORT_MENTIONS:
            found.append(Entity("mention", match.start(), match.end() - match.start()))
    for match in _HASHTAG.finditer(text) if "#" in text else ():
        body = match.group(1)
        if match.end() < len(text) and text[match.end()] == "#":
            continue
        if not _has_letter(body[:256]):
            continue
        found.append(Entity("hashtag", match.start(), 1 + min(len(body), 256)))
    for match in _CASHTAG.finditer(text) if "$" in text else ():
        found.append(Entity("cashtag", match.start(), match.end() - match.start()))
    for match in _EMAIL.finditer(text) if "@" in text else ():
        found.append(Entity("email", match.start(), match.end() - match.start()))
    for match in _URL.finditer(text) if "." in text or "://" in text else ():
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
    if _CONTROL.search(text) is None:
        cleaned, moved = text, entities  # nothing to replace or drop: offsets stay
    else:
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
