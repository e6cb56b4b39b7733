"""Guest counts and budgets (MAD) in normalised text."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from dialogs.nlu.normalize import normalize, trie_regex, words

GUEST_UNITS: Final = words(
    "invités, invitées, invité, invitée, personnes, personne, pers, convives, gens, guests,"
    "guest, people, persons, person, pax, attendees, adultes, ضيف, ضيوف, شخص, أشخاص, اشخاص,"
    "مدعو, مدعوين, مدعوون, فرد, أفراد, نفر, نفار, nefer, nfar, nefar, nfer, wa7ed, wahed, wahd,"
    "واحد, inviti, mda3win"
)
CURRENCIES: Final = words(
    "dh, dhs, dhm, mad, dirham, dirhams, dirhame, derham, drahem, درهم, دراهم, درهما, د.م, د م"
)
MULTIPLIERS: Final[dict[str, int]] = {
    **dict.fromkeys(words("k, mille, thousand, alf, alaf, ألف, آلاف, ألاف"), 1000),
    **dict.fromkeys(words("million, millions, مليون, mlyon, melyoun"), 1_000_000),
}
BUDGET_CUES: Final = words(
    "budget, budjet, ميزانية, الميزانية, بميزانية, max, maximum, moins de, pas plus de,"
    "jusqu'à, under, less than, below, up to, at most, no more than, لا تتجاوز, لا يتجاوز,"
    "أقل من, حد أقصى, a9al mn, aqal mn, ma ykounch ktar mn, f7dod, fhdod, في حدود, فحدود"
)

# Guest counts and budgets outside these bounds are typos or other numbers (phones, years).
MAX_GUESTS: Final = 100_000
MAX_BUDGET_MAD: Final = 100_000_000
# A budget cue followed by a small bare number is usually a date or a count, not money.
MIN_CUED_BUDGET_MAD: Final = 100

_MULTIPLIER_VALUES: Final = {normalize(k): v for k, v in MULTIPLIERS.items()}


def alternation(terms: tuple[str, ...] | list[str]) -> str:
    """Regex matching any of `terms` once normalised (a trie, longest first)."""
    return trie_regex({normalize(t) for t in terms})


UNIT_RE: Final = rf"(?:{alternation(GUEST_UNITS)})(?:s)?(?!\w)"
CURRENCY_RE: Final = rf"(?:{alternation(CURRENCIES)})(?![^\W\d])"
_MULT: Final = rf"(?:{alternation(list(MULTIPLIERS))})(?!\w)"
_NUMBER: Final = r"(?<![\w.,/:])(?P<int>\d{1,3}(?:[ .,]\d{3})+|\d+)(?:[.,](?P<frac>\d{1,2}))?(?!\d)"
_AMOUNT: Final = rf"{_NUMBER}(?:\s*(?P<mult>{_MULT}))?"
# "1,200" and "1.200" are thousands; a space is not, as "14 200 invités" is rarer than
# a day number next to a count.
_COUNT: Final = r"(?<![\w.,/:])(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,6})(?![\d]|[.,]\d)"

_GUESTS_AFTER: Final = re.compile(rf"{_COUNT}\s*(?:\+\s*)?(?:de\s+|d\s+)?{UNIT_RE}")
_GUESTS_BEFORE: Final = re.compile(
    rf"(?<!\w)(?:{alternation(GUEST_UNITS)})\s*[:=]\s*(?P<n>\d{{1,6}})(?!\d)"
)
_BUDGET_PATTERNS: Final = (
    re.compile(rf"{_AMOUNT}\s*{CURRENCY_RE}"),
    re.compile(rf"(?<!\w){CURRENCY_RE}\s*{_AMOUNT}"),
)
_CUED_BUDGET: Final = re.compile(
    rf"(?<!\w)(?:{alternation(BUDGET_CUES)})(?:\W+[^\W\d]+){{0,3}}?\W+{_AMOUNT}(?!\s*{UNIT_RE})"
)
_BARE_AMOUNT: Final = re.compile(rf"^\D{{0,12}}?{_AMOUNT}")
_BARE_COUNT: Final = re.compile(r"(?<!\d)(\d{1,6})(?!\d)")


def _guest_value(raw: str) -> int | None:
    """A guest count within bounds, else None."""
    value = int(re.sub(r"[.,]", "", raw))
    return value if 0 < value <= MAX_GUESTS else None


def extract_guests(text: str) -> int | None:
    """Number of guests in normalised text ("200 invités", "ل 300 ضيف"); largest if a range."""
    counts: list[int] = []
    for pattern in (_GUESTS_AFTER, _GUESTS_BEFORE):
        for match in pattern.finditer(text):
            value = _guest_value(match.group("n"))
            if value is not None:
                counts.append(value)
    return max(counts) if counts else None


def _amount_minor(match: re.Match[str]) -> int | None:
    """Convert an _AMOUNT match to MAD centimes, None when out of bounds."""
    digits = re.sub(r"[ .,]", "", match.group("int"))
    frac = match.group("frac") or "0"
    try:
        value = Decimal(f"{digits}.{frac}")
    except InvalidOperation:
        return None
    mult = match.group("mult")
    if mult:
        value *= _MULTIPLIER_VALUES.get(mult, 1)
    if not 0 < value <= MAX_BUDGET_MAD:
        return None
    return int((value * 100).to_integral_value())


def extract_budget_minor(text: str) -> int | None:
    """Budget ceiling in MAD centimes from normalised text; the largest amount wins."""
    amounts: list[int] = []
    for pattern in _BUDGET_PATTERNS:
        for match in pattern.finditer(text):
            minor = _amount_minor(match)
            if minor is not None:
                amounts.append(minor)
    for match in _CUED_BUDGET.finditer(text):
        minor = _amount_minor(match)
        if minor is not None and minor >= MIN_CUED_BUDGET_MAD * 100:
            amounts.append(minor)
    return max(amounts) if amounts else None


def parse_guests_value(raw: str) -> int | None:
    """Guest count from an entity value such as "200", "٢٠٠" or "200 invités"."""
    text = normalize(raw)
    found = extract_guests(text)
    if found is not None:
        return found
    match = _BARE_COUNT.search(text)
    return _guest_value(match.group(1)) if match else None


def parse_budget_value(raw: str) -> int | None:
    """Budget in centimes from an entity value such as "5000", "5 000 dh" or "30 alf"."""
    text = normalize(raw)
    found = extract_budget_minor(text)
    if found is not None:
        return found
    match = _BARE_AMOUNT.search(text)
    return _amount_minor(match) if match else None
