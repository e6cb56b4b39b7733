"""Numbers a provider types in the services editor: prices in MAD, percentages, counts,
durations ("2h30", "90 min", "3 jours"), and
guest ranges ("50-300", "de 50 à 300"). Each parser returns None for what it can't read;
bounds are core's business (core/catalog/service_rules.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from dialogs.nlu.normalize import normalize, words
from dialogs.nlu.quantities import CURRENCY_RE, alternation

HOUR_WORDS: Final = words("h, hr, hrs, hour, hours, heure, heures, ساعة, ساعات, sa3a")
MINUTE_WORDS: Final = words("m, min, mins, mn, minute, minutes, دقيقة, دقائق, د")
DAY_WORDS: Final = words("d, j, day, days, jour, jours, يوم, أيام, ايام, nhar, iyam")
WEEK_WORDS: Final = words(
    "w, week, weeks, semaine, semaines, أسبوع, اسبوع, أسابيع, سيمانة, سيمانات, simana, simanat"
)
# Said without a number: "une semaine", "سيمانة", "يومين" (Arabic's dual: two days).
COUNTED_WORDS: Final = {
    **dict.fromkeys(words("a, an, one, un, une, واحد, واحدة"), 1),
    **dict.fromkeys(words("two, deux, جوج, زوج, joj, zouj"), 2),
}
DUALS: Final = {
    **dict.fromkeys(words("يومين, يومان, نهارين"), 2 * 24 * 60),
    **dict.fromkeys(words("ساعتين, ساعتان"), 2 * 60),
    **dict.fromkeys(words("أسبوعين, اسبوعين, سيمانتين"), 14 * 24 * 60),
}

_AMOUNT: Final = re.compile(r"^(?P<int>\d{1,3}(?:[ .,]\d{3})+|\d+)(?:[.,](?P<frac>\d{1,2}))?$")
_CURRENCY: Final = re.compile(rf"\s*{CURRENCY_RE}\s*")
# On normalized text: "بالمئة" is "بالميه" there.
_PERCENT: Final = re.compile(r"^(?P<n>\d{1,3})\s*(?:%|pct|pourcent|percent|بالميه|في الميه)?$")
_COUNT: Final = re.compile(r"^(?P<n>\d{1,6})$")
_HOURS_MINUTES: Final = re.compile(r"^(?P<h>\d{1,2})\s*h\s*(?P<m>\d{1,2})$")
_UNITS: Final = alternation(list(HOUR_WORDS + MINUTE_WORDS + DAY_WORDS + WEEK_WORDS))
_QUANTITY: Final = re.compile(rf"^(?P<n>\d{{1,5}}(?:[.,]\d{{1,2}})?)\s*(?P<unit>{_UNITS})?$")
_COUNTED: Final = re.compile(
    rf"^(?:(?P<n>{alternation(list(COUNTED_WORDS))})\s+)?(?P<unit>{_UNITS})$"
)
_RANGE: Final = re.compile(r"(?<!\d)(\d{1,6})(?!\d)")

MINUTES_PER: Final = {
    **dict.fromkeys((normalize(w) for w in HOUR_WORDS), 60),
    **dict.fromkeys((normalize(w) for w in MINUTE_WORDS), 1),
    **dict.fromkeys((normalize(w) for w in DAY_WORDS), 24 * 60),
    **dict.fromkeys((normalize(w) for w in WEEK_WORDS), 7 * 24 * 60),
}
_COUNTS: Final = {normalize(w): n for w, n in COUNTED_WORDS.items()}
_DUALS: Final = {normalize(w): n for w, n in DUALS.items()}


def price_minor(text: str) -> int | None:
    """ "2500", "2 500 dh", "1.500,50 MAD" -> centimes; None if it is not an amount."""
    cleaned = _CURRENCY.sub("", normalize(text)).strip()
    match = _AMOUNT.match(cleaned)
    if match is None:
        return None
    whole = re.sub(r"[ .,]", "", match.group("int"))
    return int(Decimal(f"{whole}.{match.group('frac') or '0'}") * 100)


# Shares said in words: "la moitié", "النص" (Darija: half), "الربع"...
SHARE_WORDS: Final = {
    **dict.fromkeys(words("half, la moitié, moitié, النصف, نصف, النص, نص, nos, nass, ness"), 50),
    **dict.fromkeys(words("a quarter, quarter, le quart, quart, الربع, ربع, rbo3, rob3"), 25),
    **dict.fromkeys(words("a third, third, le tiers, tiers, الثلث, ثلث, tolt, tlot"), 33),
}
_SHARES: Final = {normalize(w): n for w, n in SHARE_WORDS.items()}


def percent(text: str) -> int | None:
    folded = normalize(text)
    match = _PERCENT.match(folded)
    return int(match.group("n")) if match else _SHARES.get(folded)


def count(text: str) -> int | None:
    match = _COUNT.match(normalize(text).rstrip("."))
    return int(match.group("n")) if match else None


def minutes(text: str, *, unit_minutes: int) -> int | None:
    """A duration in minutes; a bare number counts in ``unit_minutes`` (60: hours)."""
    cleaned = normalize(text)
    both = _HOURS_MINUTES.match(cleaned)
    if both:
        return int(both.group("h")) * 60 + int(both.group("m"))
    if cleaned in _DUALS:
        return _DUALS[cleaned]
    counted = _COUNTED.match(cleaned)
    if counted is not None and len(counted.group("unit")) > 1:  # "j" alone is no duration
        return _COUNTS.get(counted.group("n") or "", 1) * MINUTES_PER[counted.group("unit")]
    match = _QUANTITY.match(cleaned)
    if match is None:
        return None
    per = MINUTES_PER[match.group("unit")] if match.group("unit") else unit_minutes
    return round(Decimal(match.group("n").replace(",", ".")) * per)


def guest_range(text: str) -> tuple[int | None, int | None] | None:
    """ "50-300" -> (50, 300); "300" -> (None, 300): one number is the most it takes."""
    numbers = [int(n) for n in _RANGE.findall(normalize(text))]
    if len(numbers) == 1:
        return None, numbers[0]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    return None
