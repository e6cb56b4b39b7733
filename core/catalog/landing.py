"""What the landing page shows, read in one go (issue 17).

The landing page is the site's busiest page and, uncached, was its slowest: four read
sessions (the featured search, their cards, the counts, the reviews) and six statements.
On SQLite through aiosqlite every statement, BEGIN and ROLLBACK was then a hand-off to the
connection's thread, and on a loaded machine each hand-off may wait for a time slice, so
the number of round trips, more than the SQL, set the time (since, only the long reads go
there: core/db/sqlite_driver.py). Here the page takes one session and four statements: the
chat's own search for the featured providers, their cards, both counts, and the latest
reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.review_reads import PublicReview, latest_public_reviews
from core.catalog.search import SearchPage, SearchQuery, search_providers
from core.catalog.site_catalog import CatalogCounts, ProviderCard, catalog_counts, provider_cards


@dataclass(frozen=True, slots=True)
class Landing:
    featured: SearchPage
    cards: dict[int, ProviderCard]
    counts: CatalogCounts
    reviews: tuple[PublicReview, ...]


async def landing(session: AsyncSession, *, now: datetime, featured: int, reviews: int) -> Landing:
    """The landing page's data from one read-only session."""
    page = await search_providers(session, SearchQuery(page_size=featured), now=now)
    return Landing(
        featured=page,
        cards=await provider_cards(session, [hit.provider_id for hit in page.hits]),
        counts=await catalog_counts(session),
        reviews=await latest_public_reviews(session, limit=reviews),
    )
