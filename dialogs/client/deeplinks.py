"""Deep-link payloads shared by the marketing site, Telegram /start and WhatsApp codes.

A payload is ``__``-separated ``key-value`` segments, at most 64 characters of
``A-Za-z0-9_-`` (Telegram's rule): ``p-<provider slug>``, ``c-<category>``,
``t-<city>`` and ``s-<source>``, e.g. ``p-studio-nour-rabat__s-site``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.catalog.vocabulary import CATEGORIES, CITIES

MAX_LEN = 64
_ALLOWED = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEYS = {"p": "provider", "c": "category", "t": "city", "s": "source"}


@dataclass(frozen=True, slots=True)
class DeepLink:
    provider: str | None = None
    category: str | None = None
    city: str | None = None
    source: str | None = None

    def encode(self) -> str:
        payload = self.encode_unchecked()
        if payload and not _ALLOWED.match(payload):
            raise ValueError(f"deep link too long or not URL-safe: {payload!r}")
        return payload

    def encode_unchecked(self) -> str:
        """The payload, whatever its length (to measure before choosing what to keep)."""
        return "__".join(
            f"{key}-{value}" for key, field in _KEYS.items() if (value := getattr(self, field))
        )


def parse_deeplink(payload: str | None) -> DeepLink:
    """Read a payload; unknown keys and values outside our vocabularies are ignored."""
    if not payload or not _ALLOWED.match(payload):
        return DeepLink()
    found: dict[str, str] = {}
    for segment in payload.split("__"):
        key, _, value = segment.partition("-")
        if key in _KEYS and value and _KEYS[key] not in found:
            found[_KEYS[key]] = value
    if found.get("category") not in CATEGORIES:
        found.pop("category", None)
    if found.get("city") not in CITIES:
        found.pop("city", None)
    return DeepLink(**found)
