"""Provider catalog search: filter, price for the query, sort and paginate in one SELECT.

A provider is a hit when it is ``active`` and has at least one *matching service*: an
active service that passes every service filter of the query (category, guests, budget,
free on the day). The hit shows the cheapest matching service and its price for the
query; ties between services go to the lower service id.

Sort orders, each ending on the provider id so pages never overlap or skip:

- ``relevance``: Bayesian average rating, ``(rating_x100 * n + 350 * 5) // (n + 5)``
  with ``n`` reviews: a new provider starts at 3.50 stars and more reviews pull the
  score toward the provider's own rating, so 4.8 from 100 reviews outranks 5.0 from
  one. Then more reviews first, then the provider id.
- ``price``: cheapest matching price first, then the provider id.
- ``rating``: ``rating_x100`` descending, then more reviews first, then the provider id.

The day filter is an approximation of ``core.booking.availability.check_slot``; see
``core.catalog.search_filters``. The exact check runs when the booking is requested.

Languages live in the JSON list ``providers.languages``. They are matched with a LIKE
on its text for the quoted code (``%"fr"%``): the same SQL on SQLite and PostgreSQL,
exact for codes (``"f"`` matches nothing), with wildcards escaped; no JSON functions,
which differ per backend, and no new table. It is not indexable, but it only narrows
rows the other filters already found.

Speed (bench/README.md): one statement per query shape (and backend) is built once and
cached, the values travel as bind parameters; a filter is an index probe per candidate
service, or for the day's holds and blackouts a set read once per query. On PostgreSQL
a query with a day tests it on a fenced-off set of candidates
(``search_filters.candidates``), so misjudged row counts cannot pick a bad join.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, get_args

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.booking.quote import check_guests
from core.catalog.search_filters import (
    DEFAULT_GUESTS,
    Shape,
    candidates,
    matching,
    parameters,
    quoted_price,
)
from core.db.engine import LONG_READ
from core.db.tables import Provider, ProviderStatus, Service
from core.errors import InvalidValue

SortKey = Literal["relevance", "price", "rating"]

MAX_PAGE_SIZE = 50
# A broad search examines thousands of services: on SQLite it runs off the event loop.
_LONG = {LONG_READ: True}
# The prior of the relevance score: a provider without reviews counts as 3.50 stars
# backed by five reviews.
RELEVANCE_PRIOR_X100 = 350
RELEVANCE_PRIOR_WEIGHT = 5

__all__ = [
    "DEFAULT_GUESTS",
    "MAX_PAGE_SIZE",
    "ProviderHit",
    "SearchPage",
    "SearchQuery",
    "SortKey",
    "search_providers",
]


@dataclass(frozen=True)
class SearchQuery:
    """What the client asked for; ``None`` means "any". Codes are catalog codes."""

    category: str | None = None
    city: str | None = None
    day: date | None = None
    budget_minor: int | None = None
    guests: int | None = None
    language: str | None = None
    style: str | None = None  # a kind within the category ("dakka"): services.style
    sort: SortKey = "relevance"
    page: int = 0
    page_size: int = 5

    def __post_init__(self) -> None:
        if self.sort not in get_args(SortKey):
            raise InvalidValue("unknown_sort", sort=self.sort)
        if self.page < 0:
            raise InvalidValue("page_out_of_range", page=self.page)
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidValue("page_size_out_of_range", page_size=self.page_size)
        if self.guests is not None:
            check_guests(self.guests)
        if self.budget_minor is not None and self.budget_minor < 0:
            raise InvalidValue("budget_out_of_range", budget=self.budget_minor)


@dataclass(frozen=True)
class ProviderHit:
    """One provider on a result page, with its cheapest matching service."""

    provider_id: int
    slug: str
    name: dict[str, str]
    rating_x100: int
    rating_count: int
    from_price_minor: int
    currency: str
    service_id: int
    # How the shown service is priced, so a list can say "700 MAD per hour" rather than
    # a total for a length or a guest count the client never gave (issue 14).
    pricing_model: str
    unit_price_minor: int


@dataclass(frozen=True)
class SearchPage:
    """One page of hits, and how many hits there are on all pages."""

    hits: list[ProviderHit]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 0


async def search_providers(
    session: AsyncSession, query: SearchQuery, *, now: datetime
) -> SearchPage:
    """One page of the providers matching ``query``, and how many match in all."""
    if now.tzinfo is None:
        raise InvalidValue("naive_datetime")
    shape = _QueryShape(
        Shape(
            category=query.category is not None,
            city=query.city is not None,
            guests=query.guests is not None,
            budget=query.budget_minor is not None,
            day=query.day is not None,
            style=query.style is not None,
        ),
        language=query.language is not None,
        sort=query.sort,
    )
    # PostgreSQL's plans need the day's tests fenced off (search_filters.candidates).
    fence = session.get_bind().dialect.name == "postgresql"
    page_stmt, count_stmt = _statements(shape, fence)
    params = parameters(
        category=query.category,
        city=query.city,
        guests=query.guests,
        budget_minor=query.budget_minor,
        day=query.day,
        now=now,
        style=query.style,
    )
    params |= {
        "language": _like_token(query.language),
        "limit": query.page_size,
        "offset": query.page * query.page_size,
    }
    rows = (await session.execute(page_stmt, params, execution_options=_LONG)).all()
    if rows:
        total = int(rows[0].total)
    elif query.page > 0:
        # Past the last page the window count has no row to ride on: count on its own.
        total = int(await session.scalar(count_stmt, params, execution_options=_LONG) or 0)
    else:
        total = 0
    hits = [
        ProviderHit(
            provider_id=r.id,
            slug=r.slug,
            name={str(k): str(v) for k, v in r.name.items()},
            rating_x100=r.rating_x100,
            rating_count=r.rating_count,
            from_price_minor=int(r.price),
            currency=r.currency,
            service_id=r.service_id,
            pricing_model=r.pricing_model,
            unit_price_minor=int(r.price_minor),
        )
        for r in rows
    ]
    return SearchPage(hits=hits, total=total, page=query.page, page_size=query.page_size)


@dataclass(frozen=True)
class _QueryShape:
    services: Shape
    language: bool
    sort: SortKey


@cache  # at most 2**7 filter combinations * 3 sorts * 2; built on first use, never at import
def _statements(shape: _QueryShape, fence: bool) -> tuple[Select[Any], Select[Any]]:
    """The page statement and the stand-alone count for one query shape.

    Three steps in one statement, so the costly parts run on as few rows as possible:
    1. ``cheapest``: matching services joined to their active providers, grouped per
       provider with the lowest price and the sort keys. One flat join of base tables
       on the primary key: PostgreSQL, which underestimates the filtered services badly,
       then never joins two derived relations by a nested loop over a materialised
       side (a plan that took seconds), and SQLite runs it as fast as any shape tried.
       With a day on PostgreSQL, the services are the fenced candidates instead
       (``candidates``), already joined to the city and the provider's filters;
    2. ``page``: those rows counted, sorted and cut to one page;
    3. for the page's few rows only: name, slug, and which service gave the price
       (the lowest id on a tie).
    """
    provider_ok: list[ColumnElement[bool]] = [Provider.status == ProviderStatus.ACTIVE.value]
    if shape.language:
        # The JSON list is text on both backends (json.dumps: '["fr", "ar"]'): the
        # quoted code is a portable, exact token test without json_each / jsonb.
        languages = cast(Provider.languages, Text)
        provider_ok.append(languages.like(bindparam("language", type_=Text), escape="/"))
    svc, conditions = candidates(shape.services, provider_ok, fence=fence)
    lowest = func.min(quoted_price(svc))
    cheapest = (
        select(
            Provider.id,
            Provider.rating_x100,
            Provider.rating_count,
            relevance_x100().label("relevance"),
            lowest.label("price"),
        )
        .select_from(svc)
        .join(Provider, Provider.id == svc.provider_id)
        .where(*conditions)
        .group_by(Provider.id)  # the other provider columns depend on it (primary key)
        .having(lowest.is_not(None))  # unpriceable services (bad data) cannot be booked
        .subquery("cheapest")
    )
    page = (
        select(cheapest, func.count().over().label("total"))
        .order_by(*_order(shape.sort, cheapest.c))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    candidate = aliased(Service, name="candidate")
    chosen_id = (
        select(func.min(candidate.id))
        .where(
            candidate.provider_id == page.c.id,
            quoted_price(candidate) == page.c.price,
            # No city test: the provider on the page is in the city.
            *matching(candidate, replace(shape.services, city=False)),
        )
        .correlate(page)
        .scalar_subquery()
    )
    chosen = aliased(Service, name="chosen")
    page_stmt = (
        select(
            page,
            Provider.slug,
            Provider.name,
            chosen.id.label("service_id"),
            chosen.currency,
            chosen.pricing_model,
            chosen.price_minor,
        )
        .join(Provider, Provider.id == page.c.id)
        .join(chosen, chosen.id == chosen_id)
        .order_by(*_order(shape.sort, page.c))
    )
    count_stmt = select(func.count()).select_from(cheapest)
    return page_stmt, count_stmt


def _like_token(language: str | None) -> str | None:
    """LIKE pattern for a quoted code in the JSON text, wildcards in it escaped."""
    if language is None:
        return None
    escaped = language.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f'%"{escaped}"%'


def _order(sort: SortKey, cols: Any) -> tuple[ColumnElement[Any], ...]:
    """The sort keys on the columns of ``cheapest`` or ``page`` (the same names)."""
    if sort == "price":
        return (cols.price.asc(), cols.id.asc())
    if sort == "rating":
        return (cols.rating_x100.desc(), cols.rating_count.desc(), cols.id.asc())
    return (cols.relevance.desc(), cols.rating_count.desc(), cols.id.asc())


def relevance_x100() -> ColumnElement[int]:
    """The relevance score in hundredths of a star (integer arithmetic, same on both)."""
    count = cast(Provider.rating_count, BigInteger)
    weighted = cast(Provider.rating_x100, BigInteger) * count
    prior = RELEVANCE_PRIOR_X100 * RELEVANCE_PRIOR_WEIGHT
    return (weighted + prior) // (count + RELEVANCE_PRIOR_WEIGHT)
