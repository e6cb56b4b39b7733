"""Memory of a serving process: per active conversation in the chat memory, and every
in-process cache filled to its bound (issue 18). See bench/README.md ("Memory").

Run ``python -m bench.memory`` (``--chats 10000 --chats 100000`` by default). Sizes are
what tracemalloc counts as allocated by Python between two snapshots: the objects a cache
holds, not the interpreter's free lists or the allocator's slack (RSS is printed too).

The chat memory (core/conversations/chat_memory.py) keeps two entries per chat: who is
behind the identity (the user's row, as a tuple) and where the conversation stands (its
state as JSON text, the way `load_known_chat` and the journal keep it). The entries are
realistic: a user with a name, phone and locale, and a conversation on a search results
screen with its seven buttons in the chat's language (Arabic, French, English in turn).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from bots.rate_limit import SendLimiter
from core.booking.availability import Interval, ProviderCalendar, WeeklyWindow
from core.booking.availability_query import kept_calendar_span
from core.catalog.search import ProviderHit, SearchPage, SearchQuery
from core.catalog.vocabulary import MARKET_TZ
from core.conversations.chat_memory import (
    MAX_CHATS,
    USER_FIELDS,
    ChatMemory,
    KnownConversation,
    KnownIdentity,
)
from core.db.engine import make_engine, make_session_factory
from core.db.tables import Service
from dialogs.framework import options
from dialogs.framework.keyed_lock import KeyedLock
from dialogs.framework.reads import CachedReads
from dialogs.framework.state import DialogState
from dialogs.i18n import translator as formats
from dialogs.i18n.translator import translator
from dialogs.nlu import dates
from dialogs.nlu.builtin import BuiltinParser
from dialogs.nlu.remembering import RememberingNlu

TARGET_BYTES = 2048  # per active conversation (issue 18)
LANGS = ("ar", "fr", "en")
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)


def measured(fill: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes that stay allocated after ``fill()`` (what it returns is kept alive)."""
    gc.collect()
    before = tracemalloc.take_snapshot()
    kept = fill()
    gc.collect()
    after = tracemalloc.take_snapshot()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown, kept


# ---- the chat memory --------------------------------------------------------------------------


def user_values(n: int, lang: str) -> tuple[Any, ...]:
    """A client's row as the memory keeps it (USER_FIELDS order), with realistic values."""
    example: dict[str, Any] = {
        "id": 1_000_000 + n,
        "role": "client",
        "display_name": f"Client {n}",
        "locale": lang,
        "phone_e164": f"+2126{n:08d}",
        "contact_phone": None,
        "email": None,
        "blocked": False,
        "source": "site",
    }
    return tuple(example.get(name) for name in USER_FIELDS)


def results_state(n: int, lang: str) -> str:
    """A conversation on a search results page, as JSON text (json.dumps, as kept)."""
    t = translator(lang)
    options = [[f"{t('Provider')} {k}", f"{n % 97}|open:{1000 + k}"] for k in range(5)]
    options += [[t("Next"), f"{n % 97}|page:next"], [t("Back"), f"{n % 97}|nav:back"]]
    state = DialogState(
        flow="discover",
        step="results",
        data={"category": "photographer", "city": "rabat", "day": "2027-06-14", "page": 1},
        seq=n % 97,
        last_payload=f"{n % 97}|page:next",
        history=["menu:main", "discover:category", "discover:city", "discover:date"],
        options=options,
    )
    return json.dumps(state.to_json())


def fill_chat_memory(memory: ChatMemory, chats: int) -> ChatMemory:
    created = NOW - dt.timedelta(days=30)
    for n in range(chats):
        lang = LANGS[n % 3]
        chat = str(100_000_000 + n)
        memory.remember_identity(
            "telegram_client",
            chat,
            KnownIdentity(n, user_values(n, lang), created, False, NOW, time.monotonic()),
        )
        memory.remember_conversation(
            "telegram_client", chat, KnownConversation(n, 7, results_state(n, lang))
        )
    return memory


# ---- the other caches, each filled to its bound -----------------------------------------------


LOOP = asyncio.new_event_loop()  # one loop for all: the engine and caches stay bound to it


def catalog_cache(entries: int) -> CachedReads:
    """CachedReads (dialogs/framework/reads.py) over a real (empty, in-memory SQLite)
    session factory, with one read made: the engine's own allocations come before."""
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    reads = CachedReads(make_session_factory(engine), max_entries=entries + 1)
    LOOP.run_until_complete(fill_catalog_cache(reads, 1, first=entries))
    return reads


