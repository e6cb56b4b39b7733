"""Which language a page is shown in: the address says it, else the visitor's choice
(a cookie set by every page with a language in its address), else ``Accept-Language``."""

from __future__ import annotations

from core.catalog.vocabulary import LANGUAGES

COOKIE = "lang"
DEFAULT = "fr"


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 weights), or None."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in LANGUAGES:
            continue
        weight = _weight(params)
        if weight <= 0:
            continue
        # Higher weight first; on a tie, the one listed first.
        candidate = (-weight, position, code)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def _weight(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    text = value.strip()
    # q is 0, 1 or 0.xxx (at most three decimals); anything else is ignored as 1.
    if text in ("0", "1") or (text[:2] in ("0.", "1.") and text[2:].isdigit() and len(text) <= 5):
        return min(float(text), 1.0)
    return 1.0


def choose(prefix: str | None, cookie: str | None, accept_language: str | None) -> str:
    for given in (prefix, cookie):
        if given is not None and given in LANGUAGES:
            return given
    return from_accept_language(accept_language) or DEFAULT
