"""Configuration: defaults, overrides, and one stderr line with status 2 per bad config."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Final

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings

REPO: Final = Path(__file__).resolve().parents[2]
EXAMPLE: Final = REPO / "config.example.toml"
ONE_TEAM: Final = '[[teams]]\nchat_id = -1001\nname = "Shop A"\n'
TOKEN: Final = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DURATION: Final = "expected a duration like 90s, 30m, 24h, 2d or 1d12h"
PRODUCT_KINDS: Final = {
    "review": "审单",
    "shipping": "发货",
    "waybill": "打单",
    "stockout": "缺货通知",
    "aftersale": "售后处理",
    "memo": "客户沟通备忘",
    "task": "任务备忘",
    "collab": "协同工单",
}


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TICKETBOT_* variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.startswith("TICKETBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`main` installs a root handler bound to the captured stderr; put the old ones back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check_config(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `ticketbot check-config --config path`: its exit status and its stderr lines."""
    status = main(["check-config", "--config", str(path)])
    return status, capsys.readouterr().err.splitlines()


def check_config_argv(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(["check-config", *argv])
    return status, capsys.readouterr().err.splitlines()


def only_error_line(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    status, lines = check_config(path, capsys)
    assert status == 2
    assert len(lines) == 1, lines
    return lines[0]


# --- every class of bad configuration: status 2 and one line -----------------------------------


@pytest.mark.parametrize(
    ("toml", "where", "expected"),
    [
        pytest.param("foo = 1\n", "foo", "unknown key", id="unknown-top-level-key"),
        pytest.param("[server]\nprot = 8080\n", "server.prot", "unknown key", id="unknown-key"),
        pytest.param(
            '[kinds.collab]\nreply_in = "12h"\n',
            "kinds.collab.reply_in",
            "unknown key",
            id="unknown-key-in-a-kind",
        ),
        pytest.param(
            '[server]\nport = "eighty"\n',
            "server.port",
            "expected a valid integer, unable to parse string as an integer (got 'eighty')",
            id="wrong-type",
        ),
        pytest.param(
            "[server]\nport = 70000\n",
            "server.port",
            "expected less than or equal to 65535 (got 70000)",
            id="out-of-range",
        ),
        pytest.param(
            '[telegram]\nmode = "push"\n',
            "telegram.mode",
            "expected 'polling' or 'webhook' (got 'push')",
            id="not-one-of-the-choices",
        ),
        pytest.param(
            '[sla]\nreply_within = "1x"\n',
            "sla.reply_within",
            f"{DURATION} (got '1x')",
            id="bad-duration",
        ),
        pytest.param(
            "[sla]\nreply_within = 24\n",
            "sla.reply_within",
            f"{DURATION} (got 24)",
            id="duration-without-unit",
        ),
        pytest.param(
            '[kinds.collab]\nremind_before = "4h4h"\n',
            "kinds.collab.remind_before",
            f"{DURATION} (got '4h4h')",
            id="bad-duration-in-a-kind",
        ),
        pytest.param(
            ONE_TEAM + 'timezone = "Mars/Olympus_Mons"\n',
            "teams[0].timezone",
            "expected an IANA timezone like Asia/Shanghai (got 'Mars/Olympus_Mons')",
            id="unknown-timezone",
        ),
        pytest.param(
            '[[teams]]\nname = "Shop A"\n',
            "teams[0].chat_id",
            "missing required key",
            id="team-without-chat-id",
        ),
        pytest.param(
            ONE_TEAM + ONE_TEAM.replace("Shop A", "Shop B"),
            "teams",
            "duplicate team: chat_id -1001 appears twice",
            id="duplicate-team-chat-id",
        ),
        pytest.param(
            '[telegram]\nmode = "webhook"\nwebhook_secret = "s3cret"\n',
            "telegram",
            "webhook_url: expected a URL in webhook mode",
            id="webhook-without-url",
        ),
        pytest.param(
            '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.com/hook"\n',
            "telegram",
            "webhook_secret: expected 1-256 characters of A-Z, a-z, 0-9, _ and - in webhook mode",
            id="webhook-without-secret",
        ),
        pytest.param(
            '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.com/hook"\n'
            'webhook_secret = "not allowed!"\n',
            "telegram",
            "webhook_secret: expected 1-256 characters",
            id="webhook-secret-with-bad-characters",
        ),
        pytest.param(
            '[database]\nurl = "mysql://root@localhost/ticketbot"\n',
            "database.url",
            "expected sqlite:///FILE or postgresql+asyncpg://USER@HOST/DB"
            " (got 'mysql://root@localhost/ticketbot')",
            id="bad-database-url",
        ),
        pytest.param(
            '[kinds.After-Sale]\nlabel_zh = "售后"\nlabel_en = "After-sale"\n',
            "kinds",
            "After-Sale: expected a lowercase word usable as a #hashtag",
            id="invalid-kind-name",
        ),
        pytest.param(
            '[kinds.urgent]\nlabel_zh = "紧急"\n',
            "kinds",
            "urgent: a new kind needs label_zh and label_en",
            id="new-kind-without-both-labels",
        ),
        pytest.param(
            '[[teams]]\nchat_id = 1001\nname = "Shop A"\n',
            "teams[0].chat_id",
            "expected a group's chat id, which is negative (got 1001;",
            id="positive-team-chat-id",
        ),
        pytest.param(
            ONE_TEAM + '[sla]\nreply_within = "4h"\nremind_before = "4h"\n',
            "sla.remind_before",
            "expected shorter than reply_within (4h) (got 4h)",
            id="reminder-not-before-the-deadline",
        ),
        pytest.param(
            ONE_TEAM + '[sla]\nreply_within = "2h"\n',
            "sla.remind_before",
            "expected shorter than reply_within (2h) (got 4h)",
            id="default-reminder-longer-than-the-deadline",
        ),
        pytest.param(
            ONE_TEAM + '[kinds.collab]\nreply_within = "1h"\nremind_before = "90m"\n',
            "kinds",
            "collab.remind_before: expected shorter than reply_within (1h) (got 1h30m)",
            id="kind-reminder-after-its-deadline",
        ),
    ],
)
def test_bad_config_file_prints_one_line_naming_file_key_and_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, where: str, expected: str
) -> None:
    path = write_config(tmp_path, toml)
    line = only_error_line(path, capsys)
    assert line.startswith(f"{path}: {where}: "), line
    assert expected in line


def test_invalid_toml_prints_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, "[server]\nport = = 1\n")
    line = only_error_line(path, capsys)
    assert line.startswith(f"{path}: expected valid TOML (")
    assert "line 2" in line


