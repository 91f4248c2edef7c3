"""Configuration: a TOML file, overridden key by key by TICKETBOT_<SECTION>__<KEY> variables."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.domain.calendars import parse_hours
from bot.domain.durations import BadDuration, format_duration, parse_duration
from bot.domain.model import (
    DEFAULT_KINDS,
    DEFAULT_REMIND_BEFORE,
    DEFAULT_REPLY_WITHIN,
    EvidenceType,
    Kind,
    KindClock,
    Language,
    is_kind_name,
)

ENV_PREFIX: Final = "TICKETBOT_"
#: An SQLite database's URL, and the older spelling that means the same: the bot runs pysqlite
#: in its writer thread either way (storage/database.py).
SQLITE_URL: Final = "sqlite://"
SQLITE_ALIAS: Final = "sqlite+aiosqlite://"
POSTGRES_URL: Final = "postgresql+asyncpg://"
CONFIG_ENV: Final = "TICKETBOT_CONFIG"
_DURATION_HINT: Final = "a duration like 90s, 30m, 24h, 2d or 1d12h"
_WEBHOOK_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A configuration that cannot be used; str() is the one line the CLI prints."""


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("duration", f"expected {_DURATION_HINT} (got {value!r})")
    try:
        return parse_duration(value)
    except BadDuration:
        raise PydanticCustomError(
            "duration", f"expected {_DURATION_HINT} (got {value!r})"
        ) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    #: How long `run` keeps trying to reach the Bot API at start (network errors, 5xx).
    start_patience: Duration = timedelta(minutes=10)

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramSettings:
        if self.mode != "webhook":
            return self
        if not self.webhook_url:
            raise PydanticCustomError("webhook", "webhook_url: expected a URL in webhook mode")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _WEBHOOK_SECRET.fullmatch(secret):
            raise PydanticCustomError(
                "webhook",
                "webhook_secret: expected 1-256 characters of A-Z, a-z, 0-9, _ and - in webhook"
                " mode",
            )
        return self


class DatabaseSettings(_Section):
    url: str = "sqlite:///ticketbot.db"
    #: How long SQLite waits for a competing writer before failing (milliseconds).
    busy_timeout_ms: int = Field(default=5000, ge=0)

    @field_validator("url")
    @classmethod
    def _supported(cls, url: str) -> str:
        if not url.startswith((SQLITE_URL, SQLITE_ALIAS, POSTGRES_URL)):
            raise PydanticCustomError(
                "database_url",
                f"expected sqlite:///FILE or postgresql+asyncpg://USER@HOST/DB (got {url!r})",
            )
        return url

    @property
    def sqlite_url(self) -> str | None:
        """The URL pysqlite opens, whichever spelling the SQLite URL has; None for PostgreSQL."""
        if self.url.startswith(SQLITE_ALIAS):
            return SQLITE_URL + self.url.removeprefix(SQLITE_ALIAS)
        return self.url if self.url.startswith(SQLITE_URL) else None


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone", f"expected an IANA timezone like Asia/Shanghai (got {name!r})"
        ) from None
    return name


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class TeamSettings(_Section):
    chat_id: int
    name: str
    language: Language = Language.ZH
    timezone: str = "Asia/Shanghai"
    supervisors: tuple[int, ...] = ()
    admins_are_supervisors: bool = True
    #: The name of a [calendars.NAME] whose working time business-clock kinds count in.
    calendar: str | None = None
    #: "per_ticket": in a forum group, each ticket gets its own topic (needs can_manage_topics).
    topics: Literal["per_ticket", "off"] = "off"
    #: "09:00": each supervisor gets a digest in private at this time of the team's day; off
    #: when not set.
    digest_at: time | None = None

    @field_validator("chat_id")
    @classmethod
    def _a_group(cls, chat_id: int) -> int:
        # Telegram's group and supergroup ids are negative; a positive id is a person's.
        if chat_id >= 0:
            raise PydanticCustomError(
                "team_chat",
                "expected a group's chat id, which is negative (got {chat_id}; the bot's"
                " setup hint in the group shows it)",
                {"chat_id": chat_id},
            )
        return chat_id

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return _zone_name(name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SlaSettings(_Section):
    reply_within: Duration = DEFAULT_REPLY_WITHIN
    # Checked against reply_within even when left at its default.
    remind_before: Duration = Field(default=DEFAULT_REMIND_BEFORE, validate_default=True)
    escalate_again_after: Duration | None = None
    #: A ticket on hold (/hold) resumes by itself after this long; unset: only by /resume.
    max_hold: Duration | None = None

    @field_validator("remind_before")
    @classmethod
    def _before_the_deadline(cls, remind_before: timedelta, info: ValidationInfo) -> timedelta:
        reply_within = info.data.get("reply_within")
        if reply_within is not None:
            _check_reminder("", remind_before, reply_within)
        return remind_before


def _check_reminder(prefix: str, remind_before: timedelta, reply_within: timedelta) -> None:
    """A reminder as early as the deadline's start (or earlier) would never be sent."""
    if remind_before >= reply_within:
        raise PydanticCustomError(
            "remind_before",
            "{prefix}expected shorter than reply_within ({reply_within}) (got {remind_before})",
            {
                "prefix": prefix,
                "reply_within": format_duration(reply_within),
                "remind_before": format_duration(remind_before),
            },
        )


class SchedulerSettings(_Section):
    interval: Duration = timedelta(seconds=5)
    #: Due tickets applied per transaction; bounds a sweep's memory and lock time.
    batch_size: int = Field(default=200, ge=1, le=10_000)


class DispatcherSettings(_Section):
    """Delivery of the outbox to Telegram within its flood limits."""

    messages_per_second: float = Field(default=30.0, gt=0)
    private_chat_interval: Duration = timedelta(seconds=1)
    group_messages_per_minute: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=12, ge=1)
    #: How long a claimed row stays invisible to other processes while one delivers it.
    lease: Duration = timedelta(seconds=15)
    #: Idle wait between polls when nothing was delivered (a commit wakes it sooner).
    poll_interval: Duration = timedelta(seconds=1)


