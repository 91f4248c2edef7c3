"""Texts in Chinese and English: gettext catalogs (read with Babel), looked up by key."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_timedelta
from babel.messages.pofile import read_po

from bot.domain.model import Language

log = logging.getLogger(__name__)

_DIRECTORY: Final = Path(__file__).parent
_LOCALES: Final = {Language.ZH: Locale.parse("zh_Hans_CN"), Language.EN: Locale.parse("en")}


class Markup(str):
    """Text that is already HTML (a mention link, a rendered fragment): not escaped again."""

    __slots__ = ()


def escape(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=False))


def catalog_files(language: Language) -> list[Path]:
    """`<language>.po`, then one `<language>-<part>.po` per part of the product (the workbench,
    the public API, …), so that each part keeps its texts beside the others without editing
    one shared file."""
    main = _DIRECTORY / f"{language.value}.po"
    return [main, *sorted(_DIRECTORY.glob(f"{language.value}-*.po"))]


_TAG: Final = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A text without the HTML the chat shows it with (for an alert, a JSON message)."""
    return html.unescape(_TAG.sub("", text)).strip()


def load_catalog(language: Language) -> dict[str, str]:
    """Key → text from the language's catalog files (msgid is the key, msgstr the text).

    A key written in two files is an error: which text wins would depend on file order."""
    texts: dict[str, str] = {}
    for path in catalog_files(language):
        with path.open("rb") as file:
            catalog = read_po(file, locale=str(_LOCALES[language]))
        for message in catalog:
            if not message.id:
                continue
            key = str(message.id)
            if key in texts:
                raise ValueError(f"{path.name}: {key!r} is already in another {language} catalog")
            texts[key] = str(message.string)
    return texts


class Texts:
    """The texts of one language; parameters are HTML-escaped unless they are Markup."""

    def __init__(self, language: Language, catalog: Mapping[str, str], fallback: Mapping[str, str]):
        self.language = language
        self.locale = _LOCALES[language]
        self._catalog = catalog
        self._fallback = fallback
        #: A day as `moment` writes it, by (month, day): Babel matches the skeleton to the
        #: locale's patterns on every call, which was most of a card's deadline line.
        self._days: dict[tuple[int, int], str] = {}

    def __call__(self, key: str, **params: Any) -> Markup:
        template = self._catalog.get(key) or self._fallback.get(key)
        if template is None:
            log.error("no text for %r in %s", key, self.language.value)
            return Markup(html.escape(key))
        try:
            return Markup(template.format_map({k: escape(v) for k, v in params.items()}))
        except (KeyError, IndexError, ValueError):
            log.exception(
                "text %r in %s does not fit its parameters %s", key, self.language, params
            )
            return Markup(html.escape(template))

    def has(self, key: str) -> bool:
        return key in self._catalog

    def moment(self, value: datetime, zone: ZoneInfo) -> str:
        """A deadline as people read it: 11月3日 09:00 / Nov 3, 09:00, in the team's timezone."""
        local = value.astimezone(zone)
        key = (local.month, local.day)
        day = self._days.get(key)
        if day is None:
            day = format_skeleton("MMMd", local, tzinfo=zone, locale=self.locale)
            self._days[key] = day
        return f"{day} {local.hour:02d}:{local.minute:02d}"

    def span(self, value: timedelta) -> str:
        """A rough duration: 5 小时 / 5 hours."""
        text = str(format_timedelta(value, threshold=1.5, locale=self.locale))
        # CLDR's 秒钟 reads oddly next to 分钟/小时 in a deadline; people write 秒.
        return text.replace("秒钟", "秒")

    def number(self, value: int) -> str:
        return f"{value:,}"


class Catalogs:
    """Both languages, loaded once at start (a missing English text is a bug caught by tests)."""

    def __init__(self) -> None:
        english = load_catalog(Language.EN)
        self._texts = {
            Language.EN: Texts(Language.EN, english, english),
            Language.ZH: Texts(Language.ZH, load_catalog(Language.ZH), english),
        }

    def __getitem__(self, language: Language) -> Texts:
        return self._texts[language]
