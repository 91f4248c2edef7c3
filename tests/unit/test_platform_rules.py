"""A platform's rules, without I/O: what a reply needs, Standard Webhooks signatures, config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.errors import Refused
from bot.domain.platform import BadSignature, ReplyOption, check_reply, sign, verify
from marketplace.signing import sign as platform_sign

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EVIDENCE = ReplyOption("agreed", "一致", "Agreed", requires_evidence=True, max_files=2)
TEXT = ReplyOption("not_agreed", "不一致", "No agreement", requires_description=True)


def test_an_option_is_refused_until_what_it_requires_is_there() -> None:
    with pytest.raises(Refused, match="needs_evidence"):
        check_reply(EVIDENCE, "fine", [])
    with pytest.raises(Refused, match="needs_description"):
        check_reply(TEXT, "  ", ["f1"])
    with pytest.raises(Refused, match="too_many_files"):
        check_reply(EVIDENCE, None, ["f1", "f2", "f3"])
    assert check_reply(EVIDENCE, None, ["f1"]).file_ids == ("f1",)
    assert check_reply(TEXT, "客户坚持退款", []).description == "客户坚持退款"


def test_the_bot_and_the_platform_sign_alike_as_standard_webhooks_do() -> None:
    body = b'{"type":"ticket.timeout"}'
    stamp = int(NOW.timestamp())
    signature = sign(SECRET, "evt_1", stamp, body)
    assert signature == platform_sign(SECRET, "evt_1", stamp, body)
    assert signature.startswith("v1,")
    assert verify(SECRET, "evt_1", str(stamp), signature, body, NOW) == "evt_1"
    # A secret being rotated: any one of several signatures will do.
    assert verify(SECRET, "evt_1", str(stamp), f"v1,bm9wZQ== {signature}", body, NOW)


@pytest.mark.parametrize(
    ("message_id", "moved", "tampered", "signed"),
    [
        (None, timedelta(0), False, True),
        ("evt_1", timedelta(minutes=5, seconds=1), False, True),
        ("evt_1", -timedelta(minutes=6), False, True),
        ("evt_1", timedelta(0), True, True),
        ("evt_1", timedelta(0), False, False),
    ],
)
def test_missing_stale_tampered_or_unsigned_requests_are_bad(
    message_id: str | None, moved: timedelta, tampered: bool, signed: bool
) -> None:
    body = b'{"type":"ticket.timeout"}'
    stamp = int(NOW.timestamp())
    signature = sign(SECRET, "evt_1", stamp, body) if signed else None
    given = body + b" " if tampered else body
    with pytest.raises(BadSignature):
        verify(SECRET, message_id, str(stamp), signature, given, NOW + moved)


def _settings(chat_id: int) -> dict[str, object]:
    return {
        "teams": [{"chat_id": -100123, "name": "shop"}],
        "platforms": [
            {
                "name": "tmall",
                "secret": SECRET,
                "reply_url": "http://127.0.0.1:9/replies",
                "teams": {"shop-1001": chat_id},
            }
        ],
    }


def test_a_platform_sends_each_shop_to_a_configured_team() -> None:
    settings = Settings.model_validate(_settings(-100123))
    assert settings.platforms[0].teams == {"shop-1001": -100123}
    with pytest.raises(ValueError, match="which no \\[\\[teams\\]\\] lists"):
        Settings.model_validate(_settings(-100999))
