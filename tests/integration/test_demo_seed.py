"""`mounasabet demo seed` against the real databases: a believable marketplace, once."""

from __future__ import annotations

import itertools
import re
import shutil
from collections import Counter
from datetime import time, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.booking.states import ACTIVE_STATES, RELEASING_STATES, BookingState
from core.catalog.vocabulary import CATEGORIES
from core.clock import FixedClock
from core.db.tables import (
    Base,
    Blackout,
    Booking,
    BookingTransition,
    BusyInterval,
    OutboxMessage,
    Provider,
    Service,
    SlotHold,
    User,
    WeeklyRule,
)
from core.uow import UnitOfWorkFactory
from demo import seed_demo
from demo.catalogue import DATA, catalogue, load_catalogue
from demo.images import STATIC_PREFIX, render_jpeg
from tests.support.factories import make_provider

STATIC = Path(__file__).resolve().parents[2] / "web" / "static" / "demo"
ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]")
SIX_CITIES = {"casablanca", "rabat", "marrakech", "fes", "tanger", "agadir"}

# Unit prices (MAD) a Moroccan client would find believable, per category and model.
PRICE_RANGES = {
    ("photographer", "fixed"): (5_000, 15_000),
    ("videographer", "fixed"): (5_000, 20_000),
    ("caterer", "per_guest"): (250, 600),
    ("venue", "fixed"): (20_000, 80_000),
    ("dj", "fixed"): (3_000, 8_000),
    ("negafa", "fixed"): (5_000, 20_000),
    ("pastry", "per_guest"): (20, 60),
}


def _texts_ok(value: dict[str, str]) -> bool:
    return (
        set(value) == {"ar", "fr", "en"}
        and all(isinstance(v, str) and v.strip() for v in value.values())
        and bool(ARABIC.search(value["ar"]))
        and bool(LATIN.search(value["fr"]) and LATIN.search(value["en"]))
    )


