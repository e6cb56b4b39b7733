"""``mounasabet demo seed``: demo providers, clients and bookings, idempotently.

Providers are keyed by slug, demo people by e-mail and bookings by (client, service):
whatever already exists is left alone, so the seed can run on every start and next to
real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.db.tables import Provider, Service, User, UserRole
from core.demo.bookings import Parties, exists, outbox_mark, play, settle_history
from core.demo.catalog import add_provider
from core.demo.data import ADMIN, CLIENTS, PROVIDERS, check_data
from core.demo.model import PersonSpec
from core.demo.plan import Scenario, plan
from core.uow import UnitOfWorkFactory

DEMO_SEED = 2026


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What one run created; ``already_seeded`` when every demo provider was there."""

    providers_created: int
    services_created: int
    bookings_created: int
    users_created: int
    bookings_skipped: int  # planned bookings for which no free day was found
    already_seeded: bool


@dataclass(frozen=True, slots=True)
class _DemoProvider:
    owner_id: int
    service_ids: tuple[int, ...]


async def seed_demo(uows: UnitOfWorkFactory, *, now: datetime, seed: int = DEMO_SEED) -> SeedReport:
    """Create whatever demo data is missing; running it again creates nothing."""
    check_data()
    slugs = [p.slug for p in PROVIDERS]
    async with uows() as uow:
        present = set(
            await uow.session.scalars(select(Provider.slug).where(Provider.slug.in_(slugs)))
        )
    users = 0
    _, made = await _person(uows, ADMIN, UserRole.ADMIN, now=now)
    users += made
    clients: dict[str, int] = {}
    for spec in CLIENTS:
        clients[spec.key], made = await _person(uows, spec, UserRole.CLIENT, now=now)
        users += made
    providers = services = 0
    for provider_spec in PROVIDERS:
        if provider_spec.slug in present:
            continue
        services += await add_provider(uows, provider_spec, now=now, seed=seed)
        providers += 1
    users += providers
    created, skipped = await _bookings(uows, plan(seed), clients, now=now)
    return SeedReport(
        providers_created=providers,
        services_created=services,
        bookings_created=created,
        users_created=users,
        bookings_skipped=skipped,
        already_seeded=len(present) == len(slugs),
    )


async def _person(
    uows: UnitOfWorkFactory, spec: PersonSpec, role: UserRole, *, now: datetime
) -> tuple[int, int]:
    """(user id, 1 if created now else 0) for a demo person found by e-mail and role."""
    async with uows() as uow:
        session = uow.session
        found = await session.scalar(
            select(User.id)
            .where(User.email == spec.email, User.role == role.value)
            .order_by(User.id)
            .limit(1)
        )
        if found is not None:
            return found, 0
        user = User(
            role=role.value,
            display_name=spec.display_name,
            locale=spec.locale,
            email=spec.email,
            source="demo",
            created_at=now,
        )
        session.add(user)
        await uow.commit()
        return user.id, 1


async def _bookings(
    uows: UnitOfWorkFactory, scenarios: list[Scenario], clients: dict[str, int], *, now: datetime
) -> tuple[int, int]:
    """Play every scenario not played before; returns (created, skipped)."""
    demo = await _demo_providers(uows)
    mark = await outbox_mark(uows)
    created = skipped = 0
    for sc in scenarios:
        found = demo.get(sc.provider.slug)
        if found is None or len(found.service_ids) != len(sc.provider.services):
            skipped += 1  # a provider with this slug exists but isn't ours as we know it
            continue
        parties = Parties(
            clients[sc.client.key], found.owner_id, found.service_ids[sc.service_index]
        )
        if await exists(uows, parties):
            continue
        if await play(uows, sc, parties, now=now):
            created += 1
        else:
            skipped += 1
    if created:
        people = set(clients.values()) | {p.owner_id for p in demo.values()}
        await settle_history(uows, after_id=mark, user_ids=people, now=now)
    return created, skipped


async def _demo_providers(uows: UnitOfWorkFactory) -> dict[str, _DemoProvider]:
    """Owner and service ids (in creation order) of the demo providers in the database."""
    slugs = [p.slug for p in PROVIDERS]
    async with uows() as uow:
        rows = (
            await uow.session.execute(
                select(Provider.slug, Provider.user_id, Service.id)
                .join(Service, Service.provider_id == Provider.id)
                .where(Provider.slug.in_(slugs))
                .order_by(Provider.slug, Service.id)
            )
        ).all()
    owners: dict[str, int] = {}
    services: dict[str, list[int]] = {}
    for slug, owner_id, service_id in rows:
        owners[slug] = owner_id
        services.setdefault(slug, []).append(service_id)
    return {slug: _DemoProvider(owners[slug], tuple(ids)) for slug, ids in services.items()}