async def fill_catalog_cache(reads: CachedReads, entries: int, *, first: int = 0) -> CachedReads:
    """``entries`` search pages of 5 hits each, under keys like the chat's searches."""
    for k in range(first, first + entries):
        hits = [
            ProviderHit(
                k * 5 + i,
                f"provider-{k * 5 + i}",
                {"fr": f"Studio {k} {i}", "en": f"Studio {k} {i}", "ar": f"استوديو {k} {i}"},
                460,
                12,
                500_000,
                "MAD",
                k * 7 + i,
                "fixed",
                500_000,
            )
            for i in range(5)
        ]

        async def read(_: Any, hits: list[ProviderHit] = hits) -> SearchPage:
            return SearchPage(hits, 40, 0, 5)

        await reads.cached(("search", SearchQuery(city="rabat", page=k % 5), k), read)
    return reads


async def fill_offers(reads: CachedReads, entries: int) -> CachedReads:
    """``entries`` services as the booking form keeps them (detached ORM rows, titles and
    descriptions in three languages), under the form's keys."""
    for k in range(entries):
        service = Service(
            id=k,
            provider_id=k,
            category="photographer",
            title={"fr": f"Reportage {k}", "en": f"Coverage {k}", "ar": f"تغطية {k}"},
            description={
                "fr": "Reportage photo complet de la cérémonie et de la soirée. " * 3,
                "en": "Full photo coverage of the ceremony and the evening. " * 3,
                "ar": "تغطية فوتوغرافية كاملة للحفل والسهرة. " * 3,
            },
            pricing_model="fixed",
            price_minor=500_000,
            currency="MAD",
            deposit_bp=3000,
            duration_minutes=None,
            days=1,
            daily_capacity=1,
            min_notice_hours=48,
            buffer_minutes=0,
            active=True,
        )

        async def read(_: Any, service: Service = service) -> Service:
            return service

        await reads._offer(("service", k), read)
    return reads


async def fill_calendars(reads: CachedReads, entries: int) -> CachedReads:
    """``entries`` providers' calendars as the booking form keeps them: open every day, ten
    days off and sixty busy intervals imported from their calendar (two a week over the
    seven months kept), under the form's keys."""
    today = NOW.date()
    first, last = kept_calendar_span(today)
    for k in range(entries):
        starts = [NOW + dt.timedelta(days=3.5 * i, hours=k % 12) for i in range(60)]
        calendar = ProviderCalendar(
            tz=MARKET_TZ,
            windows=tuple(WeeklyWindow(d, dt.time(9), dt.time(23)) for d in range(7)),
            blackouts=frozenset(today + dt.timedelta(days=17 * i + k % 7) for i in range(10)),
            busy=tuple(Interval(s, s + dt.timedelta(hours=4)) for s in starts),
            span=(first, last),
        )

        async def read(calendar: ProviderCalendar = calendar) -> ProviderCalendar:
            return calendar

        await reads._calendars.get(("calendar", k, today), read, tag=k)
    return reads


async def fill_calendar_owners(reads: CachedReads, owners: int) -> CachedReads:
    """Whose provider connected a calendar (asked before every Accept): one key, a set of
    ``owners`` user ids."""

    async def read() -> frozenset[int]:
        return frozenset(range(1_000_000, 1_000_000 + owners))

    await reads._calendar_owners.get("calendar_owners", read)
    return reads


def remembering_nlu(size: int) -> RememberingNlu:
    """RememberingNlu (dialogs/nlu/remembering.py) over the builtin parser, warmed up (its
    patterns and dateparser's data are the parser's, not the cache's)."""
    nlu = RememberingNlu(BuiltinParser(), size=size)
    LOOP.run_until_complete(nlu.parse("photographe le 14 juin", today=NOW.date(), locale="fr"))
    return nlu


async def fill_nlu(nlu: RememberingNlu, size: int) -> RememberingNlu:
    """``size`` answers to distinct texts (the warm-up's answer is pushed out)."""
    texts = ["photographe à Rabat pour {} invités", "traiteur casablanca {} personnes"]
    for k in range(size):
        await nlu.parse(texts[k % 2].format(k), today=NOW.date(), locale="fr")
    return nlu


def fill_dateparser_memo(size: int) -> int:
    """dialogs/nlu/dates.py remembers dateparser's answers per (span, day, languages)."""
    for k in range(size):
        dates._dateparser("14 juin", NOW.date() + dt.timedelta(days=k), ["fr"])
    return dates._dateparser_once.cache_info().currsize


def fill_formats(size: int) -> int:
    """dialogs/i18n/translator.py remembers what Babel formatted: ``size`` distinct prices,
    dates and ratings in turn, in the three languages."""
    for k in range(size):
        t = translator(("ar", "fr", "en")[k % 3])
        t.money(100_00 * k)
        t.date(NOW.date() + dt.timedelta(days=k))
        t.decimal(k / 10)
    kinds = (formats._money, formats._date, formats._decimal)
    return sum(kind.cache_info().currsize for kind in kinds)


def fill_folded_labels(size: int) -> int:
    """dialogs/framework/options.py remembers the buttons' labels folded for typed answers:
    ``size`` distinct provider-like labels."""
    for k in range(size):
        options.folded_label(f"Studio Lumière El Bahja n° {k} — à partir de 7 500,00 MAD")
    return options.folded_label.cache_info().currsize