def test_missing_file_prints_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.toml"
    assert only_error_line(path, capsys) == f"{path}: file not found"


@pytest.mark.parametrize(
    ("variable", "value", "where", "expected"),
    [
        pytest.param(
            "TICKETBOT_SERVER__PORT",
            "eighty",
            "server.port",
            "expected a valid integer",
            id="wrong-type",
        ),
        pytest.param(
            "TICKETBOT_KINDS__COLLAB__REPLY_WITHIN",
            "12x",
            "kinds.collab.reply_within",
            f"{DURATION} (got '12x')",
            id="bad-duration",
        ),
        pytest.param(
            "TICKETBOT_SERVER__PROT", "9000", "server.prot", "unknown key", id="unknown-key"
        ),
        pytest.param(
            "TICKETBOT_DATABASE__URL",
            "postgresql://postgres@db/ticketbot",
            "database.url",
            "(got 'postgresql://postgres@db/ticketbot')",
            id="bad-database-url",
        ),
    ],
)
def test_bad_environment_override_names_the_variable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    where: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    line = only_error_line(write_config(tmp_path, ONE_TEAM), capsys)
    assert line.startswith(f"{variable} (environment): {where}: "), line
    assert expected in line


def test_a_variable_without_double_underscore_is_not_an_override(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    settings = load_settings(path, {"TICKETBOT_TELEGRAM_TOKEN": TOKEN, "TICKETBOT_X": "1"})
    assert settings.telegram.token.get_secret_value() == ""


# --- found while pinning the behaviour (fixed since) -------------------------------------------


def test_bad_environment_override_of_a_team_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOT_TEAMS__0__CHAT_ID", "abc")
    line = only_error_line(write_config(tmp_path, ONE_TEAM), capsys)
    assert line.startswith("TICKETBOT_TEAMS__0__CHAT_ID (environment): teams[0].chat_id: "), line


def test_environment_override_of_an_unknown_section_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOT_TELEGRAMM__TOKEN", TOKEN)
    line = only_error_line(write_config(tmp_path, ONE_TEAM), capsys)
    assert line.startswith("TICKETBOT_TELEGRAMM__TOKEN (environment): telegramm"), line


def test_a_duration_too_large_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, '[sla]\nreply_within = "1000000000d"\n')
    line = only_error_line(path, capsys)
    assert line.startswith(f"{path}: sla.reply_within: {DURATION}")


# --- what a good configuration gives ---------------------------------------------------------


def test_defaults_give_the_eight_kinds_of_the_product_with_24h_and_4h() -> None:
    kinds = load_settings(None, {}).resolved_kinds()
    assert {name: kind.label_zh for name, kind in kinds.items()} == PRODUCT_KINDS
    assert list(kinds) == list(PRODUCT_KINDS)
    for kind in kinds.values():
        assert (kind.reply_within, kind.remind_before) == (timedelta(hours=24), timedelta(hours=4))
        assert kind.needs_outcome == (kind.name in {"aftersale", "collab"})
        assert kind.default_assignee is None


def test_defaults_are_polling_on_sqlite_without_teams() -> None:
    settings = load_settings(None, {})
    assert settings.telegram.mode == "polling"
    assert settings.database.url == "sqlite:///ticketbot.db"
    assert settings.teams == ()
    assert settings.server.port == 8080


@pytest.mark.parametrize("url", ["sqlite:///data/bot.db", "sqlite+aiosqlite:///data/bot.db"])
def test_both_spellings_of_an_sqlite_url_open_the_same_file_with_pysqlite(url: str) -> None:
    settings = load_settings(None, {"TICKETBOT_DATABASE__URL": url})
    assert settings.database.url == url
    assert settings.database.sqlite_url == "sqlite:///data/bot.db"


def test_a_postgresql_url_is_no_sqlite_url() -> None:
    url = "postgresql+asyncpg://bot@db/ticketbot"
    assert load_settings(None, {"TICKETBOT_DATABASE__URL": url}).database.sqlite_url is None


def test_sla_section_changes_every_kinds_default(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[sla]\nreply_within = "12h"\nremind_before = "2h"\n')
    kinds = load_settings(path, {}).resolved_kinds()
    assert len(kinds) == 8
    for kind in kinds.values():
        assert (kind.reply_within, kind.remind_before) == (timedelta(hours=12), timedelta(hours=2))


def test_kind_table_overrides_one_key_and_keeps_the_others(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[kinds.collab]\nreply_within = "12h"\n')
    kinds = load_settings(path, {}).resolved_kinds()
    collab = kinds["collab"]
    assert collab.reply_within == timedelta(hours=12)
    assert collab.remind_before == timedelta(hours=4)
    assert (collab.label_zh, collab.label_en) == ("协同工单", "Collaborative work order")
    assert collab.needs_outcome is True
    assert kinds["aftersale"].reply_within == timedelta(hours=24)


def test_kind_table_can_turn_the_outcome_rule_off(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[kinds.aftersale]\nneeds_outcome = false\n")
    assert load_settings(path, {}).resolved_kinds()["aftersale"].needs_outcome is False


def test_new_kind_with_both_labels_is_added_after_the_defaults(tmp_path: Path) -> None:
    toml = '[kinds.urgent]\nlabel_zh = "紧急"\nlabel_en = "Urgent"\nreply_within = "2h"\n'
    kinds = load_settings(write_config(tmp_path, toml), {}).resolved_kinds()
    assert list(kinds) == [*PRODUCT_KINDS, "urgent"]
    urgent = kinds["urgent"]
    assert (urgent.label_zh, urgent.label_en) == ("紧急", "Urgent")
    assert (urgent.reply_within, urgent.remind_before) == (timedelta(hours=2), timedelta(hours=4))
    assert urgent.needs_outcome is False


def test_environment_overrides_the_token(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[telegram]\ntoken = "from-the-file"\n')
    settings = load_settings(path, {"TICKETBOT_TELEGRAM__TOKEN": TOKEN})
    assert settings.telegram.token.get_secret_value() == TOKEN


def test_environment_overrides_one_key_of_a_kind(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[kinds.collab]\nremind_before = "3h"\n')
    settings = load_settings(path, {"TICKETBOT_KINDS__COLLAB__REPLY_WITHIN": "12h"})
    collab = settings.resolved_kinds()["collab"]
    assert (collab.reply_within, collab.remind_before) == (timedelta(hours=12), timedelta(hours=3))


def test_environment_value_is_read_as_toml_so_a_port_is_an_int() -> None:
    settings = load_settings(None, {"TICKETBOT_SERVER__PORT": "9000"})
    assert settings.server.port == 9000
    assert isinstance(settings.server.port, int)


def test_environment_overrides_a_key_of_the_first_team(tmp_path: Path) -> None:
    path = write_config(tmp_path, ONE_TEAM)
    settings = load_settings(path, {"TICKETBOT_TEAMS__0__NAME": "Shop B"})
    assert [(team.chat_id, team.name) for team in settings.teams] == [(-1001, "Shop B")]


def test_environment_is_read_from_os_environ_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOT_SERVER__PORT", "9001")
    assert load_settings(write_config(tmp_path, "")).server.port == 9001


def test_config_file_named_by_ticketbot_config_is_read(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[server]\nport = 9002\n")
    assert load_settings(None, {"TICKETBOT_CONFIG": str(path)}).server.port == 9002


def test_token_is_a_secret_not_shown_in_repr() -> None:
    settings = load_settings(None, {"TICKETBOT_TELEGRAM__TOKEN": TOKEN})
    assert isinstance(settings.telegram.token, SecretStr)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_example_config_validates() -> None:
    settings = load_settings(EXAMPLE, {})
    assert isinstance(settings, Settings)
    assert len(settings.teams) == 1
    assert len(settings.resolved_kinds()) == 8


def test_check_config_accepts_the_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The token comes from the environment, as the README's "Running it for real" says.
    monkeypatch.setenv("TICKETBOT_TELEGRAM__TOKEN", TOKEN)
    status = main(["check-config", "--config", str(EXAMPLE)])
    out, err = capsys.readouterr()
    assert status == 0
    assert err == ""
    assert out.startswith("configuration OK: 1 team(s), 8 kinds")


def test_load_settings_raises_config_error_carrying_the_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "foo = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert str(caught.value) == f"{path}: foo: unknown key"


# --- what `check-config` must not call OK: what `run` refuses, or what cannot work ------------


def test_check_config_refuses_the_example_as_shipped_without_a_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = only_error_line(EXAMPLE, capsys)
    assert line == (
        f"{EXAMPLE}: telegram.token: expected the bot token from @BotFather"
        " (or set TICKETBOT_TELEGRAM__TOKEN)"
    )


def test_check_config_without_any_file_says_there_is_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, lines = check_config_argv([], capsys)
    assert status == 2
    assert lines == [
        "no configuration file: pass --config FILE or set TICKETBOT_CONFIG"
        " (config.example.toml documents every key)"
    ]


def test_check_config_without_a_team_warns_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n')
    status, lines = check_config(path, capsys)
    assert status == 2
    assert lines == [
        f"warning: {path}: no [[teams]] configured: the bot would serve no group"
        " (add one [[teams]] table per group)"
    ]


def test_check_config_accepts_a_working_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n' + ONE_TEAM)
    status, lines = check_config(path, capsys)
    assert (status, lines) == (0, [])


def test_a_kind_with_a_shorter_deadline_than_the_default_reminder_is_valid(
    tmp_path: Path,
) -> None:
    """The inherited reminder is simply not sent; only a reminder the kind sets is checked."""
    path = write_config(tmp_path, '[kinds.collab]\nreply_within = "2h"\n')
    assert load_settings(path, {}).resolved_kinds()["collab"].reply_within == timedelta(hours=2)
