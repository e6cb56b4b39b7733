"""Placeholder photos for demo providers: small SVGs with the provider's initials.

The files live in ``web/static/demo/`` and are committed; regenerate them after changing
the demo providers with ``python -m demo web/static/demo``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from demo.model import ProviderSpec

STATIC_PREFIX: Final = "/static/demo/"

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
    return f"{slug}-{index}.svg"


def photo_paths(spec: ProviderSpec) -> list[str]:
    """The URLs stored in ``providers.photos``."""
    return [STATIC_PREFIX + photo_file(spec.slug, i) for i in range(1, spec.photos + 1)]


def initials(name: str) -> str:
    """Two letters for a business name: 'Studio Nour Rabat' gives 'SN'."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _SKIP]
    letters = "".join(w[0] for w in words if w[0].isalnum())[:2]
    return letters.upper() or "?"


def render_svg(spec: ProviderSpec, index: int) -> str:
    """One placeholder: a gradient, an eight-pointed star, the initials and the name."""
    dark, light = PALETTE[spec.categories[0]]
    angle = 22 + 15 * index  # each photo of a provider turns the star a little
    label = escape(spec.name.fr)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600" width="800"'
        f' height="600" role="img" aria-label="{label}">\n'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="{index % 2}" y2="1">'
        f'<stop offset="0" stop-color="{dark}"/><stop offset="1" stop-color="{light}"/>'
        "</linearGradient></defs>\n"
        '<rect width="800" height="600" fill="url(#g)"/>\n'
        f'<g transform="translate(400 270) rotate({angle})" fill="none" stroke="#fff"'
        ' stroke-opacity="0.35" stroke-width="6">'
        '<rect x="-150" y="-150" width="300" height="300"/>'
        '<rect x="-150" y="-150" width="300" height="300" transform="rotate(45)"/></g>\n'
        '<text x="400" y="305" text-anchor="middle" font-family="Georgia, serif"'
        f' font-size="120" fill="#fff">{escape(initials(spec.name.fr))}</text>\n'
        '<text x="400" y="540" text-anchor="middle" font-family="Helvetica, Arial,'
        f' sans-serif" font-size="34" fill="#fff">{label}</text>\n'
        "</svg>\n"
    )


def write_images(folder: Path, providers: tuple[ProviderSpec, ...]) -> int:
    """Write every provider's placeholders into ``folder``; returns how many files."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for spec in providers:
        for index in range(1, spec.photos + 1):
            (folder / photo_file(spec.slug, index)).write_text(
                render_svg(spec, index), encoding="utf-8"
            )
            count += 1
    return count
