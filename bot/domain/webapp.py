"""Who calls the workbench: Telegram's Mini App initData, and the browser's signed session.

Pure: the caller passes the bot token, the secret and the time. The checks are Telegram's
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app): the data
check string is every field but `hash`, sorted, as `key=value` lines; the key is
HMAC-SHA256("WebAppData", bot token); `hash` is HMAC-SHA256(key, data check string) in hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import parse_qsl, urlencode

#: initData older than this is refused unless [app] init_data_max_age says otherwise.
DEFAULT_MAX_AGE: Final = timedelta(hours=24)
#: A sign-in link works once, for this long.
SIGN_IN_LIFETIME: Final = timedelta(minutes=10)
#: A browser session lasts this long after signing in.
SESSION_LIFETIME: Final = timedelta(hours=12)
#: initData dated this far in the future is refused too (a clock a little ahead is fine).
_CLOCK_SKEW: Final = timedelta(minutes=5)


class BadCredentials(Exception):
    """initData, a session or a CSRF token that does not prove who calls; str() says why."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The Telegram user initData (or a session) vouches for."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """initData for `fields` as Telegram signs it (the emulator and the tests make it so)."""
    digest = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    return urlencode({**{k: v for k, v in fields.items() if k != "hash"}, "hash": digest})


def validate_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE
) -> WebAppUser:
    """The user of genuine, fresh initData; BadCredentials otherwise."""
    if not init_data or not bot_token:
        raise BadCredentials("no initData")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise BadCredentials("initData is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadCredentials("initData repeats a field")
    given = fields.get("hash")
    if not given:
        raise BadCredentials("initData has no hash")
    expected = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise BadCredentials("initData hash does not match")
    stamp = fields.get("auth_date", "")
    if not stamp.isdigit():
        raise BadCredentials("initData has no auth_date")
    signed_at = datetime.fromtimestamp(int(stamp), UTC)
    if now - signed_at > max_age:
        raise BadCredentials("initData expired")
    if signed_at - now > _CLOCK_SKEW:
        raise BadCredentials("initData from the future")
    return _user(fields.get("user"))


def _user(raw: str | None) -> WebAppUser:
    if not raw:
        raise BadCredentials("initData has no user")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise BadCredentials("initData user is not JSON") from None
    if not isinstance(data, dict):
        raise BadCredentials("initData user is not an object")
    user_id = data.get("id")
    first_name = data.get("first_name")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise BadCredentials("initData user has no id")
    if not isinstance(first_name, str):
        raise BadCredentials("initData user has no first_name")

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    return WebAppUser(
        user_id, first_name, text("last_name"), text("username"), text("language_code")
    )


# --- the browser's session (after a sign-in link) -----------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, payload: str) -> str:
    return _b64(hmac.new(secret, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())


def session_secret(bot_token: str) -> bytes:
    """The key sessions are signed with: derived from the bot token, never the token itself."""
    return hmac.new(bot_token.encode(), b"ticketbot-workbench-session", hashlib.sha256).digest()


def issue_session(secret: bytes, user_id: int, expires: datetime, nonce: str) -> str:
    """A cookie value naming the user until `expires`; `nonce` makes each one distinct."""
    payload = _b64(json.dumps([user_id, int(expires.timestamp()), nonce]).encode())
    return f"{payload}.{_mac(secret, 'session', payload)}"


def read_session(secret: bytes, value: str, now: datetime) -> int:
    """The user id of a genuine, unexpired session cookie; BadCredentials otherwise."""
    payload, _, mac = value.partition(".")
    if not payload or not hmac.compare_digest(
        mac.encode(), _mac(secret, "session", payload).encode()
    ):
        raise BadCredentials("session signature does not match")
    try:
        user_id, expires, _nonce = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise BadCredentials("session is malformed") from None
    if not isinstance(user_id, int) or not isinstance(expires, int):
        raise BadCredentials("session is malformed")
    if now.timestamp() >= expires:
        raise BadCredentials("session expired")
    return user_id


def csrf_token(secret: bytes, session: str) -> str:
    """The token state-changing calls of a cookie session must send (bound to that session)."""
    return _mac(secret, "csrf", session)


def check_csrf(secret: bytes, session: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(given.encode(), csrf_token(secret, session).encode()):
        raise BadCredentials("missing or wrong CSRF token")


def link_digest(token: str) -> str:
    """What is stored of a sign-in link's token: a leaked table signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()
