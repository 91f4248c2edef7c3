"""Errors of the domain: each carries a catalog key and parameters, never a sentence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A failure a user is told about in their language; `key` names the catalog text."""

    key: str = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params: Mapping[str, Any] = params
        super().__init__(self.key, dict(params))


class UsageError(DomainError):
    """A command typed in the wrong form: which token was wrong and what was expected.

    `command` selects the usage example shown with the message.
    """

    def __init__(self, command: str, problem: str, **params: Any) -> None:
        self.command = command
        super().__init__(f"problem.{problem}", command=command, **params)


class Refused(DomainError):
    """The actor may not do this, or the ticket's state does not allow it."""


class NotFound(DomainError):
    """The ticket, member or team named does not exist (for this team)."""


class Conflict(DomainError):
    """Someone else changed the ticket first; nothing was written."""

    key = "error.conflict"


class AlreadyProcessed(DomainError):
    """The update was handled before (Telegram redelivered it); its effect stands once."""

    key = "error.already_processed"
