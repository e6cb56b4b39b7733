"""A deterministic marketplace for the search benchmark: 10,000 providers, ~15,000
services and 200,000 bookings with their seats, built once and cached.

The SQLite database is cached as ``bench/.data/search-<key>.db``; a PostgreSQL database
is marked by its first provider's slug ``bench-<key>-00001``. The key hashes the data
version and the schema's DDL, so a table or index change rebuilds instead of measuring
a stale database. The schema comes from the table metadata (``create_all``), which the
migration tests keep equal to the migrations, so the benchmark does not depend on the
state of the migration chain.
"""

from __future__ import annotations

import hashlib
import random
import time as clock
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateIndex, CreateTable

from core.booking.availability import local_instant
from core.booking.states import ACTIVE_STATES
from core.catalog.vocabulary import CATEGORIES, CITIES, MARKET_TIMEZONE
from core.db.engine import make_engine
from core.db.tables import (
    Base,
    Blackout,
    Booking,
    BusyInterval,
    Provider,
    ProviderCategory,
    ProviderCity,
    Service,
    SlotHold,
    User,
    WeeklyRule,
)

DATA_VERSION = 2
N_PROVIDERS = 10_000
N_CLIENTS = 5_000
N_BOOKINGS = 200_000
SEED = 20260504
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # a Monday; bookings span -120..+240 days
DATA_DIR = Path(__file__).parent / ".data"
TZ = ZoneInfo(MARKET_TIMEZONE)

# Rough market shares: weddings need photographers, caterers, negafas and decorators.
CATEGORY_WEIGHTS = dict(zip(CATEGORIES, (18, 6, 16, 6, 9, 5, 12, 12, 6, 10), strict=True))
CITY_WEIGHTS = dict(zip(CITIES, (25, 15, 13, 9, 9, 7, 5, 4, 5, 4, 4), strict=True))
HELD_STATES = sorted({s.value for s in ACTIVE_STATES} | {"completed"})


def cache_key() -> str:
    """Changes when the data recipe, a table or an index changes."""
    digest = hashlib.sha256(f"search-data-v{DATA_VERSION}".encode())
    dialect = sqlite.dialect()
    for table in Base.metadata.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            digest.update(str(CreateIndex(index).compile(dialect=dialect)).encode())
    return digest.hexdigest()[:10]


def marker_slug(key: str) -> str:
    return f"bench-{key}-00001"


async def sqlite_database() -> tuple[str, float | None]:
    """URL of the cached SQLite database and build seconds (None when it was cached)."""
    key = cache_key()
    path = DATA_DIR / f"search-{key}.db"
    if path.exists():
        return f"sqlite+aiosqlite:///{path}", None
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in DATA_DIR.glob("*.partial*"):  # an interrupted build, maybe older
        leftover.unlink()
    url = f"sqlite+aiosqlite:///{partial}"
    started = clock.perf_counter()
    engine = make_engine(url)
    try:
        await _create_schema(engine)
        await _load(engine, key)
    finally:
        await engine.dispose()
    partial.rename(path)  # only a complete build is ever reused
    return f"sqlite+aiosqlite:///{path}", clock.perf_counter() - started


async def postgres_database(url: str) -> float | None:
    """Build the data in the PostgreSQL database at ``url`` unless it holds it already.

    Only an empty database or one holding an older benchmark build is (re)written;
    anything else is refused, so a real database is never wiped by mistake.
    """
    key = cache_key()
    engine = make_engine(url)
    try:
        state = await _pg_state(engine, key)
        if state == "current":
            return None
        if state == "foreign":
            raise SystemExit(f"refusing to touch {url}: it holds data that is not ours")
        started = clock.perf_counter()
        if state == "stale":
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await _create_schema(engine)
        await _load(engine, key)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))  # what autovacuum would do in time
        return clock.perf_counter() - started
    finally:
        await engine.dispose()


async def _create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def _pg_state(engine: AsyncEngine, key: str) -> str:
    """``empty``, ``current`` (our data, this key), ``stale`` (ours, older) or ``foreign``."""
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        if not tables:
            return "empty"
        if "providers" not in tables or "alembic_version" in tables:
            return "foreign"  # we never migrate: alembic_version means an application database
        first = await conn.scalar(select(Provider.slug).order_by(Provider.id).limit(1))
    if first == marker_slug(key):
        return "current"
    # No provider at all: our own build, interrupted (it loads in one transaction).
    return "stale" if first is None or first.startswith("bench-") else "foreign"


async def _load(engine: AsyncEngine, key: str) -> None:
    rows = _generate(key)
    async with engine.begin() as conn:
        for table in (
            User,
            Provider,
            ProviderCategory,
            ProviderCity,
            Service,
            WeeklyRule,
            Blackout,
            BusyInterval,
            Booking,
            SlotHold,
        ):
            await _insert(conn, table.__table__, rows[table.__tablename__])  # type: ignore[arg-type]
        if conn.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind; keep the database usable.
            for name in ("users", "providers", "services", "bookings", "slot_holds"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) "
                        f"FROM {name}"
                    )
                )


