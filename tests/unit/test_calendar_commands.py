"""`ticketbot calendar` and `ticketbot deadline` on the shipped example's shop calendar."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
TEAM = "-1001234567890"


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETBOT_TELEGRAM__TOKEN", "123456:ABC")


def test_deadline_prints_remind_and_escalate_in_working_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(
        ["deadline", "--config", str(EXAMPLE), "--team", TEAM, "--kind", "shipping",
         "--at", "2026-09-30T17:00"]
    )  # fmt: skip

    out = capsys.readouterr().out.splitlines()
    assert status == 0
    # 1 h on 30 Sept, the National Day week off, then 8 Oct, 9 Oct and the make-up Saturday.
    assert out[1:] == [
        "remind_at: 2026-10-10T14:30:00+08:00",
        "escalate_at: 2026-10-12T09:30:00+08:00",
    ]


def test_collab_deadlines_stay_wall_clock(capsys: pytest.CaptureFixture[str]) -> None:
    main(["deadline", "--config", str(EXAMPLE), "--team", TEAM, "--kind", "collab",
          "--at", "2026-09-30T17:00+08:00"])  # fmt: skip

    assert capsys.readouterr().out.splitlines()[2] == "escalate_at: 2026-10-01T17:00:00+08:00"


def test_calendar_prints_the_hours_and_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["calendar", "--config", str(EXAMPLE), "--team", TEAM, "--from", "2026-10-05",
         "--days", "6"]
    )  # fmt: skip

    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-10-05 Mon  off  (National Day (observed))",
        "2026-10-06 Tue  off  (Day off (substituted from 09/20/2026))",
        "2026-10-07 Wed  off  (Day off (substituted from 10/10/2026))",
        "2026-10-08 Thu  09:00-12:00, 13:30-18:00",
        "2026-10-09 Fri  09:00-12:00, 13:30-18:00",
        "2026-10-10 Sat  09:00-12:00, 13:30-18:00  (make-up workday)",
    ]


def test_a_team_naming_an_unknown_calendar_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[teams]]\nchat_id = -100\nname = "x"\ncalendar = "office"\n')

    assert main(["check-config", "--config", str(path)]) == 2
    assert "names calendar 'office'" in capsys.readouterr().err
