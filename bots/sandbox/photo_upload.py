"""A photo the sandbox's provider pane uploads, taken as the channels take theirs.

Telegram and WhatsApp hand the provider bot the bytes they downloaded (bots/photos.py's
``Fetched``); the page hands them over HTTP instead: the file's bytes as the request's
body, its type as the Content-Type. What is not an image is "not a photo"; past the size
limit it is "too big" (the page sends at most one byte more than the limit, so the bot
can say so rather than the server refusing the body). Core checks the rest (format,
pixels) and keeps a resized JPEG and its thumbnail (Pillow), as for every channel.
"""

from __future__ import annotations

from bots.photos import Fetched
from core.catalog.photo_checks import MAX_PHOTO_BYTES
from dialogs.framework.flow import ATTACHMENT_NOT_PHOTO, ATTACHMENT_TOO_BIG

PHOTO_PATH = "/sandbox/api/photo"
# The body the route accepts: the limit and one byte, enough to know a file is past it.
PHOTO_BODY_BYTES = MAX_PHOTO_BYTES + 1
MAX_FILENAME = 80


def uploaded(content_type: str, data: bytes) -> Fetched:
    """The upload as a channel would have fetched it, or why it is no photo."""
    if not content_type.lower().startswith("image/"):
        return Fetched(attachment=ATTACHMENT_NOT_PHOTO)
    if len(data) > MAX_PHOTO_BYTES:
        return Fetched(attachment=ATTACHMENT_TOO_BIG)
    return Fetched(photo=data)


def shown_name(raw: str) -> str:
    """The file's name as the user's own bubble shows it (text only, kept short)."""
    name = "".join(c for c in raw if c.isprintable()).strip()[:MAX_FILENAME]
    return "📷 " + (name or "photo")
