"""The fixed vocabularies of the marketplace: categories, cities, event types, languages.

Codes are stable identifiers stored in the database and used in buttons and deep links;
labels live in the translation catalogs, never here.
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

CATEGORIES: Final[tuple[str, ...]] = (
    "photographer",
    "videographer",
    "caterer",
    "venue",
    "dj",
    "band",
    "negafa",
    "decorator",
    "florist",
    "pastry",
)

CITIES: Final[tuple[str, ...]] = (
    "casablanca",
    "rabat",
    "marrakech",
    "fes",
    "tanger",
    "agadir",
    "meknes",
    "oujda",
    "kenitra",
    "tetouan",
    "el_jadida",
)

EVENT_TYPES: Final[tuple[str, ...]] = (
    "wedding",
    "engagement",
    "henna",
    "birthday",
    "aqiqa",
    "graduation",
    "corporate",
    "other",
)

LANGUAGES: Final[tuple[str, ...]] = ("ar", "fr", "en")

DEFAULT_CURRENCY: Final = "MAD"
MARKET_TIMEZONE: Final = "Africa/Casablanca"
MARKET_TZ: Final = ZoneInfo(MARKET_TIMEZONE)


def is_category(code: str) -> bool:
    return code in CATEGORIES


def is_city(code: str) -> bool:
    return code in CITIES
