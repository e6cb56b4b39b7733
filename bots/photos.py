"""Which photo files a chat platform shows as photos (issue 19).

Telegram takes JPEG, PNG and WEBP as a photo; WhatsApp (through Twilio) JPEG and PNG.
An SVG, say, is refused by both, and a refused photo must not take its message's text
down: photos in another format are left out before sending, and a refusal that still
comes (a file too big, a broken image) is logged while the text goes alone.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

TELEGRAM_PHOTOS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
WHATSAPP_PHOTOS = frozenset({".jpg", ".jpeg", ".png"})


def shown_as_photo(url: str, formats: frozenset[str]) -> bool:
    """False for a file whose name says it is in a format the platform refuses; a name
    without a suffix (a signed media link) says nothing, so it is tried."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return not suffix or suffix in formats
