"""Translatable labels for the catalog's codes (categories, cities, event types)."""

from __future__ import annotations

from dialogs.i18n.translator import N_, Translator

CATEGORY_LABELS: dict[str, str] = {
    "photographer": N_("Photographer"),
    "videographer": N_("Videographer"),
    "caterer": N_("Caterer"),
    "venue": N_("Venue"),
    "dj": N_("DJ"),
    "band": N_("Band"),
    "negafa": N_("Negafa"),
    "decorator": N_("Decorator"),
    "florist": N_("Florist"),
    "pastry": N_("Pastry"),
}

CITY_LABELS: dict[str, str] = {
    "casablanca": N_("Casablanca"),
    "rabat": N_("Rabat"),
    "marrakech": N_("Marrakech"),
    "fes": N_("Fes"),
    "tanger": N_("Tangier"),
    "agadir": N_("Agadir"),
    "meknes": N_("Meknes"),
    "oujda": N_("Oujda"),
    "kenitra": N_("Kenitra"),
    "tetouan": N_("Tetouan"),
    "el_jadida": N_("El Jadida"),
}

EVENT_LABELS: dict[str, str] = {
    "wedding": N_("Wedding"),
    "engagement": N_("Engagement"),
    "henna": N_("Henna night"),
    "birthday": N_("Birthday"),
    "aqiqa": N_("Aqiqa (naming ceremony)"),
    "graduation": N_("Graduation"),
    "corporate": N_("Corporate event"),
    "other": N_("Other event"),
}

LANGUAGE_NAMES: dict[str, str] = {"ar": "العربية", "fr": "Français", "en": "English"}


def category(code: str, t: Translator) -> str:
    return t(CATEGORY_LABELS.get(code, code))


def city(code: str, t: Translator) -> str:
    return t(CITY_LABELS.get(code, code))


def event(code: str, t: Translator) -> str:
    return t(EVENT_LABELS.get(code, code))
