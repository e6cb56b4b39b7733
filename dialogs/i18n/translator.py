"""Translations and locale-aware formatting of dates, numbers and prices (Babel)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from core.catalog.vocabulary import LANGUAGES
from core.money import MINOR_DIGITS

LOCALES_DIR = Path(__file__).parent / "locales"
# Babel locales for formatting: Moroccan conventions, Latin digits in all three.
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_GB"}
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate, pop directional isolate
_LEFT_TO_RIGHT = re.compile(r"[0-9A-Za-z+]")
_MARKS = dict.fromkeys((0x200E, 0x200F))  # left-to-right and right-to-left marks


def N_(msgid: str) -> str:
    """Marks a string for extraction where it is translated later."""
    return msgid


class Translator:
    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LANGUAGES else "fr"
        self._catalog = _load(self.locale)
        self._babel_name = FORMAT_LOCALES[self.locale]
        self._babel = Locale.parse(self._babel_name)
        # Read once: Babel looks it up in the locale's data at every access (~2 µs), and
        # every parameter of every message asks.
        self.rtl = self._babel.character_order == "right-to-left"

    def __call__(self, msgid: str, **params: object) -> str:
        text = self._catalog.gettext(msgid)
        return text.format(**self._isolated(params)) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(**self._isolated({"n": n, **params}))

    def isolate(self, value: str) -> str:
        """In right-to-left text, a phone number, reference, date or amount keeps its own
        order (FSI … PDI): "+212…" is not shown "…212+" (issue 19). Links stay bare, so
        that apps still see where they end."""
        if not self.rtl or value.startswith((FSI, "http://", "https://")):
            return value
        if not _LEFT_TO_RIGHT.search(value):
            return value
        # Babel's Arabic dates carry right-to-left marks that turn "20/3/2027" around.
        return f"{FSI}{value.translate(_MARKS)}{PDI}"

    def _isolated(self, params: Mapping[str, object]) -> dict[str, object]:
        if not self.rtl:
            return dict(params)
        return {
            k: self.isolate(str(v)) if isinstance(v, str | int) else v for k, v in params.items()
        }

    def join(self, items: Iterable[str], *, clauses: bool = False) -> str:
        """A list as the language writes it: "،" between items in Arabic, and "؛" between
        ``clauses`` (items that hold commas of their own), where others write ";"."""
        arabic = self.locale == "ar"
        if clauses:
            return ("؛ " if arabic else "; ").join(items)
        return ("، " if arabic else ", ").join(items)

    def decimal(self, value: float, places: int = 1) -> str:
        """A rating and the like, with the language's decimal sign (as its prices have)."""
        pattern = "0." + "0" * places if places else "0"
        return self.isolate(_decimal(self._babel_name, value, pattern))

    def date(self, value: date, fmt: str = "full") -> str:
        return self.isolate(_date(self._babel_name, value, fmt))

    def time(self, value: datetime) -> str:
        return self.isolate(format_time(value, format="short", locale=self._babel))

    def number(self, value: int) -> str:
        return self.isolate(_decimal(self._babel_name, value, None))

    def money(self, amount_minor: int, currency: str = "MAD") -> str:
        return self.isolate(_money(self._babel_name, amount_minor, currency))

    def pick(self, texts: Mapping[str, str] | None) -> str:
        """The best text of a per-locale dict (provider names, service titles)."""
        if not texts:
            return ""
        for code in (self.locale, "fr", "en", "ar"):
            if texts.get(code):
                return texts[code]
        return next(iter(texts.values()), "")


# Babel formats a price in ~16 µs, and a results screen shows several: the same amounts,
# dates and ratings come back all day, so each process keeps the last ones it formatted.
FORMATS_KEPT = 4096  # per kind (money, decimals, dates), least recently used dropped


@lru_cache(maxsize=FORMATS_KEPT, typed=True)
def _money(babel_locale: str, amount_minor: int, currency: str) -> str:
    major = Decimal(amount_minor).scaleb(-MINOR_DIGITS.get(currency, 2))
    return format_currency(major, currency, locale=babel_locale)


@lru_cache(maxsize=FORMATS_KEPT, typed=True)
def _decimal(babel_locale: str, value: float, pattern: str | None) -> str:
    return format_decimal(value, format=pattern, locale=babel_locale)


@lru_cache(maxsize=FORMATS_KEPT, typed=True)
def _date(babel_locale: str, value: date, fmt: str) -> str:
    return format_date(value, format=fmt, locale=babel_locale)


@lru_cache(maxsize=8)
def _load(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")


@lru_cache(maxsize=8)
def translator(locale: str) -> Translator:
    return Translator(locale)
