"""The built-in, dependency-light NLU: regex lexicon + dateparser, no model to train."""

from __future__ import annotations

import datetime
import functools
import re
from typing import Final

from dialogs.nlu.dates import DateExtractor
from dialogs.nlu.events import event_of
from dialogs.nlu.intents import IntentMatcher
from dialogs.nlu.lexicon import (
    CATEGORY_SYNONYMS,
    CITY_SYNONYMS,
    LANGUAGE_MARKERS,
    SPOKEN_LANGUAGE_SYNONYMS,
)
from dialogs.nlu.model import Intent, NluResult
from dialogs.nlu.normalize import TermMatcher, detect_script, normalize
from dialogs.nlu.quantities import (
    extract_budget_minor,
    extract_guests,
    parse_budget_value,
    parse_guests_value,
)
from dialogs.nlu.styles import CATEGORY_OF_STYLE, style_of

__all__ = ["BuiltinParser", "parse_budget_value", "parse_guests_value"]

_WORD: Final = re.compile(r"[a-z0-9]+")


class Lexicon:
    """Category, city and spoken-language matchers, compiled once."""

    def __init__(self) -> None:
        self.categories = TermMatcher(CATEGORY_SYNONYMS, inflect=True)
        self.cities = TermMatcher(CITY_SYNONYMS, inflect=False)
        self.languages = TermMatcher(SPOKEN_LANGUAGE_SYNONYMS, inflect=False)

    def category(self, text: str) -> str | None:
        """The first category named in normalised text."""
        return self.categories.first(text)

    def city(self, text: str) -> str | None:
        """The first city named in normalised text."""
        return self.cities.first(text)


@functools.cache
def shared_lexicon() -> Lexicon:
    """One lexicon for the screens that read a city, a category or a language typed by a
    provider (the parser keeps its own)."""
    return Lexicon()


def detect_language(text: str) -> str | None:
    """'ar', 'fr' or 'en' for normalised text when clear; None for Latin Darija or noise."""
    script = detect_script(text)
    if script != "latin":
        return script
    words = _WORD.findall(text)
    scores = {lang: sum(w in markers for w in words) for lang, markers in LANGUAGE_MARKERS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    # Latin-script Darija has no reliable reply language: leave the choice to the locale.
    return None if best == "darija" else best


class BuiltinParser:
    """Rule-based NluParser for ar/fr/en/Darija; patterns are compiled per instance."""

    def __init__(self, *, warm_up: bool = True) -> None:
        self.lexicon = Lexicon()
        self.intents = IntentMatcher()
        self.dates = DateExtractor()
        if warm_up:
            self.dates.warm_up()

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        """Understand one client message (see `parse_sync`)."""
        return self.parse_sync(text, today=today, locale=locale)

    def parse_sync(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        """Understand one client message; `locale` is only a hint, never an error."""
        norm = normalize(text) if isinstance(text, str) else ""
        if not norm:
            return NluResult(intent=Intent.UNKNOWN, confidence=0.0)
        category = self.lexicon.category(norm)
        style = style_of(norm, category)
        if category is None and style is not None:  # "musique andalouse" is a band
            category = CATEGORY_OF_STYLE[style]
        city = self.lexicon.city(norm)
        date = self.dates.extract(norm, today)
        guests = extract_guests(norm)
        budget = extract_budget_minor(norm)
        has_slots = any(v is not None for v in (category, city, date, guests, budget))
        intent, confidence = self.intents.classify(norm, has_slots=has_slots)
        return NluResult(
            intent=intent,
            confidence=confidence,
            category=category,
            city=city,
            date=date,
            guests=guests,
            budget_minor=budget,
            language=detect_language(norm),
            event_type=event_of(norm),
            style=style,
        )

    def category_code(self, raw: str) -> str | None:
        """Map an entity value (any language, any spelling, or a code) to a category code."""
        return self.lexicon.category(normalize(raw))

    def city_code(self, raw: str) -> str | None:
        """Map an entity value (any language, any spelling, or a code) to a city code."""
        return self.lexicon.city(normalize(raw))

    def date_value(self, raw: str, *, today: datetime.date) -> datetime.date | None:
        """Resolve an entity value such as "samedi prochain" or "2026-06-14" to a date."""
        try:
            return datetime.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            pass
        return self.dates.extract(normalize(raw), today)

    @staticmethod
    def guests_value(raw: str) -> int | None:
        """Guest count from an entity value."""
        return parse_guests_value(raw)

    @staticmethod
    def budget_value(raw: str) -> int | None:
        """Budget in MAD centimes from an entity value."""
        return parse_budget_value(raw)
