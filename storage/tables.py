"""The Core tables behind the models, for statements on the hot paths (no ORM unit of work)."""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from storage import models

teams: Final = cast(Table, models.Team.__table__)
users: Final = cast(Table, models.User.__table__)
members: Final = cast(Table, models.Member.__table__)
tickets: Final = cast(Table, models.Ticket.__table__)
events: Final = cast(Table, models.TicketEvent.__table__)
evidence: Final = cast(Table, models.Evidence.__table__)
outbox: Final = cast(Table, models.Outbox.__table__)
cards: Final = cast(Table, models.Card.__table__)
escalation_messages: Final = cast(Table, models.EscalationMessage.__table__)
ticket_topics: Final = cast(Table, models.TicketTopic.__table__)
dialogues: Final = cast(Table, models.Dialogue.__table__)
processed_updates: Final = cast(Table, models.ProcessedUpdate.__table__)
platform_tickets: Final = cast(Table, models.PlatformTicket.__table__)
platform_events: Final = cast(Table, models.PlatformEvent.__table__)
api_tokens: Final = cast(Table, models.ApiToken.__table__)
api_requests: Final = cast(Table, models.ApiRequest.__table__)
web_signins: Final = cast(Table, models.WebSignIn.__table__)
team_digests: Final = cast(Table, models.TeamDigest.__table__)


def upsert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT, in the connection's dialect."""
    return upsert_for(connection.dialect.name, table)


def upsert_for(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT in the dialect named."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
