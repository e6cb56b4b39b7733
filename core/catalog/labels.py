"""English names of the catalog's codes, marked for translation.

Core keeps only the msgids (no translation happens here); dialogs and payments translate
them with the catalogs. ``N_`` marks them for extraction.
"""

from __future__ import annotations


def N_(msgid: str) -> str:
    """Marks a string for extraction; translated where it is shown."""
    return msgid


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
