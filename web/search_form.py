"""The directory's filter form: read the query string into the chat's ``SearchQuery``.

The values mean what the chat's search means by them (catalog codes, a local day that
must be free, a budget in whole dirhams, a guest count); a value the visitor got wrong
is kept out of the query and explained next to its field, in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from core.booking.availability import beyond_horizon
from core.booking.quote import MAX_GUESTS
from core.catalog.search import SearchQuery
from core.catalog.vocabulary import CATEGORIES, CITIES
from dialogs.i18n.translator import Translator

PAGE_SIZE = 12
MAX_BUDGET_MAD = 10_000_000
MAX_PAGE = 1_000
FIELDS = ("category", "city", "date", "budget", "guests")
# The form's field for each field of the query a visitor may drop (dialogs/client/relaxations).
SITE_FIELDS = {"day": "date", "budget_minor": "budget", "guests": "guests"}


@dataclass
class SearchForm:
    """The form as the visitor filled it (to show it again), the query, and the errors."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    query: SearchQuery = field(default_factory=SearchQuery)

    @property
    def filters(self) -> dict[str, str]:
        """The accepted filters, for the links to other pages of the same search."""
        return {k: v for k, v in self.values.items() if v and k not in self.errors}


def read_form(
    params: Mapping[str, str], t: Translator, *, today: date, max_days_ahead: int
) -> SearchForm:
    form = SearchForm(values={k: params.get(k, "").strip() for k in FIELDS})
    v, errors = form.values, form.errors
    category = v["category"] if v["category"] in CATEGORIES else None
    if v["category"] and category is None:
        errors["category"] = t("Please choose a category from the list.")
    city = v["city"] if v["city"] in CITIES else None
    if v["city"] and city is None:
        errors["city"] = t("Please choose a city from the list.")
    day = _day(v["date"], t, errors, today=today, max_days_ahead=max_days_ahead)
    budget = _whole(v["budget"], 1, MAX_BUDGET_MAD)
    if v["budget"] and budget is None:
        errors["budget"] = t("Please give a budget in dirhams, as a whole number.")
    guests = _whole(v["guests"], 1, MAX_GUESTS)
    if v["guests"] and guests is None:
        errors["guests"] = t("Please give a number of guests between 1 and {max}.", max=MAX_GUESTS)
    page = _whole(params.get("page", ""), 1, MAX_PAGE) or 1
    form.query = SearchQuery(
        category=category,
        city=city,
        day=day,
        budget_minor=budget * 100 if budget is not None else None,
        guests=guests,
        page=page - 1,
        page_size=PAGE_SIZE,
    )
    return form


def _day(
    text: str, t: Translator, errors: dict[str, str], *, today: date, max_days_ahead: int
) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors["date"] = t("Please give the date as YYYY-MM-DD.")
        return None
    if day < today:
        errors["date"] = t("This date has passed. Please choose a date from today on.")
        return None
    if beyond_horizon(day, today, max_days_ahead):
        errors["date"] = t(
            "This date is too far ahead: bookings open at most {max_days} days in advance. Please"
            " choose an earlier date.",
            max_days=max_days_ahead,
        )
        return None
    return day


def _whole(text: str, low: int, high: int) -> int | None:
    """A whole number within bounds, or None; no exception decides anything here."""
    digits = text.replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        return None
    value = int(digits)
    return value if low <= value <= high else None
