"""Teams and the people in them, as the rest of the application reads them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.model import Language, Role


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    chat_id: int
    name: str
    language: Language
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user as last seen by the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    #: Chosen with /lang in private chat; wins over language_code.
    language: Language | None = None
    dm_open: bool | None = None

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or (f"@{self.username}" if self.username else str(self.id))

    def private_language(self, fallback: Language) -> Language:
        """The language of this user's private chat: their /lang, then their app's language."""
        if self.language is not None:
            return self.language
        if self.language_code:
            code = self.language_code.lower()
            if code.startswith("zh"):
                return Language.ZH
            if code.startswith("en"):
                return Language.EN
        return fallback


def team_role(
    user_id: int,
    *,
    is_member: bool,
    is_admin: bool,
    supervisors: Collection[int],
    admins_are_supervisors: bool,
) -> Role:
    """A user's role in a team: configured supervisors and (optionally) group admins supervise."""
    if user_id in supervisors or (admins_are_supervisors and is_admin):
        return Role.SUPERVISOR
    return Role.MEMBER if is_member else Role.STRANGER
