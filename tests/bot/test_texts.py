"""The two catalogs stay in step: same keys, same parameters, and every key the code asks for."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.commands import COMMAND_NAMES
from bot.domain.model import Language
from bot.domain.platform import EVENT_TYPES
from bot.i18n import Catalogs, load_catalog
from emulator.formatting import parse_html

ROOT = Path(__file__).resolve().parents[2]
_PREFIXES = (
    "problem|refused|notfound|error|reply|notice|usage|button|new|list|stats|status|outcome"
    "|event|evidence|ticket|card|deadline|person|help|export|command|language|action|timeline"
)
_KEY_IN_CODE = re.compile(rf'"((?:{_PREFIXES})\.[a-z_]+(?:\.[a-z_]+)?)"')
#: One pair of catalogs for the property tests: their day texts are kept between calls.
_CATALOGS = Catalogs()
_PROBLEM_IN_CODE = re.compile(r'(?:UsageError\([^,()]+,|\.error\()\s*"([a-z_]+)"')


def _params(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_parameters() -> None:
    english, chinese = load_catalog(Language.EN), load_catalog(Language.ZH)

    assert sorted(set(english) ^ set(chinese)) == []
    for key, text in english.items():
        assert _params(text) == _params(chinese[key]), key
        assert text.strip(), key
        assert chinese[key].strip(), key


def _code_files() -> list[Path]:
    return [path for folder in ("bot", "handlers") for path in (ROOT / folder).rglob("*.py")]


def test_every_text_the_code_names_exists() -> None:
    english = load_catalog(Language.EN)
    named = {key for path in _code_files() for key in _KEY_IN_CODE.findall(path.read_text())}
    named |= {
        f"problem.{problem}"
        for path in _code_files()
        for problem in _PROBLEM_IN_CODE.findall(path.read_text())
    }

    named -= EVENT_TYPES  # a platform's event types look like keys, and are not
    assert sorted(key for key in named if key not in english) == []


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_every_command_has_a_usage_line_and_a_menu_entry(command: str) -> None:
    for language in Language:
        catalog = load_catalog(language)
        assert f"usage.{command}" in catalog
        assert f"command.{command}" in catalog
        assert catalog[f"usage.{command}"].startswith(f"/{command}")


@pytest.mark.parametrize("language", list(Language), ids=lambda language: language.value)
def test_every_text_is_html_that_telegram_accepts(language: Language) -> None:
    """Filled with parameters that need escaping, each text still parses as Telegram HTML."""
    texts = Catalogs()[language]
    for key, template in load_catalog(language).items():
        params = dict.fromkeys(_params(template), "<a & b>")
        parse_html(texts(key, **params), lambda user_id: None)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
    st.sampled_from(["Asia/Shanghai", "America/New_York", "UTC"]),
)
def test_a_moment_reads_as_babel_writes_it_in_both_languages(value: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    local = value.astimezone(tz)
    for language in Language:
        texts = _CATALOGS[language]
        day = format_skeleton("MMMd", local, tzinfo=tz, locale=texts.locale)
        assert texts.moment(value, tz) == f"{day} {local:%H:%M}"