def fill_send_limiter(chats: int) -> SendLimiter:
    """bots/rate_limit.py: the last send time per chat (kept for chats of the last minute
    once over 10,000)."""
    limiter = SendLimiter(per_chat_interval=0, per_bot_per_second=10**9)

    async def fill() -> None:
        for chat in range(chats):
            await limiter.acquire(chat)

    asyncio.run(fill())
    return limiter


def keyed_lock_after(holders: int) -> int:
    """dialogs/framework/keyed_lock.py: one lock per chat while an update of it runs."""
    locks = KeyedLock()

    async def hold(key: str) -> None:
        async with locks.hold(key):
            await asyncio.sleep(0)

    async def fill() -> int:
        await asyncio.gather(*(hold(str(k)) for k in range(holders)))
        return len(locks)

    return asyncio.run(fill())


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB" if size < 1024 * 1024 else f"{size / 2**20:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, action="append", help="(default 10000 and 100000)")
    args = parser.parse_args(argv)
    tracemalloc.start()
    code = 0
    print(f"Python {sys.version.split()[0]}; chat memory bound MAX_CHATS = {MAX_CHATS:,} per kind")
    for language in LANGS:  # Babel's locale data, loaded once per process, not per chat
        translator(language)
    for chats in args.chats or (10_000, 100_000):
        size, memory = measured(lambda: fill_chat_memory(ChatMemory(), chats))  # noqa: B023
        held = len(memory._conversations)
        per = size / held
        verdict = "meets" if per <= TARGET_BYTES else "MISSES"
        print(
            f"chat memory, {chats:,} active conversations: {held:,} held "
            f"({len(memory._identities):,} identities), {kib(size)} in all, "
            f"{per:,.0f} bytes per conversation held (target <= {TARGET_BYTES}: {verdict})"
        )
        code |= 0 if per <= TARGET_BYTES else 1
        del memory
    print("every in-process cache at its bound:")
    reads = catalog_cache(2048)
    size, _ = measured(lambda: LOOP.run_until_complete(fill_catalog_cache(reads, 2048)))
    print(f"  catalog cache (CachedReads, 2,048 keys, TTL 30 s): {kib(size)} with 5-hit pages")
    reads = catalog_cache(2048)
    size, _ = measured(lambda: LOOP.run_until_complete(fill_offers(reads, 2048)))
    print(f"  the booking form's rows (CachedReads, 2,048 keys, TTL 30 s): {kib(size)} services")
    reads = catalog_cache(2048)
    size, _ = measured(lambda: LOOP.run_until_complete(fill_calendars(reads, 512)))
    print(f"  providers' calendars (CachedReads, 512 keys, TTL 30 s): {kib(size)}")
    reads = catalog_cache(2048)
    size, _ = measured(lambda: LOOP.run_until_complete(fill_calendar_owners(reads, 10_000)))
    print(f"  calendar owners (CachedReads, 1 key, TTL 30 s; 10,000 providers): {kib(size)}")
    nlu = remembering_nlu(1024)
    size, _ = measured(lambda: LOOP.run_until_complete(fill_nlu(nlu, 1024)))
    print(f"  NLU answers (RememberingNlu, 1,024): {kib(size)}")
    dates._dateparser("samedi prochain", NOW.date(), ["fr"])  # dateparser's data loaded
    dates._dateparser_once.cache_clear()
    size, held_spans = measured(lambda: fill_dateparser_memo(4096))
    print(f"  dateparser answers (lru_cache, 4,096): {held_spans:,} held, {kib(size)}")
    for language in ("ar", "fr", "en"):  # Babel's locale data loaded
        translator(language).money(1)
    for kind in (formats._money, formats._date, formats._decimal):
        kind.cache_clear()
    size, held_formats = measured(lambda: fill_formats(formats.FORMATS_KEPT))
    print(
        f"  formatted prices, dates, ratings (lru_cache, 3 × 4,096): "
        f"{held_formats:,} held, {kib(size)}"
    )
    options.folded_label.cache_clear()
    size, held_labels = measured(lambda: fill_folded_labels(options.LABELS_KEPT))
    print(f"  folded button labels (lru_cache, 2,048): {held_labels:,} held, {kib(size)}")
    size, limiter = measured(lambda: fill_send_limiter(10_001))
    print(
        f"  send limiter (last send per chat, pruned past 10,000 to the last minute's): "
        f"{len(limiter._last_by_chat):,} chats, {kib(size)}"
    )
    print(
        f"  keyed locks (per chat while an update runs): {keyed_lock_after(1000)} left "
        "after 1,000 concurrent holders"
    )
    print(f"peak RSS of this process: {peak_rss_mib():,.0f} MiB")
    return code


if __name__ == "__main__":
    sys.exit(main())
