"""initData as Telegram signs it, and the browser session's cookie and CSRF token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.domain.webapp import (
    BadCredentials,
    check_csrf,
    csrf_token,
    issue_session,
    read_session,
    session_secret,
    sign_init_data,
    validate_init_data,
)

TOKEN = "123456:ABC-test-token"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
USER = {
    "id": 1002,
    "first_name": "Bo",
    "last_name": "Wang",
    "username": "bo",
    "language_code": "zh",
}


def _fields(at: datetime = NOW, **extra: str) -> dict[str, str]:
    fields = {
        "query_id": "AAH",
        "user": json.dumps(USER, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(at.timestamp())),
    }
    fields.update(extra)
    return fields


def test_valid_init_data_names_its_user() -> None:
    user = validate_init_data(sign_init_data(_fields(), TOKEN), TOKEN, now=NOW)
    assert (user.id, user.first_name, user.username, user.language_code) == (1002, "Bo", "bo", "zh")


def test_the_known_telegram_algorithm() -> None:
    """The hash is HMAC-SHA256 over the sorted key=value lines with key HMAC("WebAppData", token),
    computed here independently of the module."""
    import hashlib
    import hmac

    fields = _fields(chat_type="private")
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    raw = urlencode({**fields, "hash": digest})
    assert validate_init_data(raw, TOKEN, now=NOW).id == 1002


def test_wrong_hash_is_refused() -> None:
    pairs = dict(parse_qsl(sign_init_data(_fields(), TOKEN)))
    pairs["hash"] = "0" * 64
    with pytest.raises(BadCredentials, match="hash"):
        validate_init_data(urlencode(pairs), TOKEN, now=NOW)


def test_a_changed_field_is_refused() -> None:
    pairs = dict(parse_qsl(sign_init_data(_fields(), TOKEN)))
    pairs["user"] = pairs["user"].replace("1002", "1004")
    with pytest.raises(BadCredentials, match="hash"):
        validate_init_data(urlencode(pairs), TOKEN, now=NOW)


def test_another_bots_token_is_refused() -> None:
    with pytest.raises(BadCredentials, match="hash"):
        validate_init_data(sign_init_data(_fields(), "999:OTHER"), TOKEN, now=NOW)


def test_expired_init_data_is_refused() -> None:
    old = sign_init_data(_fields(NOW - timedelta(hours=24, seconds=1)), TOKEN)
    with pytest.raises(BadCredentials, match="expired"):
        validate_init_data(old, TOKEN, now=NOW)
    # A configured maximum decides.
    assert validate_init_data(old, TOKEN, now=NOW, max_age=timedelta(days=2)).id == 1002
    recent = sign_init_data(_fields(NOW - timedelta(minutes=2)), TOKEN)
    with pytest.raises(BadCredentials, match="expired"):
        validate_init_data(recent, TOKEN, now=NOW, max_age=timedelta(minutes=1))


@pytest.mark.parametrize("missing", ["user", "auth_date"])
def test_missing_fields_are_refused(missing: str) -> None:
    fields = _fields()
    del fields[missing]
    with pytest.raises(BadCredentials, match=missing):
        validate_init_data(sign_init_data(fields, TOKEN), TOKEN, now=NOW)


@pytest.mark.parametrize("raw", ["", "garbage", "user=1&auth_date=2", "hash=&user=x"])
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises(BadCredentials):
        validate_init_data(raw, TOKEN, now=NOW)


def test_a_user_without_an_id_is_refused() -> None:
    fields = _fields(user=json.dumps({"first_name": "Bo"}))
    with pytest.raises(BadCredentials, match="id"):
        validate_init_data(sign_init_data(fields, TOKEN), TOKEN, now=NOW)


def test_session_cookie_round_trip_and_expiry() -> None:
    secret = session_secret(TOKEN)
    cookie = issue_session(secret, 1002, NOW + timedelta(hours=1), "n1")
    assert read_session(secret, cookie, NOW) == 1002
    with pytest.raises(BadCredentials, match="expired"):
        read_session(secret, cookie, NOW + timedelta(hours=1))
    with pytest.raises(BadCredentials, match="signature"):
        read_session(session_secret("other"), cookie, NOW)
    forged = cookie.replace(cookie[:4], "AAAA")
    with pytest.raises(BadCredentials):
        read_session(secret, forged, NOW)


def test_csrf_token_is_bound_to_its_session() -> None:
    secret = session_secret(TOKEN)
    one = issue_session(secret, 1002, NOW + timedelta(hours=1), "n1")
    two = issue_session(secret, 1002, NOW + timedelta(hours=1), "n2")
    check_csrf(secret, one, csrf_token(secret, one))
    with pytest.raises(BadCredentials):
        check_csrf(secret, one, csrf_token(secret, two))
    with pytest.raises(BadCredentials):
        check_csrf(secret, one, None)
