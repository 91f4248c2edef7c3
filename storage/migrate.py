"""Alembic migrations applied from code (`ticketbot migrate`, and `run` on start)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

_MIGRATIONS: Final = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def run_upgrade(connection: Connection) -> str | None:
    """Upgrade on `connection` (inside the caller's transaction); returns the new revision."""
    before = current_revision(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    after = current_revision(connection)
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)
    return after
