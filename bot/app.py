"""The composition root: builds every part from the configuration, and nothing else does."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.services.directory import Directory
from bot.services.people import PeopleService
from bot.services.queries import QueryService
from bot.services.tickets import Archiver, TicketService
from storage.database import Database


@dataclass(frozen=True, slots=True)
class Services:
    """The use cases, sharing one directory, clock and database."""

    directory: Directory
    tickets: TicketService
    people: PeopleService
    queries: QueryService
    database: Database


def build_services(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    archiver: Archiver | None = None,
) -> Services:
    directory = Directory(settings)
    return Services(
        directory=directory,
        tickets=TicketService(database, clock, directory, archiver),
        people=PeopleService(database, clock, directory),
        queries=QueryService(database, clock, directory),
        database=database,
    )
