"""Typed domain errors carrying a translatable message key.

The key names a msgid in the dialogs' catalogs (``errors.<key>``); ``params`` fill its
placeholders. Channels translate; core never builds user-facing text.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken by the caller's input."""

    key: str = "domain_error"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        detail = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        super().__init__(f"{self.key}({detail})" if detail else self.key)


class InvalidValue(DomainError):
    key = "invalid_value"


class NotFound(DomainError):
    key = "not_found"


class NotAllowed(DomainError):
    key = "not_allowed"


class IllegalTransition(DomainError):
    key = "illegal_transition"


class SlotUnavailable(DomainError):
    key = "slot_unavailable"


class AlreadyProcessed(DomainError):
    key = "already_processed"
