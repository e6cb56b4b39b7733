"""Which photo files a chat platform shows as photos (issue 19); photos people send us.

Telegram takes JPEG, PNG and WEBP as a photo; WhatsApp (through Twilio) JPEG and PNG.
An SVG, say, is refused by both, and a refused photo must not take its message's text
down: photos in another format are left out before sending, and a refusal that still
comes (a file too big, a broken image) is logged while the text goes alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

TELEGRAM_PHOTOS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
WHATSAPP_PHOTOS = frozenset({".jpg", ".jpeg", ".png"})


def shown_as_photo(url: str, formats: frozenset[str]) -> bool:
    """False for a file whose name says it is in a format the platform refuses; a name
    without a suffix (a signed media link) says nothing, so it is tried."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return not suffix or suffix in formats


@dataclass(frozen=True, slots=True)
class Fetched:
    """A picture a person sent us, as a channel fetched it, or why there is none."""

    photo: bytes | None = None
    attachment: str | None = None  # dialogs.framework.flow.ATTACHMENT_*
