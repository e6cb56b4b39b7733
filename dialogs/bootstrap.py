"""The dialogs layer's builders: the NLU, what the engines share, and the two engines.

`serve` and `poll` build their engines here, and so do the tests and the benchmarks:
an engine is given its chat memory, journal and cached reads, it builds none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.calendar_sync.ports import CalendarFetcher
from core.catalog.photo_store import LocalPhotoStore
from core.catalog.search_tally import SearchTally
from core.clock import Clock
from core.conversations.store import ConversationStore
from core.payments.links import PaymentLinks
from core.payments.ports import Payments
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.framework.engine import DialogApp, DialogEngine
from dialogs.framework.reads import CachedReads
from dialogs.nlu.builtin import BuiltinParser
from dialogs.nlu.model import NluParser
from dialogs.nlu.rasa_adapter import RasaParser
from dialogs.nlu.remembering import RememberingNlu
from dialogs.provider.app import PROVIDER_APP

APPS = {"client": CLIENT_APP, "provider": PROVIDER_APP}


@dataclass(frozen=True)
class ChatStores:
    """What the engines of one process share: one group commit, one catalog cache."""

    conversations: ConversationStore
    reads: CachedReads
    searches: SearchTally


@dataclass
class Dialogs:
    nlu: NluParser
    stores: ChatStores
    engines: dict[str, DialogEngine]
    uows: UnitOfWorkFactory

    async def count_searches(self) -> None:
        """The serving program's background task: the search counts, every minute."""
        await self.stores.searches.flush_forever(self.uows)

    async def close(self) -> None:
        # Replies sent but not yet marked so would be sent again by the next worker.
        await self.stores.conversations.flush()
        await self.stores.searches.flush(self.uows)
        if isinstance(self.nlu, RasaParser):
            await self.nlu.close()


def build_nlu(rasa_url: str | None) -> NluParser:
    """The built-in parser, or a Rasa server's with the built-in one as its fallback."""
    builtin = BuiltinParser()
    return RasaParser(rasa_url, fallback=builtin) if rasa_url else builtin


def build_stores(uows: UnitOfWorkFactory, *, catalog_cache_seconds: float = 30.0) -> ChatStores:
    """The chat memory, the journal and the cached reads, told of every commit."""
    reads = CachedReads(uows.session_factory, ttl_seconds=catalog_cache_seconds)
    uows.after_commit.append(reads.on_commit)
    conversations = ConversationStore(uows.engine)
    uows.after_commit.append(conversations.on_commit)
    return ChatStores(conversations, reads, SearchTally())


def build_engine(
    app: DialogApp,
    uows: UnitOfWorkFactory,
    deps: Deps,
    clock: Clock,
    stores: ChatStores | None = None,
) -> DialogEngine:
    """One bot's engine; without ``stores``, with stores of its own."""
    stores = stores or build_stores(uows)
    # The texts people keep sending ("1", "oui", a greeting) are parsed once: one memory of
    # the parser's answers per engine.
    deps = replace(deps, nlu=RememberingNlu(deps.nlu))
    return DialogEngine(app, uows, deps, clock, store=stores.conversations, reads=stores.reads)


def build_dialogs(
    settings: Settings,
    uows: UnitOfWorkFactory,
    clock: Clock,
    *,
    payments: Payments | None = None,
    calendars: CalendarFetcher | None = None,
) -> Dialogs:
    """Both bots' engines from settings, sharing one set of stores; close it when done."""
    nlu = build_nlu(settings.rasa_url)
    stores = build_stores(uows, catalog_cache_seconds=settings.catalog_cache_seconds)
    deps = Deps(
        nlu=nlu,
        public_url=settings.base_url,
        payments=payments,
        max_days_ahead=settings.max_booking_days_ahead,
        deadlines=settings.deadlines,
        searches=stores.searches,
        calendars=calendars,
        calendar_horizon_days=settings.calendar_horizon_days,
        photos=LocalPhotoStore(Path(settings.photo_dir)),
        payment_links=PaymentLinks(uows, payments.gateway, clock) if payments else None,
    )
    engines = {kind: build_engine(app, uows, deps, clock, stores) for kind, app in APPS.items()}
    return Dialogs(nlu, stores, engines, uows)
