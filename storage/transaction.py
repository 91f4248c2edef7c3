"""One transaction with every repository bound to it: what a use case's body works with."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from storage.conversation import DialogueRepository, ProcessedUpdateRepository
from storage.delivery import CardRepository, OutboxRepository
from storage.digests import DigestRepository
from storage.listing import ListingRepository
from storage.people import PeopleRepository
from storage.platform import PlatformRepository
from storage.search import TicketSearch
from storage.tables import escalation_messages
from storage.tickets import EventRepository, EvidenceRepository, TicketRepository
from storage.tokens import TokenRepository
from storage.topics import TopicRepository
from storage.webauth import SignInRepository


class Transaction:
    """The repositories over one connection inside one transaction.

    Bodies are plain functions of a Transaction: they run to completion without awaiting, so
    a transaction never stays open across unrelated work, and `Database` decides where it
    runs (a dedicated SQLite thread, or a greenlet over asyncpg).
    """

    def __init__(self, connection: Connection, *, skip_locked: bool) -> None:
        self.connection = connection
        #: Whether row claims can use FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises).
        self.skip_locked = skip_locked
        self.tickets = TicketRepository(connection)
        self.events = EventRepository(connection)
        self.evidence = EvidenceRepository(connection)
        self.listing = ListingRepository(connection)
        self.outbox = OutboxRepository(connection)
        self.cards = CardRepository(connection)
        self.escalations = CardRepository(connection, escalation_messages)
        self.people = PeopleRepository(connection)
        self.dialogues = DialogueRepository(connection)
        self.processed = ProcessedUpdateRepository(connection)
        self.topics = TopicRepository(connection)
        self.search = TicketSearch(connection)
        self.platform = PlatformRepository(connection)
        self.tokens = TokenRepository(connection)
        self.signins = SignInRepository(connection)
        self.digests = DigestRepository(connection)