class KindSettings(_Section):
    label_zh: str | None = None
    label_en: str | None = None
    reply_within: Duration | None = None
    remind_before: Duration | None = None
    needs_outcome: bool | None = None
    default_assignee: int | str | None = None
    #: "business": counted in the team's working time (if it names a calendar); "calendar":
    #: wall-clock time. Default: business, except collab (the platform's hours are wall-clock).
    clock: KindClock | None = None


def _hours(texts: tuple[str, ...]) -> tuple[str, ...]:
    try:
        parse_hours(texts)
    except ValueError as error:
        raise PydanticCustomError("hours", "{reason}", {"reason": str(error)}) from None
    return texts


Hours = Annotated[tuple[str, ...], AfterValidator(_hours)]


class CalendarSettings(_Section):
    """Working hours with breaks, public holidays and make-up workdays (调休)."""

    timezone: str = "Asia/Shanghai"
    #: A country code of the `holidays` package ("CN"), or "" for no public holidays.
    holidays: str = ""
    mon: Hours = ()
    tue: Hours = ()
    wed: Hours = ()
    thu: Hours = ()
    fri: Hours = ()
    sat: Hours = ()
    sun: Hours = ()
    #: "YYYY-MM-DD" → that day's hours ([] for a day off), winning over weekdays and holidays.
    dates: dict[date, Hours] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return _zone_name(name)

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, code: str) -> str:
        if code and code not in holidays.list_supported_countries():
            raise PydanticCustomError(
                "holidays",
                f"expected a country code of the holidays package like CN (got {code!r})",
            )
        return code

    def weekly(self) -> tuple[tuple[str, ...], ...]:
        return (self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun)


class EvidenceSettings(_Section):
    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_files_per_ticket: int = Field(default=30, ge=1)
    allowed: tuple[EvidenceType, ...] = tuple(EvidenceType)
    archive_dir: Path | None = None


WebhookEvent = Literal["escalated", "resolved", "cancelled", "ruled"]


class WebhookTarget(_Section):
    url: str
    secret: SecretStr
    events: tuple[WebhookEvent, ...] = ("escalated", "resolved", "cancelled", "ruled")


