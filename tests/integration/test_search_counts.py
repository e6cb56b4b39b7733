"""The dashboard's searches: counted by the chats' engines as built for `serve` and `poll`,
written when the process closes (and every minute), added across processes."""

from __future__ import annotations

from sqlalchemy import select

from core.admin.dashboard import dashboard
from core.catalog.search_tally import SearchTally
from core.clock import FixedClock
from core.db.tables import SearchCount
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_dialogs
from tests.support.chat import Chat, journeys, open_market


async def test_a_chat_search_reaches_the_dashboard(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(uows, clock.now())
    dialogs = build_dialogs(Settings(_env_file=None), uows, clock)
    chat = Chat(dialogs.engines["client"], "c:searcher", language="fr")
    await chat.send("/start")
    await chat.play(journeys(market)["discover"][:4])  # category, city, date: results
    assert await chat.position() == "discover:results"
    await chat.play(journeys(market)["discover"][4:6])  # a budget: a new search
    assert await chat.position() == "discover:results"
    assert dialogs.stores.searches.pending == 2
    await dialogs.close()  # what `serve` does at shutdown, and its task every minute

    # Another process's counts of the same day add up instead of colliding.
    other = SearchTally()
    other.count(clock.now().date(), "whatsapp")
    await other.flush(uows)
    async with uows() as uow:
        rows = (await uow.session.scalars(select(SearchCount))).all()
        assert sum(r.searches for r in rows) == 3
        figures = await dashboard(uow, now=clock.now())
    assert figures["conversion_30d"]["searches"] == 3
