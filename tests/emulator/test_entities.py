"""Entity parsing and detection: Telegram's HTML/Markdown rules and UTF-16 offsets."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.core import EmulatorCore
from emulator.entities import find_auto_entities, to_api_entities, utf16_len
from emulator.errors import ApiError
from emulator.formatting import format_text
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, api, ok


def no_users(user_id: int) -> dict[str, Any] | None:
    return None


def api_entities(source: str, parse_mode: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    text, entities = format_text(source, parse_mode, None, no_users)
    return text, to_api_entities(text, entities)


def utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def test_html_tags_become_entities() -> None:
    text, entities = api_entities(
        '<b>Bold <i>both</i></b> <code>c</code> <a href="https://example.com/x">link</a> '
        '<pre><code class="language-python">x = 1</code></pre> <u>u</u> <s>s</s> '
        "<tg-spoiler>sp</tg-spoiler> <blockquote>q</blockquote>",
        "HTML",
    )
    assert text == "Bold both c link x = 1 u s sp q"
    by_type = {entity["type"]: entity for entity in entities}
    assert by_type["bold"] == {"offset": 0, "length": 9, "type": "bold"}
    assert by_type["italic"] == {"offset": 5, "length": 4, "type": "italic"}
    assert by_type["code"] == {"offset": 10, "length": 1, "type": "code"}
    assert by_type["text_link"]["url"] == "https://example.com/x"
    assert by_type["pre"] == {"offset": 17, "length": 5, "type": "pre", "language": "python"}
    assert {"underline", "strikethrough", "spoiler", "blockquote"} <= by_type.keys()


def test_html_entities_and_numeric_references_are_decoded() -> None:
    text, _ = api_entities("&lt;tag&gt; &amp; &quot;q&quot; &#20013;&#x6587; &nbsp;", "HTML")
    assert text == '<tag> & "q" 中文 &nbsp;'


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("你<b", "Unclosed start tag at byte offset 3"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_bad_html_is_rejected_like_telegram(source: str, error: str) -> None:
    with pytest.raises(ApiError) as caught:
        format_text(source, "HTML", None, no_users)
    assert caught.value.status == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {error}"


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = api_entities(
        r"*bold* _it_ __under__ ~strike~ ||spoiler|| `code` [link](https://t.me/x) 1\.5\!",
        "MarkdownV2",
    )
    assert text == "bold it under strike spoiler code link 1.5!"
    types = [entity["type"] for entity in entities]
    assert types == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Order 1.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("ok _it", "Can't find end of Italic entity at byte offset 3"),
    ],
)
def test_bad_markdown_v2_is_rejected(source: str, error: str) -> None:
    with pytest.raises(ApiError) as caught:
        format_text(source, "MarkdownV2", None, no_users)
    assert caught.value.description == f"Bad Request: can't parse entities: {error}"


def test_legacy_markdown() -> None:
    text, entities = api_entities("*b* _i_ `c` [l](https://a.io)", "Markdown")
    assert text == "b i c l"
    assert [entity["type"] for entity in entities] == ["bold", "italic", "code", "text_link"]


def test_offsets_count_utf16_units_with_chinese_and_emoji() -> None:
    text, entities = api_entities("😀 订单 <b>加急😀件</b> #售后 @linmei_cs", "HTML")
    assert text == "😀 订单 加急😀件 #售后 @linmei_cs"
    bold, hashtag, mention = entities
    # The emoji is two UTF-16 units: "😀 订单 " is 6 units long.
    assert bold == {"offset": 6, "length": 5, "type": "bold"}
    assert utf16_slice(text, bold["offset"], bold["length"]) == "加急😀件"
    assert utf16_slice(text, hashtag["offset"], hashtag["length"]) == "#售后"
    assert utf16_slice(text, mention["offset"], mention["length"]) == "@linmei_cs"


def test_auto_detection_of_commands_mentions_hashtags_urls() -> None:
    text = "/ticket@ticketbot_demo_bot 1042 #T1042 @zhouhao_aftersale see https://x.io/a. #1042"
    found = {text[e.offset : e.end]: e.type for e in find_auto_entities(text)}
    assert found == {
        "/ticket@ticketbot_demo_bot": "bot_command",
        "#T1042": "hashtag",
        "@zhouhao_aftersale": "mention",
        "https://x.io/a": "url",
    }  # "#1042" has no letter, so it is no hashtag; the trailing dot is not part of the URL


def test_email_is_not_a_mention() -> None:
    found = [(e.type, e.offset) for e in find_auto_entities("write to ops@shop.com now")]
    assert found == [("email", 9)]


def test_whitespace_is_trimmed_and_entities_follow() -> None:
    text, entities = api_entities("\n  <b>hi</b> there  \n", "HTML")
    assert text == "hi there"
    assert entities == [{"offset": 0, "length": 2, "type": "bold"}]


def test_explicit_entities_take_utf16_offsets() -> None:
    text, entities = format_text(
        "😀 bold", None, [{"type": "bold", "offset": 3, "length": 4}], no_users
    )
    assert to_api_entities(text, entities) == [{"offset": 3, "length": 4, "type": "bold"}]


def test_text_mention_link_for_known_user() -> None:
    def lookup(user_id: int) -> dict[str, Any] | None:
        return {"id": user_id, "is_bot": False, "first_name": "Z"} if user_id == 7 else None

    text, entities = format_text('<a href="tg://user?id=7">Z</a>', "HTML", None, lookup)
    assert to_api_entities(text, entities)[0]["type"] == "text_mention"


@given(st.text(alphabet=st.sampled_from(["a", "中", "😀", " ", "#", "b", "@"]), max_size=30))
def test_api_offsets_always_slice_whole_code_points(sample: str) -> None:
    text, entities = format_text(f"<b>{sample}</b>x", "HTML", None, no_users)
    for entity in to_api_entities(text, entities):
        assert entity["offset"] + entity["length"] <= utf16_len(text)
        piece = utf16_slice(text, entity["offset"], entity["length"])
        assert piece  # decoding would fail on a split surrogate pair


async def test_user_message_entities_in_update(core: EmulatorCore) -> None:
    update = core.user_send_text(
        AGENT, GROUP, "/ticket 订单😀42 #aftersale @zhouhao_aftersale 坏了"
    )
    message = update["message"]
    assert message["entities"] == [
        {"offset": 0, "length": 7, "type": "bot_command"},
        {"offset": 15, "length": 10, "type": "hashtag"},
        {"offset": 26, "length": 18, "type": "mention"},
    ]
    assert utf16_slice(message["text"], 15, 10) == "#aftersale"


async def test_command_with_bot_username(core: EmulatorCore) -> None:
    update = core.user_send_text(ASSIGNEE, ASSIGNEE, "/mine@ticketbot_demo_bot")
    assert update["message"]["entities"] == [{"offset": 0, "length": 24, "type": "bot_command"}]


async def test_caption_entities_on_media(core: EmulatorCore) -> None:
    update = core.user_send_photo(AGENT, GROUP, b"img", caption="/evidence 1042 #T1042")
    message = update["message"]
    assert "entities" not in message
    assert [e["type"] for e in message["caption_entities"]] == ["bot_command", "hashtag"]


async def test_bot_html_message_gets_hashtag_entities_too(core: EmulatorCore) -> None:
    sent = await ok(
        core, "sendMessage", chat_id=GROUP, text="<b>T1042</b> #T1042", parse_mode="HTML"
    )
    assert sent["entities"] == [
        {"offset": 0, "length": 5, "type": "bold"},
        {"offset": 6, "length": 6, "type": "hashtag"},
    ]


async def test_unsupported_parse_mode(core: EmulatorCore) -> None:
    status, body = await api(core, "sendMessage", chat_id=GROUP, text="x", parse_mode="BBCode")
    assert status == 400
    assert body["description"] == "Bad Request: unsupported parse_mode BBCode"
