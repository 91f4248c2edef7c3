"""Public API tokens and the Idempotency-Keys of create requests: the SQL of both."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from bot.domain.errors import Conflict
from bot.domain.tokens import ApiToken, IdempotentRequest, Scope
from storage.tables import api_requests, api_tokens


def _token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        team_id=row["team_id"],
        name=row["name"],
        scope=Scope(row["scope"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class TokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, team_id: int, name: str, scope: Scope, token_hash: str, now: datetime) -> int:
        result = self._connection.execute(
            insert(api_tokens)
            .values(team_id=team_id, name=name, scope=scope.value, token_hash=token_hash)
            .values(created_at=now)
            .returning(api_tokens.c.id)
        )
        return int(result.scalar_one())

    def by_hash(self, token_hash: str) -> ApiToken | None:
        """By the unique token_hash (uq_api_tokens_token_hash): one index lookup a request."""
        result = self._connection.execute(
            select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        )
        row = result.mappings().one_or_none()
        return _token(row) if row is not None else None

    def of_team(self, team_id: int | None) -> list[ApiToken]:
        query = select(api_tokens).order_by(api_tokens.c.id)
        if team_id is not None:
            query = query.where(api_tokens.c.team_id == team_id)
        return [_token(row) for row in self._connection.execute(query).mappings()]

    def revoke(self, token_id: int, now: datetime) -> bool:
        """Whether a token that was still valid is revoked now."""
        result = self._connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    def request(self, token_id: int, key: str) -> tuple[str, int] | None:
        """The body hash and ticket id a key was first used with, if it was."""
        result = self._connection.execute(
            select(api_requests.c.body_hash, api_requests.c.ticket_id).where(
                api_requests.c.token_id == token_id, api_requests.c.key == key
            )
        )
        row = result.first()
        return (row.body_hash, row.ticket_id) if row is not None else None

    def remember(self, request: IdempotentRequest, ticket_id: int, now: datetime) -> None:
        """Record the key with the ticket it made; Conflict if the same key was used by a
        request committed meanwhile (its caller asks again and gets that ticket)."""
        try:
            self._connection.execute(
                insert(api_requests).values(
                    token_id=request.token_id,
                    key=request.key,
                    body_hash=request.body_hash,
                    ticket_id=ticket_id,
                    created_at=now,
                )
            )
        except IntegrityError:
            raise Conflict() from None
