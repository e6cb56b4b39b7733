"""Translations and locale-aware formatting of dates, numbers and prices (Babel)."""

from __future__ import annotations

from collections.abc import Mapping
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


def N_(msgid: str) -> str:
    """Marks a string for extraction where it is translated later."""
    return msgid


class Translator:
    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LANGUAGES else "fr"
        self._catalog = _load(self.locale)
        self._babel = Locale.parse(FORMAT_LOCALES[self.locale])

    def __call__(self, msgid: str, **params: object) -> str:
        text = self._catalog.gettext(msgid)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    @property
    def rtl(self) -> bool:
        return self._babel.character_order == "right-to-left"

    def date(self, value: date, fmt: str = "full") -> str:
        return format_date(value, format=fmt, locale=self._babel)

    def time(self, value: datetime) -> str:
        return format_time(value, format="short", locale=self._babel)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self._babel)

    def money(self, amount_minor: int, currency: str = "MAD") -> str:
        major = Decimal(amount_minor).scaleb(-MINOR_DIGITS.get(currency, 2))
        return format_currency(major, currency, locale=self._babel)

    def pick(self, texts: Mapping[str, str] | None) -> str:
        """The best text of a per-locale dict (provider names, service titles)."""
        if not texts:
            return ""
        for code in (self.locale, "fr", "en", "ar"):
            if texts.get(code):
                return texts[code]
        return next(iter(texts.values()), "")


@lru_cache(maxsize=8)
def _load(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")


@lru_cache(maxsize=8)
def translator(locale: str) -> Translator:
    return Translator(locale)
