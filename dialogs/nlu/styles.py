"""Kinds within a category that clients ask for by name: a band is not just a band.

"dakka marrakchia" (the drums and horns of Marrakech), "issawa" (the Aissawa brotherhood's
chants), "gnawa", "andalou" (the Andalusian nubas of Fez and Tetouan), "chaabi" (the
popular wedding orchestra) and the Amazigh ahwach are different music: someone asking for
one does not want another (issue 14). Services carry the kind as ``services.style``; the
codes are the keys below.
"""

from __future__ import annotations

from typing import Final

from dialogs.i18n.translator import N_
from dialogs.nlu.normalize import TermMatcher, words

BAND_STYLES: Final[dict[str, tuple[str, ...]]] = {
    "dakka": words(
        "dakka, daqqa, dakka marrakchia, dekka, deqqa, dqa, الدقة, دقة, الدقة المراكشية,دقة مراكشية"
    ),
    "issawa": words("issawa, aissawa, aïssawa, 3issawa, 3isawa, isawa, عيساوة, العيساوية"),
    "gnawa": words("gnawa, gnaoua, gnaoui, gnawi, kenawa, كناوة, گناوة, الكناوي, قناوة"),
    "andalou": words(
        "andalou, andalouse, andalous, andalusian, musique andalouse, gharnati, ala andaloussia,"
        "طرب أندلسي, الطرب الأندلسي, الآلة, أندلسي, الغرناطي"
    ),
    "chaabi": words("chaabi, chaâbi, cha3bi, chaabi orchestra, orchestre chaabi, شعبي, الشعبي"),
    "amazigh": words(
        "amazigh, amazighe, tamazight, ahwach, ahouach, ahidous, ahidouss, أحواش, أحيدوس,"
        "أمازيغي, امازيغي"
    ),
}
STYLES: Final[dict[str, dict[str, tuple[str, ...]]]] = {"band": BAND_STYLES}
STYLE_LABELS: Final[dict[str, str]] = {
    "dakka": N_("Dakka marrakchia"),
    "issawa": N_("Aissawa"),
    "gnawa": N_("Gnawa"),
    "andalou": N_("Andalusian music"),
    "chaabi": N_("Chaabi"),
    "amazigh": N_("Amazigh (ahwach)"),
}
_MATCHERS: Final = {
    category: TermMatcher(table, inflect=False) for category, table in STYLES.items()
}
# The category a style names on its own ("gnawa pour mon mariage" is a band).
CATEGORY_OF_STYLE: Final = {style: cat for cat, table in STYLES.items() for style in table}


def style_of(norm: str, category: str | None) -> str | None:
    """The kind of ``category`` that normalised text names, if that category has kinds."""
    matcher = _MATCHERS.get(category or "band")
    return matcher.first(norm) if matcher else None
