"""The tables, as SQLAlchemy 2 typed models; indexes for each hot path are named here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import BigId, Json, TelegramId, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Team(Base):
    """One Telegram group the bot serves; `last_number` hands out ticket numbers."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(TelegramId, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Bumped by every write that changes what a process caches about the team's people
    #: (roles, languages, memberships): read in a command's transaction, it tells a process
    #: that its in-memory roster of the team is stale.
    directory_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class User(Base):
    """A Telegram user as the bot knows them, across teams (private-chat settings live here)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    #: Lowercased username: @name resolves case-insensitively through this indexed column.
    username_key: Mapped[str | None] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str | None] = mapped_column(String(200))
    language_code: Mapped[str | None] = mapped_column(String(16))
    #: Set by /lang in private chat; wins over language_code.
    language: Mapped[str | None] = mapped_column(String(8))
    #: Has the user opened a private chat with the bot (None: not known yet).
    dm_open: Mapped[bool | None] = mapped_column(Boolean)
    #: The team private-chat commands act on, when the user belongs to several.
    private_team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Member(Base):
    """A user known to a team; `is_admin` mirrors the group's administrator list."""

    __tablename__ = "members"

    team_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        TelegramId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Ticket(Base):
    """A work order. `version` makes concurrent transitions fail instead of both winning."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Ticket numbers are per team: /show 1042 finds exactly one.
        UniqueConstraint("team_id", "number"),
        # /mine and per-assignee pending lists.
        Index("ix_tickets_assignee_id_status", "assignee_id", "status"),
        # /order and the duplicate warning (same team, order and kind).
        Index("ix_tickets_team_id_order_id_kind", "team_id", "order_id", "kind"),
        # /created.
        Index("ix_tickets_creator_id", "creator_id"),
        # Recently updated lists and "resolved today".
        Index("ix_tickets_team_id_updated_at", "team_id", "updated_at"),
        # The workbench: a team's whole list in deadline order (no sort of every ticket).
        Index("ix_tickets_team_id_due_at_id", "team_id", "due_at", "id"),
        # My to-do and the assignee filter, in deadline order.
        Index(
            "ix_tickets_assignee_list",
            "team_id",
            "assignee_id",
            "status",
            "due_at",
            "kind",
            "created_at",
        ),
        # The buckets' counts read this index alone (every column they test is in it); its
        # first three columns serve the team's lists in deadline order (storage/listing.py).
        Index(
            "ix_tickets_buckets",
            "team_id",
            "status",
            "due_at",
            "held_since",
            "assignee_id",
            "cancel_requested_by",
        ),
        # The sweep: due rows by one range scan; finished tickets (NULL) are not in the index.
        Index(
            "ix_tickets_next_action_at",
            "next_action_at",
            postgresql_where=text("next_action_at IS NOT NULL"),
            sqlite_where=text("next_action_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    creator_id: Mapped[int] = mapped_column(TelegramId)
    assignee_id: Mapped[int | None] = mapped_column(TelegramId)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    touched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: On hold (挂起) since then; the deadline clock stops meanwhile.
    held_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Time spent on hold before, in seconds (statistics count it apart).
    held_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancel_requested_by: Mapped[int | None] = mapped_column(TelegramId)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_action: Mapped[str | None] = mapped_column(String(16))
    next_action_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TicketEvent(Base):
    """The append-only timeline: rows are inserted, never updated or deleted."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(BigId)
    type: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(TelegramId)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)


class Evidence(Base):
    """A file attached to a ticket; Telegram's file_unique_id keeps one row per file."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("ticket_id", "file_unique_id"),
        Index("ix_evidence_media_group_id", "media_group_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(BigId)
    type: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(256))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(Text)
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    uploader_id: Mapped[int] = mapped_column(TelegramId)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    archive_path: Mapped[str | None] = mapped_column(String(512))
    sha256: Mapped[str | None] = mapped_column(String(64))


class Outbox(Base):
    """Notifications written with the change that causes them, delivered after commit.

    `destination` orders delivery: rows of one destination go out strictly by id.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The dispatcher's claim: pending rows that are available, oldest first.
        Index(
            "ix_outbox_pending",
            "available_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # Per-destination order: is an older row of this destination still pending? Pending
        # rows only, so the answer does not grow with the destination's history.
        Index(
            "ix_outbox_pending_destination",
            "destination",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[int | None] = mapped_column(BigId)
    destination: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Card(Base):
    """The message that shows a ticket in one chat, so later changes edit it in place."""

    __tablename__ = "cards"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(TelegramId, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EscalationMessage(Base):
    """A ticket's first escalation in a group, which later escalations answer instead of
    starting a new thread. Kept apart from `cards`: a card is redrawn as its ticket changes,
    an escalation keeps what it said."""

    __tablename__ = "escalation_messages"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(TelegramId, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketTopic(Base):
    """The forum topic of a ticket (a team with `topics = "per_ticket"`): wanted when the
    ticket is created, opened by the topic keeper, renamed, closed and reopened as its status
    changes. `shown_status` is what the topic shows now; `unavailable` marks a ticket whose
    group could not have a topic (no forum, no right), which then lives in the group as before.
    """

    __tablename__ = "ticket_topics"
    __table_args__ = (
        # A message in a topic finds its ticket.
        Index("ix_ticket_topics_chat_id_thread_id", "chat_id", "thread_id"),
    )

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(TelegramId)
    thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shown_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unavailable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A topic keeper is bringing it in step until then (several processes share the work).
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Dialogue(Base):
    """A conversation in progress (guided /ticket, evidence, note): state in the database so
    it survives restarts and works with several bot processes."""

    __tablename__ = "dialogues"

    chat_id: Mapped[int] = mapped_column(TelegramId, primary_key=True)
    user_id: Mapped[int] = mapped_column(TelegramId, primary_key=True)
    team_id: Mapped[int | None] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update has its effect once."""

    __tablename__ = "processed_updates"

    # BigId: on SQLite an INTEGER PRIMARY KEY is the row id itself, where a BIGINT one is a
    # second B-tree that every update's row is written into (migration 0019).
    update_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlatformTicket(Base):
    """A marketplace's collaborative work order and the ticket it became: one per
    (platform, platform ticket id), whatever the platform sends again."""

    __tablename__ = "platform_tickets"
    __table_args__ = (UniqueConstraint("platform", "platform_ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    platform: Mapped[str] = mapped_column(String(32))
    platform_ticket_id: Mapped[str] = mapped_column(String(128))
    shop_id: Mapped[str] = mapped_column(String(128))
    #: The platform's reply options, as it sent them (ids, labels, what each requires).
    options: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    replied_option: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlatformEvent(Base):
    """Event ids a platform sent, recorded with their effect: a repeat is answered, not done."""

    __tablename__ = "platform_events"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """A public API token of one team's integration: its SHA-256 only, never the secret."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(16))
    #: Every request looks its token up by this (unique, so indexed).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiRequest(Base):
    """A create request's Idempotency-Key, recorded with the ticket it made, in the same
    transaction: sent again, the same ticket is answered."""

    __tablename__ = "api_requests"

    token_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebSignIn(Base):
    """A one-time sign-in link to the workbench: only its token's digest is kept."""

    __tablename__ = "web_signins"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(TelegramId)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TeamDigest(Base):
    """The days a team's supervisors were sent their daily digest: once a day, however many
    processes sweep (the insert that claims the day commits with the digest's outbox rows)."""

    __tablename__ = "team_digests"

    team_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
