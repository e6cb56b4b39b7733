"""Pictures made on the spot with Pillow, in any format and size, for the photo tests."""

from __future__ import annotations

import io

from PIL import Image


def picture(
    fmt: str = "JPEG", size: tuple[int, int] = (800, 600), *, exif_rotated: bool = False
) -> bytes:
    """A two-coloured picture (left half red, right half blue); ``exif_rotated``: stored
    sideways with the EXIF tag saying so, as phones do."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    if exif_rotated:
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
        exif[0x8825] = {2: (34.0, 1.0, 0.0)}  # a GPS block, which we must not keep
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def huge_header_png(size: tuple[int, int] = (8000, 6000)) -> bytes:
    """A PNG of 48 million pixels that is small on disk (one bit each, all white)."""
    out = io.BytesIO()
    Image.new("1", size, 1).save(out, "PNG")
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
