"""The NLU contract: intents, the parse result and the parser protocol."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Intent(StrEnum):
    """What the client wants from a free-text message."""

    SEARCH = "search"  # find or book a provider
    MY_BOOKINGS = "my_bookings"
    CANCEL = "cancel"
    HELP = "help"
    SUPPORT = "support"
    GREETING = "greeting"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NluResult:
    """Intent and search slots understood from one message."""

    intent: Intent
    confidence: float
    category: str | None = None  # one of core.catalog.vocabulary.CATEGORIES
    city: str | None = None  # one of core.catalog.vocabulary.CITIES
    date: datetime.date | None = None
    guests: int | None = None
    budget_minor: int | None = None  # MAD in centimes: "5000 dh" -> 500000
    language: str | None = None  # 'ar' | 'fr' | 'en' when the text makes it clear
    event_type: str | None = None  # one of core.catalog.vocabulary.EVENT_TYPES: "mon mariage"
    style: str | None = None  # a kind within the category (dialogs.nlu.styles): "dakka"


class NluParser(Protocol):
    """Anything that turns a client message into an NluResult."""

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        """Understand `text`, resolving relative dates against `today`."""
        ...