async def test_catalog_covers_every_category_and_city(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    report = await seed_demo(uows, now=clock.now())
    assert report.providers_created == len(catalogue().providers) >= 42
    assert report.services_created >= report.providers_created
    assert not report.already_seeded
    async with uows() as uow:
        providers = (
            await uow.session.scalars(
                select(Provider).options(
                    selectinload(Provider.services),
                    selectinload(Provider.categories),
                    selectinload(Provider.cities),
                )
            )
        ).all()
        rules = (await uow.session.scalars(select(WeeklyRule))).all()
        blackouts = await uow.session.scalar(select(func.count()).select_from(Blackout))
        busy = (await uow.session.scalars(select(BusyInterval))).all()
        owners = {u.id: u for u in (await uow.session.scalars(select(User))).all()}
        active = [p for p in providers if p.status == "active"]
        assert len(active) >= 40
        assert 1 <= sum(p.status == "pending" for p in providers) <= 2
        assert {c.category for p in active for c in p.categories} == set(CATEGORIES)
        cities = {c.city for p in active for c in p.cities}
        assert cities >= SIX_CITIES
        assert any(len(p.cities) >= 2 for p in active)
        tokens = [p.calendar_token for p in providers]
        assert len(set(tokens)) == len(tokens)
        assert all(t and re.fullmatch(r"[0-9a-f]{32,64}", t) for t in tokens)
        for p in providers:
            assert _texts_ok(p.name) and _texts_ok(p.description), p.slug
            assert p.languages and set(p.languages) <= {"ar", "fr", "en"}
            assert owners[p.user_id].role == "provider" and owners[p.user_id].display_name
            if p.rating_count:
                assert p.rating_count <= p.rating_sum <= 5 * p.rating_count
                assert p.rating_x100 == round(100 * p.rating_sum / p.rating_count)
            else:
                assert p.rating_sum == p.rating_x100 == 0
            assert p.photos and all(url.startswith(STATIC_PREFIX) for url in p.photos)
            assert 1 <= len(p.services) <= 3
            assert {s.category for s in p.services} == {c.category for c in p.categories}
            for s in p.services:
                assert _texts_ok(s.title) and _texts_ok(s.description), p.slug
                assert isinstance(s.price_minor, int) and s.price_minor > 0
                assert s.currency == "MAD" and 2000 <= s.deposit_bp <= 5000
                assert 24 <= s.min_notice_hours <= 168
                low, high = PRICE_RANGES.get((s.category, s.pricing_model), (1, 100_000))
                assert low * 100 <= s.price_minor <= high * 100, (p.slug, s.title["fr"])
                if s.duration_minutes is not None:
                    assert s.buffer_minutes > 0, p.slug
        assert any(p.cancellation_policy for p in providers)
        assert sum(p.cancellation_policy is None for p in providers) > len(providers) // 2
        assert sum(p.rating_count > 0 for p in active) >= 30
        by_provider = Counter(r.provider_id for r in rules)
        assert all(by_provider[p.id] for p in providers)
        nights = {r.provider_id for r in rules if r.end <= r.start}
        music = {p.id for p in active if {c.category for c in p.categories} & {"dj", "band"}}
        assert music and music <= nights
        assert blackouts and busy
        assert all(b.starts_at.tzinfo is not None and b.starts_at > clock.now() for b in busy)


async def test_demo_photos_exist_and_are_current() -> None:
    for spec in catalogue().providers:
        for index in range(1, spec.photos + 1):
            path = STATIC / f"{spec.slug}-{index}.jpg"
            assert path.read_bytes() == render_jpeg(spec, index), path.name


def test_demo_photos_are_photos_telegram_and_whatsapp_take() -> None:
    """JPEG, within Telegram's 5 MB by URL and WhatsApp's 5 MB for images (issue 19)."""
    paths = sorted(STATIC.iterdir())
    assert paths and all(p.suffix == ".jpg" for p in paths)  # no SVG left
    for path in paths:
        with Image.open(path) as image:
            assert (image.format, image.size) == ("JPEG", (480, 360)), path.name
        assert path.stat().st_size < 20_000, path.name  # the repository stays small


async def test_bookings_went_through_the_services(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    report = await seed_demo(uows, now=now)
    assert report.bookings_created >= 30 and report.bookings_skipped == 0
    async with uows() as uow:
        s = uow.session
        bookings = (await s.scalars(select(Booking))).all()
        services = {x.id: x for x in (await s.scalars(select(Service))).all()}
        holds = Counter((await s.scalars(select(SlotHold.booking_id))).all())
        trail = (await s.scalars(select(BookingTransition).order_by(BookingTransition.id))).all()
        outbox = (await s.scalars(select(OutboxMessage))).all()
        admins = (await s.scalars(select(User).where(User.role == "admin"))).all()
        assert len(bookings) == report.bookings_created
        states = Counter(b.state for b in bookings)
        assert {"requested", "accepted", "confirmed", "completed", "cancelled"} <= set(states)
        assert len({b.client_id for b in bookings}) >= 4
        for b in bookings:
            state = BookingState(b.state)
            days = services[b.service_id].days
            if state in ACTIVE_STATES or state is BookingState.COMPLETED:
                assert holds[b.id] == days, (b.reference, b.state)
            if state in RELEASING_STATES:
                assert holds[b.id] == 0, (b.reference, b.state)
            steps = [t for t in trail if t.booking_id == b.id]
            assert steps[0].source is None and steps[0].target == "requested"
            assert all(a.target == c.source for a, c in itertools.pairwise(steps))
            assert steps[-1].target == b.state and all(t.at <= now for t in steps)
            assert b.deposit_minor + b.balance_minor == b.total_minor > 0
            assert b.created_at <= b.updated_at <= now
            if state in {BookingState.REQUESTED, BookingState.ACCEPTED, BookingState.CONFIRMED}:
                assert b.starts_at > now
            if state in {BookingState.DELIVERED, BookingState.COMPLETED, BookingState.PAYMENT_DUE}:
                assert b.ends_at < now
            expected_paid = {
                BookingState.REQUESTED: 0,
                BookingState.ACCEPTED: 0,
                BookingState.CONFIRMED: b.deposit_minor,
                BookingState.COMPLETED: b.total_minor,
            }.get(state, b.paid_minor)
            assert b.paid_minor == expected_paid and b.refunded_minor <= b.paid_minor
        assert any(b.refunded_minor > 0 for b in bookings)
        assert any(services[b.service_id].days > 1 for b in bookings if b.state in ACTIVE_STATES)
        assert any(services[b.service_id].duration_minutes for b in bookings)
        kinds = Counter(m.kind for m in outbox)
        assert {"booking_requested", "booking_accepted", "deposit_paid", "balance_paid"} <= set(
            kinds
        )
        assert kinds["booking_requested"] == len(bookings)
        pending = [m for m in outbox if m.status == "pending"]
        assert pending and all(m.created_at >= now - timedelta(days=1) for m in pending)
        assert [a.display_name for a in admins] == ["Admin"]


async def test_second_run_creates_nothing(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    first = await seed_demo(uows, now=clock.now())
    before = await _row_counts(uows)
    clock.advance(timedelta(days=3))
    second = await seed_demo(uows, now=clock.now())
    assert second.already_seeded and not first.already_seeded
    assert (second.providers_created, second.services_created) == (0, 0)
    assert (second.bookings_created, second.users_created) == (0, 0)
    assert await _row_counts(uows) == before
    assert before["bookings"] == first.bookings_created


async def test_seed_next_to_existing_data(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    _, atlas_id, _ = await make_provider(uows, now, slug="studio-atlas")
    _, taken_id, _ = await make_provider(uows, now, slug="studio-nour-rabat", city="fes")
    report = await seed_demo(uows, now=now)
    assert report.providers_created == len(catalogue().providers) - 1
    assert not report.already_seeded
    async with uows() as uow:
        atlas = await uow.session.get(Provider, atlas_id)
        taken = await uow.session.get(Provider, taken_id)
        slugs = (await uow.session.scalars(select(Provider.slug))).all()
        assert atlas is not None and atlas.name["fr"] == "studio-atlas"
        assert taken is not None and taken.name["fr"] == "studio-nour-rabat"  # left as it was
        assert len(slugs) == len(set(slugs)) == len(catalogue().providers) + 1
        assert report.bookings_created >= 30


async def _row_counts(uows: UnitOfWorkFactory) -> dict[str, int]:
    async with uows() as uow:
        return {
            table.name: int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def _copy_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("hours: studio", "hours: siesta", "hours siesta"),
        ("cities: [rabat, kenitra, casablanca]", "cities: [rabat, atlantis]", "atlantis"),
        ("slug: lumiere-atlas-marrakech", "slug: studio-nour-rabat", "duplicate"),
    ],
)
def test_a_catalogue_that_breaks_its_rules_is_refused(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    folder = _copy_data(tmp_path)
    photo = folder / "providers" / "photo.yaml"
    text = photo.read_text(encoding="utf-8")
    assert old in text
    photo.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        load_catalogue(folder)


def test_the_shipped_catalogue_reads_as_written(tmp_path: Path) -> None:
    cat = load_catalogue(_copy_data(tmp_path))
    assert cat == catalogue()
    nour = next(p for p in cat.providers if p.slug == "studio-nour-rabat")
    assert nour.windows == (((1, 2, 3, 4, 5, 6), time(9), time(23)),)
    assert nour.services[1].price_minor == 70_000 and nour.services[1].events == ("engagement",)
    assert cat.admin.email == "admin@demo.mounasabet.test"
