"""Placeholder photos for demo providers: small JPEGs with the provider's initials.

JPEG because that is what Telegram and WhatsApp take as a photo (they refuse SVG), and
small (480×360, about 8 kB) because they are committed: they live in ``web/static/demo/``;
regenerate them after changing the demo providers with ``python -m demo web/static/demo``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from demo.model import ProviderSpec

STATIC_PREFIX: Final = "/static/demo/"
WIDTH, HEIGHT = 480, 360

# Background colours per category: (dark, light).
PALETTE: Final[dict[str, tuple[str, str]]] = {
    "photographer": ("#1f4e79", "#5b8cc2"),
    "videographer": ("#3b2f63", "#7a68b3"),
    "caterer": ("#8a3b12", "#d4834a"),
    "venue": ("#6b4f1d", "#c9a25a"),
    "dj": ("#14213d", "#4d6bb3"),
    "band": ("#7a1f3d", "#c4587d"),
    "negafa": ("#9c2f5b", "#e08fb0"),
    "decorator": ("#2d6a4f", "#74c69d"),
    "florist": ("#b5446e", "#f2a7c3"),
    "pastry": ("#c06c2b", "#f4c28d"),
}

_SKIP: Final = frozenset({"de", "du", "des", "la", "le", "les", "et", "al", "el", "d'or"})


def photo_file(slug: str, index: int) -> str:
    """The file name of a provider's ``index``-th photo (1-based)."""
    return f"{slug}-{index}.jpg"


def photo_paths(spec: ProviderSpec) -> list[str]:
    """The URLs stored in ``providers.photos``."""
    return [STATIC_PREFIX + photo_file(spec.slug, i) for i in range(1, spec.photos + 1)]


def initials(name: str) -> str:
    """Two letters for a business name: 'Studio Nour Rabat' gives 'SN'."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _SKIP]
    letters = "".join(w[0] for w in words if w[0].isalnum())[:2]
    return letters.upper() or "?"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def render_jpeg(spec: ProviderSpec, index: int) -> bytes:
    """One placeholder: a gradient, an eight-pointed star, the initials and the name."""
    dark, light = (_rgb(c) for c in PALETTE[spec.categories[0]])
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        f = y / (HEIGHT - 1)
        row = tuple(round(lo + (hi - lo) * f) for lo, hi in zip(dark, light, strict=True))
        draw.line([(0, y), (WIDTH, y)], fill=row)
    star = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    pen = ImageDraw.Draw(star)
    cx, cy, r = WIDTH / 2, HEIGHT * 0.45, HEIGHT / 3
    for turn in (0, 45):  # each photo of a provider turns the star a little
        angle = math.radians(22 + 15 * index + turn)
        corners = [
            (cx + r * math.cos(angle + k * math.pi / 2), cy + r * math.sin(angle + k * math.pi / 2))
            for k in range(4)
        ]
        pen.polygon(corners, outline=(255, 255, 255, 90), width=5)
    image = Image.alpha_composite(image.convert("RGBA"), star).convert("RGB")
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.load_default(size=84), ImageFont.load_default(size=24)
    draw.text((cx, cy), initials(spec.name.fr), font=big, fill="white", anchor="mm")
    draw.text((cx, HEIGHT - 40), spec.name.fr, font=small, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60, optimize=True)
    return out.getvalue()


def write_images(folder: Path, providers: tuple[ProviderSpec, ...]) -> int:
    """Write every provider's placeholders into ``folder``; returns how many files."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for spec in providers:
        for index in range(1, spec.photos + 1):
            (folder / photo_file(spec.slug, index)).write_bytes(render_jpeg(spec, index))
            count += 1
    return count