class IntegrationSettings(_Section):
    webhooks: tuple[WebhookTarget, ...] = ()


class PlatformSettings(_Section):
    """A marketplace that sends collaborative work orders (协同工单) to
    POST /api/v1/platforms/{name}/events and takes the shop's replies at `reply_url`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    #: Signs both ways, as Standard Webhooks do: "whsec_" + base64 of the key, or any text.
    secret: SecretStr
    reply_url: str
    #: The platform's shop id → the chat id of the team that answers for that shop.
    teams: dict[str, int] = Field(default_factory=dict)


class AppSettings(_Section):
    """The workbench (Telegram Mini App) the bot serves at /app/ on [server]."""

    #: Where people reach [server] over HTTPS (https://example.com); unset: no workbench links.
    public_url: str | None = None
    #: initData older than this is refused (Telegram signs it when the app opens).
    init_data_max_age: Duration = timedelta(hours=24)

    @field_validator("public_url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise PydanticCustomError("public_url", "public_url: expected an http(s):// URL")
        return url.rstrip("/") if url else None


class Settings(_Section):
    """The whole configuration, validated."""

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    teams: tuple[TeamSettings, ...] = ()
    sla: SlaSettings = SlaSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    dispatcher: DispatcherSettings = DispatcherSettings()
    kinds: dict[str, KindSettings] = Field(default_factory=dict)
    calendars: dict[str, CalendarSettings] = Field(default_factory=dict)
    evidence: EvidenceSettings = EvidenceSettings()
    integrations: IntegrationSettings = IntegrationSettings()
    platforms: tuple[PlatformSettings, ...] = ()
    app: AppSettings = AppSettings()

    @model_validator(mode="after")
    def _platform_teams_exist(self) -> Settings:
        chats = {team.chat_id for team in self.teams}
        names: set[str] = set()
        for platform in self.platforms:
            if platform.name in names:
                raise PydanticCustomError(
                    "duplicate_platform", f"duplicate platform: {platform.name!r} appears twice"
                )
            names.add(platform.name)
            for shop, chat_id in platform.teams.items():
                if chat_id not in chats:
                    raise PydanticCustomError(
                        "platform_team",
                        f"platform {platform.name!r} sends shop {shop!r} to chat {chat_id},"
                        " which no [[teams]] lists",
                    )
        return self

    @model_validator(mode="after")
    def _calendars_exist(self) -> Settings:
        for team in self.teams:
            if team.calendar is not None and team.calendar not in self.calendars:
                known = ", ".join(sorted(self.calendars)) or "none"
                raise PydanticCustomError(
                    "calendar",
                    f"team {team.chat_id} names calendar {team.calendar!r}, which no"
                    f" [calendars.{team.calendar}] defines (defined: {known})",
                )
        return self

    @field_validator("teams")
    @classmethod
    def _distinct_teams(cls, teams: tuple[TeamSettings, ...]) -> tuple[TeamSettings, ...]:
        seen: set[int] = set()
        for team in teams:
            if team.chat_id in seen:
                raise PydanticCustomError(
                    "duplicate_team", f"duplicate team: chat_id {team.chat_id} appears twice"
                )
            seen.add(team.chat_id)
        return teams

    @field_validator("kinds")
    @classmethod
    def _kind_names(
        cls, kinds: dict[str, KindSettings], info: ValidationInfo
    ) -> dict[str, KindSettings]:
        defaults = {kind.name for kind in DEFAULT_KINDS}
        sla: SlaSettings | None = info.data.get("sla")
        for name, kind in kinds.items():
            if not is_kind_name(name):
                raise PydanticCustomError(
                    "kind_name", f"{name}: expected a lowercase word usable as a #hashtag"
                )
            if name not in defaults and not (kind.label_zh and kind.label_en):
                raise PydanticCustomError(
                    "kind_labels", f"{name}: a new kind needs label_zh and label_en"
                )
            # Only a reminder the kind sets itself: one inherited from [sla] that does not fit
            # a shorter deadline of the kind is simply not sent.
            reply_within = kind.reply_within or (sla.reply_within if sla else None)
            if kind.remind_before is not None and reply_within is not None:
                _check_reminder(f"{name}.remind_before: ", kind.remind_before, reply_within)
        return kinds

    def resolved_kinds(self) -> dict[str, Kind]:
        """The default kinds with [kinds.x] overrides applied key by key, then added kinds."""
        base = {kind.name: kind for kind in DEFAULT_KINDS}
        names = list(base) + [name for name in self.kinds if name not in base]
        resolved: dict[str, Kind] = {}
        for name in names:
            default = base.get(name)
            override = self.kinds.get(name, KindSettings())
            resolved[name] = Kind(
                name=name,
                label_zh=override.label_zh or (default.label_zh if default else name),
                label_en=override.label_en or (default.label_en if default else name),
                reply_within=override.reply_within or self.sla.reply_within,
                remind_before=(
                    override.remind_before
                    if override.remind_before is not None
                    else self.sla.remind_before
                ),
                needs_outcome=(
                    override.needs_outcome
                    if override.needs_outcome is not None
                    else bool(default and default.needs_outcome)
                ),
                default_assignee=override.default_assignee,
                clock=override.clock or (default.clock if default else KindClock.BUSINESS),
            )
        return resolved


def runnable_problem(settings: Settings, source: str) -> str | None:
    """Why `ticketbot run` cannot start with these settings (the one line to print), if so."""
    if not settings.telegram.token.get_secret_value():
        return (
            f"{source}: telegram.token: expected the bot token from @BotFather"
            " (or set TICKETBOT_TELEGRAM__TOKEN)"
        )
    return None


# --- loading ------------------------------------------------------------------------------


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith("function-") and "[" not in part:
            text += f".{part}" if text else part
    return text


def _expectation(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "missing required key"
    message: str = error["msg"]
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
        if "input" in error and not isinstance(error["input"], dict | list):
            message += f" (got {error['input']!r})"
    return message.removeprefix("Value error, ")


def _env_overrides(environ: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, Any]]:
    """TICKETBOT_SECTION__KEY=value pairs as key paths, values read as TOML when they parse."""
    overrides: dict[tuple[str, ...], tuple[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = tuple(part.lower() for part in name.removeprefix(ENV_PREFIX).split("__"))
        try:
            value: Any = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        overrides[path] = (name, value)
    return overrides


def _apply(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node: Any = tree
    for part in path[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise ConfigError(f"environment: {'.'.join(path)}: not a table that can be set")
    if isinstance(node, list) and path[-1].isdigit() and int(path[-1]) < len(node):
        node[int(path[-1])] = value
    elif isinstance(node, dict):
        node[path[-1]] = value
    else:
        raise ConfigError(f"environment: {'.'.join(path)}: not a table that can be set")


def _override_at(where: str, overrides: dict[tuple[str, ...], tuple[str, Any]]) -> str | None:
    """The environment variable that set the key at fault (or a key inside it), if any."""
    location = tuple(where.replace("[", ".").replace("]", "").split("."))
    matches = [
        (len(path), name)
        for path, (name, _) in overrides.items()
        if path[: len(location)] == location or location[: len(path)] == path
    ]
    return max(matches)[1] if matches else None


def config_path(path: Path | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The file to read: the one given, else $TICKETBOT_CONFIG, else none (built-in defaults)."""
    environ = os.environ if environ is None else environ
    if path is None and environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    return path


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, override and validate; ConfigError carries the one line to print."""
    environ = os.environ if environ is None else environ
    path = config_path(path, environ)
    source = str(path) if path else "(defaults)"
    tree: dict[str, Any] = {}
    if path is not None:
        try:
            tree = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: file not found") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source}: cannot be read ({error})") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: expected valid TOML ({error})") from None
    overrides = _env_overrides(environ)
    for key_path, (_, value) in overrides.items():
        _apply(tree, key_path, value)
    try:
        return Settings.model_validate(tree)
    except ValidationError as error:
        first = error.errors()[0]
        where = _location(first["loc"])
        env_name = _override_at(where, overrides)
        origin = f"{env_name} (environment)" if env_name else source
        raise ConfigError(f"{origin}: {where}: {_expectation(first)}") from None
