"""API tokens of the public API: one per integration of a team, with a scope, kept hashed.

Pure: the secret is made by the caller's random source; only its SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.domain.model import Role
from bot.domain.permissions import Actor
from bot.domain.platform import PLATFORM_USER_ID

#: Every token starts so, which makes one easy to spot in a log or a leaked file.
TOKEN_PREFIX: Final = "tbk_"


class Scope(StrEnum):
    """What a token may do: read; read and act as the team's chat does; and the platform's own
    actions too (a ruling, an appeal's decision, a timeout), for a platform relayed by the shop."""

    READ = "read"
    WRITE = "write"
    PLATFORM = "platform"

    def allows(self, needed: Scope) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK: Final = {Scope.READ: 0, Scope.WRITE: 1, Scope.PLATFORM: 2}


def token_hash(secret: str) -> str:
    """What is stored of a token: its SHA-256 (a random secret needs no slow hash)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as stored: never its secret."""

    id: int
    team_id: int
    name: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def actor(self, *, platform: bool = False) -> Actor:
        """Who acts for the token: no person (user id 0, as a platform's tickets are created),
        with the rights the team's chat gives a supervisor; the platform's own actions as the
        platform (Role.SYSTEM), which only a platform token may take."""
        if platform:
            return Actor.platform(self.team_id)
        return Actor(user_id=PLATFORM_USER_ID, team_id=self.team_id, team_role=Role.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A create request's Idempotency-Key, per token, with the hash of the body it came with."""

    token_id: int
    key: str
    body_hash: str
