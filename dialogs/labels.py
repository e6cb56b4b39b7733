"""Translatable labels for the catalog's codes (categories, cities, event types)."""

from __future__ import annotations

from core.catalog.labels import CATEGORY_LABELS, CITY_LABELS, EVENT_LABELS
from dialogs.i18n.translator import Translator
from dialogs.nlu.styles import STYLE_LABELS

LANGUAGE_NAMES: dict[str, str] = {"ar": "العربية", "fr": "Français", "en": "English"}


def category(code: str, t: Translator) -> str:
    return t(CATEGORY_LABELS.get(code, code))


def city(code: str, t: Translator) -> str:
    return t(CITY_LABELS.get(code, code))


def event(code: str, t: Translator) -> str:
    return t(EVENT_LABELS.get(code, code))


def style(code: str, t: Translator) -> str:
    """A kind within a category ("Dakka marrakchia"): dialogs/nlu/styles.py."""
    return t(STYLE_LABELS.get(code, code))


def notice_text(hours: int, t: Translator) -> str:
    """A service's notice, "24 hours", "3 days": whole days from two on, as a provider says
    them (the service editor, the site's page, a date asked too soon)."""
    if hours >= 48 and hours % 24 == 0:
        return t.plural("{n} day", "{n} days", hours // 24)
    return t.plural("{n} hour", "{n} hours", hours)


def shortened(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with "…" (issue 19)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-·") + "…"
