"""Occasions typed instead of chosen: "عرس", "mariage", "khotba" name an event type.

Where options are typed (WhatsApp), people write the word they use, not our label
("حفل زفاف"): a word of one occasion, and none of another, picks it (issue 19).
"""

from __future__ import annotations

import re
from typing import Final

from dialogs.nlu.normalize import normalize, words

EVENT_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "wedding": words(
        "mariage, mariages, noce, noces, wedding, marriage, 3ors, 3ers, ors, 3ars, zwaj, zawaj,"
        "عرس, أعراس, الأعراس, العرس, زفاف, الزفاف, حفل زفاف, زواج, الزواج, عرسي"
    ),
    "engagement": words(
        "fiançailles, fiancailles, engagement, khotba, khetba, khtouba, خطوبة, الخطوبة, خطبة"
    ),
    "henna": words("henné, henne, henna, henna night, soirée henné, حنة, الحنة, حناء, الحناء"),
    "birthday": words("anniversaire, birthday, anniv, 3id milad, عيد ميلاد, عيد الميلاد, ميلاد"),
    "aqiqa": words("aqiqa, akika, 3a9i9a, sbou3, sboue, baptême, عقيقة, العقيقة, سبوع, السبوع"),
    "graduation": words("remise de diplôme, diplôme, graduation, takharroj, تخرج, التخرج"),
    "corporate": words(
        "entreprise, séminaire, seminaire, corporate, conférence, conference, company event,"
        "شركة, مؤتمر, ندوة"
    ),
}
_PATTERNS: Final = {
    code: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(normalize(w)) for w in terms) + r")(?!\w)")
    for code, terms in EVENT_SYNONYMS.items()
}


def event_of(text: str | None) -> str | None:
    """The one event type the text names, or None (none, or more than one)."""
    if not text:
        return None
    folded = normalize(text)
    found = [code for code, pattern in _PATTERNS.items() if pattern.search(folded)]
    return found[0] if len(found) == 1 else None