async def _insert(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    # Core executemany in slices: fast, and within asyncpg's 32,767 parameters per batch.
    for start in range(0, len(rows), 5_000):
        await conn.execute(insert(table), list(rows[start : start + 5_000]))


def _generate(key: str) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(SEED)
    out: dict[str, list[dict[str, Any]]] = {
        t.__tablename__: []
        for t in (
            User,
            Provider,
            ProviderCategory,
            ProviderCity,
            Service,
            WeeklyRule,
            Blackout,
            BusyInterval,
            Booking,
            SlotHold,
        )
    }
    for uid in range(1, N_PROVIDERS + N_CLIENTS + 1):
        role = "provider" if uid <= N_PROVIDERS else "client"
        out["users"].append(
            {
                "id": uid,
                "role": role,
                "display_name": f"user {uid}",
                "locale": "fr",
                "phone_e164": None,
                "email": None,
                "blocked": False,
                "source": None,
                "created_at": NOW - timedelta(days=400),
            }
        )
    services: list[dict[str, Any]] = []
    cities_of: dict[int, list[str]] = {}
    for pid in range(1, N_PROVIDERS + 1):
        cats = _pick_distinct(rng, CATEGORY_WEIGHTS, 1 if rng.random() < 0.8 else 2)
        cities = _pick_distinct(rng, CITY_WEIGHTS, rng.choices((1, 2, 3), (70, 22, 8))[0])
        cities_of[pid] = cities
        out["providers"].append(_provider(rng, pid, key))
        out["provider_categories"] += [{"provider_id": pid, "category": c} for c in cats]
        out["provider_cities"] += [{"provider_id": pid, "city": c} for c in cities]
        for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
            services.append(_service(rng, len(services) + 1, pid, rng.choice(cats)))
        out["weekly_rules"] += _weekly_rules(rng, pid)
        out["blackouts"] += [
            {"provider_id": pid, "day": d}
            # Sorted: a set of dates iterates in hash order, which changes with every
            # process (PYTHONHASHSEED), and the draw below would keep other days each build.
            for d in sorted({NOW.date() + timedelta(days=rng.randrange(240)) for _ in range(3)})
            if rng.random() < 0.5
        ]
        out["busy_intervals"] += _busy(rng, pid)
    out["services"] = services
    _bookings(rng, out, services, cities_of)
    return out


def _provider(rng: random.Random, pid: int, key: str) -> dict[str, Any]:
    count = 0 if rng.random() < 0.2 else int(rng.paretovariate(1.2) * 3)
    x100 = 0 if count == 0 else min(500, max(250, int(rng.gauss(440, 40))))
    langs = [lang for lang, p in (("ar", 0.85), ("fr", 0.9), ("en", 0.35)) if rng.random() < p]
    status = rng.choices(("active", "pending", "suspended"), (92, 5, 3))[0]
    return {
        "id": pid,
        "user_id": pid,
        "slug": f"bench-{key}-{pid:05d}",
        "name": {"fr": f"Prestataire {pid}", "en": f"Provider {pid}", "ar": f"مزود {pid}"},
        "description": {"fr": "Lorem ipsum " * 8, "en": "Lorem ipsum " * 8, "ar": ""},
        "languages": langs or ["ar"],
        "photos": [],
        "status": status,
        "timezone": MARKET_TIMEZONE,
        "cancellation_policy": None,
        "rating_sum": x100 * count // 100,
        "rating_count": count,
        "rating_x100": x100,
        "stripe_account_id": None,
        "calendar_token": None,
        "created_at": NOW - timedelta(days=300),
    }


def _service(rng: random.Random, sid: int, pid: int, category: str) -> dict[str, Any]:
    model, duration, min_g, max_g, capacity = "fixed", None, None, None, 1
    price = rng.randrange(2_000, 20_000) * 100
    if category in ("caterer", "pastry"):
        model, capacity = "per_guest", rng.randint(2, 5)
        low, high = (150, 600) if category == "caterer" else (20, 80)  # MAD per guest
        price = rng.randrange(low, high) * 100
        min_g, max_g = 30, rng.choice((200, 400, 800, None))
    elif category == "venue":
        price, max_g = rng.randrange(10_000, 80_000) * 100, rng.choice((150, 300, 600, 1200))
    elif category in ("photographer", "videographer", "dj", "band") and rng.random() < 0.35:
        model, duration = "per_hour", rng.choice((120, 180, 240, 360))
        price = rng.randrange(400, 1_500) * 100
    elif category in ("decorator", "florist"):
        capacity = rng.randint(1, 3)
    return {
        "id": sid,
        "provider_id": pid,
        "category": category,
        "title": {"fr": "Formule", "en": "Package", "ar": "باقة"},
        "description": {"fr": "", "en": "", "ar": ""},
        "pricing_model": model,
        "price_minor": price,
        "currency": "MAD",
        "deposit_bp": 3000,
        "duration_minutes": duration,
        "days": 1,
        "daily_capacity": capacity,
        "min_notice_hours": rng.choice((24, 48, 72, 168)),
        "buffer_minutes": 0,
        "min_guests": min_g,
        "max_guests": max_g,
        "active": rng.random() < 0.95,
    }


def _weekly_rules(rng: random.Random, pid: int) -> list[dict[str, Any]]:
    shape = rng.random()
    days = [4, 5, 6] if shape < 0.05 else list(range(7))
    if 0.05 <= shape < 0.30:
        days.remove(rng.randrange(7))
    start, end = (time(10), time(2)) if rng.random() < 0.3 else (time(9), time(23))
    return [{"provider_id": pid, "weekday": d, "start": start, "end": end} for d in days]


def _busy(rng: random.Random, pid: int) -> list[dict[str, Any]]:
    rows = []
    for _ in range(rng.randrange(6)):
        start = NOW + timedelta(hours=rng.randrange(-120 * 24, 240 * 24))
        length = timedelta(hours=rng.choice((2, 3, 4, 6, 24)))
        rows.append(
            {"provider_id": pid, "starts_at": start, "ends_at": start + length, "source": "ics"}
        )
    return rows


def _bookings(
    rng: random.Random,
    out: dict[str, list[dict[str, Any]]],
    services: list[dict[str, Any]],
    cities_of: dict[int, list[str]],
) -> None:
    # Popular providers get more bookings; weekends and summer far more than the rest.
    rating = {p["id"]: p["rating_count"] for p in out["providers"]}
    weights = [1 + rating[s["provider_id"]] ** 0.5 for s in services]
    days = [NOW.date() + timedelta(days=d) for d in range(-120, 241)]
    day_weights = [(3 if d.weekday() >= 5 else 1) * (2 if 6 <= d.month <= 9 else 1) for d in days]
    taken: Counter[tuple[int, date]] = Counter()
    picked_services = rng.choices(services, weights, k=N_BOOKINGS)
    picked_days = rng.choices(days, day_weights, k=N_BOOKINGS * 2)
    bounds = {
        d: (local_instant(d, time(0), TZ), local_instant(d + timedelta(1), time(0), TZ))
        for d in days
    }
    for bid, service in enumerate(picked_services, start=1):
        day = picked_days[2 * bid - 2]
        if taken[service["id"], day] >= service["daily_capacity"]:
            day = picked_days[2 * bid - 1]  # one retry, then accept a released booking
        past = day < NOW.date()
        state = rng.choices(
            ("completed", "cancelled", "expired")
            if past
            else ("confirmed", "accepted", "requested", "cancelled", "declined"),
            (80, 12, 8) if past else (50, 15, 20, 10, 5),
        )[0]
        if taken[service["id"], day] >= service["daily_capacity"]:
            state = "cancelled"
        start, end = bounds[day]
        if service["duration_minutes"]:
            start = start + timedelta(hours=18)
            end = start + timedelta(minutes=service["duration_minutes"])
        guests = rng.randrange(50, 600)
        total = service["price_minor"] * (guests if service["pricing_model"] == "per_guest" else 1)
        deposit = total * 3 // 10
        paid = {"completed": total, "confirmed": deposit}.get(state, 0)
        out["bookings"].append(
            {
                "id": bid,
                "reference": f"B{bid:09d}",
                "client_id": N_PROVIDERS + 1 + rng.randrange(N_CLIENTS),
                "provider_id": service["provider_id"],
                "service_id": service["id"],
                "state": state,
                "event_type": "wedding",
                "event_date": day,
                "starts_at": start,
                "ends_at": end,
                "guests": guests,
                "city": cities_of[service["provider_id"]][0],
                "venue": "",
                "notes": "",
                "contact_phone": None,
                "contact_email": None,
                "currency": "MAD",
                "total_minor": total,
                "deposit_minor": deposit,
                "balance_minor": total - deposit,
                "quote": {"currency": "MAD", "total": total, "deposit": deposit},
                "paid_minor": paid,
                "refunded_minor": 0,
                "decline_reason": None,
                "expires_at": None,
                "delivery_confirmed_at": None,
                "created_at": NOW - timedelta(days=130),
                "updated_at": NOW - timedelta(days=1),
            }
        )
        if state in HELD_STATES:
            seat = taken[service["id"], day]
            taken[service["id"], day] += 1
            out["slot_holds"].append(
                {
                    "id": len(out["slot_holds"]) + 1,
                    "booking_id": bid,
                    "provider_id": service["provider_id"],
                    "service_id": service["id"],
                    "day": day,
                    "seat": seat,
                }
            )


def _pick_distinct(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    picked: list[str] = []
    while len(picked) < k:
        (choice,) = rng.choices(list(weights), list(weights.values()))
        if choice not in picked:
            picked.append(choice)
    return picked


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    """How big the benchmark database is, for the report."""
    counts = {}
    async with engine.connect() as conn:
        for table in (Provider, Service, Booking, SlotHold, BusyInterval, Blackout):
            counts[table.__tablename__] = int(
                await conn.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts
