"""Public API tokens: made for one team's integration and shown once, listed, revoked, and
recognised on each request (a revoked one at once: nothing is cached)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.people import Team
from bot.domain.tokens import TOKEN_PREFIX, ApiToken, Scope, token_hash
from storage.database import Database
from storage.transaction import Transaction


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    #: The only time the secret exists outside the caller: it is not stored.
    secret: str


@dataclass(frozen=True, slots=True)
class ListedToken:
    token: ApiToken
    team: Team | None


class TokenService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def create(self, chat_id: int, scope: Scope, name: str) -> IssuedToken:
        """A token for the team of group `chat_id` (NotFound for a group that is no team)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()

        def body(tx: Transaction) -> ApiToken:
            team = tx.people.team_by_chat(chat_id)
            if team is None:
                raise NotFound("notfound.team", chat_id=chat_id)
            token_id = tx.tokens.add(team.id, name, scope, token_hash(secret), now)
            return ApiToken(token_id, team.id, name, scope, now)

        return IssuedToken(await self._db.transact(body), secret)

    async def list(self, chat_id: int | None = None) -> list[ListedToken]:
        def body(tx: Transaction) -> list[ListedToken]:
            team_id = None
            if chat_id is not None:
                team = tx.people.team_by_chat(chat_id)
                if team is None:
                    raise NotFound("notfound.team", chat_id=chat_id)
                team_id = team.id
            return [ListedToken(t, tx.people.team(t.team_id)) for t in tx.tokens.of_team(team_id)]

        return await self._db.read(body)

    async def revoke(self, token_id: int) -> bool:
        """Whether a valid token was revoked (False: unknown, or revoked before)."""
        now = self._clock.now()
        return await self._db.transact(lambda tx: tx.tokens.revoke(token_id, now))

    async def authenticate(self, secret: str) -> ApiToken | None:
        """The valid token whose secret this is; None for an unknown or revoked one."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        found = await self._db.read(lambda tx: tx.tokens.by_hash(token_hash(secret)))
        return found if found is not None and not found.revoked else None
