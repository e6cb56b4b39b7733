"""Issue 17: the landing page's data in one read — one session, four statements — with the
same answers as before (cards with their cities, the counts, featured and reviews).
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.catalog.landing import landing
from core.catalog.reads import ask_read_only
from core.clock import FixedClock
from core.db.tables import Provider, ProviderCity, Service
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_provider


async def seed(uows: UnitOfWorkFactory, clock: FixedClock) -> dict[str, int]:
    now = clock.now()
    ids = {}
    for slug, category, city in (
        ("atlas", "photographer", "rabat"),
        ("saveurs", "caterer", "rabat"),
        ("lumiere", "photographer", "casablanca"),
        ("suspended", "photographer", "fes"),
        ("retired", "dj", "tangier"),
    ):
        _, ids[slug], _ = await make_provider(uows, now, slug=slug, category=category, city=city)
    async with uows() as uow:
        uow.session.add(ProviderCity(provider_id=ids["atlas"], city="agadir"))  # two cities
        suspended = await uow.session.get(Provider, ids["suspended"])
        assert suspended is not None
        suspended.status = "suspended"
        # The DJ offers nothing any more: shown and counted nowhere.
        retired = select(Service).where(Service.provider_id == ids["retired"])
        for service in (await uow.session.scalars(retired)).all():
            service.active = False
        await uow.commit()
    return ids


def count_statements(engine: AsyncEngine) -> list[str]:
    said: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        said.append(statement.split()[0].upper())

    return said


async def test_the_landing_page_reads_once_and_shows_the_same_things(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    ids = await seed(uows, clock)
    said = count_statements(engine)
    shown = await ask_read_only(
        uows.session_factory, lambda s: landing(s, now=clock.now(), featured=6, reviews=3)
    )
    selects = [s for s in said if s in ("SELECT", "WITH")]
    assert len(selects) == 4  # search, cards, counts, reviews: one round trip each

    featured = {hit.slug for hit in shown.featured.hits}
    assert featured == {"atlas", "saveurs", "lumiere"}  # active and offering something
    assert shown.cards[ids["atlas"]].cities == ("agadir", "rabat")  # both, in order
    assert shown.cards[ids["lumiere"]].cities == ("casablanca",)
    assert set(shown.cards) == {hit.provider_id for hit in shown.featured.hits}
    assert dict(shown.counts.categories) == {"photographer": 2, "caterer": 1}
    assert dict(shown.counts.cities) == {"rabat": 2, "agadir": 1, "casablanca": 1}
    assert shown.reviews == ()
