"""What a provider's photo must be before we keep it, and what we keep of it (Pillow).

A photo arrives as bytes from a chat. Pillow reads only its header to learn the format
and size, so a "decompression bomb" is refused before it is decoded. What we keep is
re-encoded as JPEG: every channel shows JPEG (WhatsApp takes no WebP), and re-encoding
drops the EXIF block, which often holds the place the picture was taken.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidValue

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PHOTO_BYTES = 5 * 1024 * 1024  # WhatsApp's own limit for an image
MIN_SIDE = 320  # smaller looks blurred on a phone's profile page
MAX_PIXELS = 40_000_000  # a big camera's picture; anything larger is not a photo to show
KEPT_SIDE = 2048  # the longest side of what we keep
THUMB_SIZE = (400, 300)  # the site's directory cards (web/templates/_card.html)
JPEG_QUALITY = 85


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    format: str
    width: int
    height: int


def check_photo(data: bytes) -> CheckedPhoto:
    """The photo's format and size; InvalidValue (with the reason's key) if we refuse it."""
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidValue("photo_too_big", max_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            # Pillow warns of a big picture; our own limit, lower, says so to the sender.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                found, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError as exc:  # past twice Pillow's limit: refused at once
        raise InvalidValue("photo_too_many_pixels") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidValue("photo_unreadable") from exc
    if found not in ACCEPTED_FORMATS:
        raise InvalidValue("photo_format")
    if width * height > MAX_PIXELS:
        raise InvalidValue("photo_too_many_pixels")
    if min(width, height) < MIN_SIDE:
        raise InvalidValue("photo_too_small", min=MIN_SIDE)
    return CheckedPhoto(found, width, height)


def as_kept(data: bytes) -> tuple[bytes, bytes]:
    """The photo to keep and its thumbnail, both JPEG, upright; InvalidValue if the file
    is broken past its header."""
    check_photo(data)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError) as exc:  # truncated or corrupt pixel data
        raise InvalidValue("photo_unreadable") from exc
    kept = image.copy()
    kept.thumbnail((KEPT_SIDE, KEPT_SIDE))
    thumb = ImageOps.fit(image, THUMB_SIZE)  # cropped to the cards' shape: they line up
    return _jpeg(kept), _jpeg(thumb)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
