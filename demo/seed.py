"""``mounasabet demo seed``: demo providers, clients and bookings, idempotently.

Providers are keyed by slug, demo people by e-mail and bookings by (client, service):
whatever already exists is left alone, so the seed can run on every start and next to
real data. Everything is written through core's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.booking.states import Role
from core.catalog.provider_setup import ProviderIds, providers_by_slug
from core.people.persons import ensure_person
from core.uow import UnitOfWorkFactory
from demo.bookings import Parties, exists, outbox_mark, play, settle_history
from demo.catalogue import Catalogue, catalogue
from demo.model import PersonSpec
from demo.plan import Scenario, plan
from demo.providers import SOURCE, add_provider

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


async def seed_demo(
    uows: UnitOfWorkFactory,
    *,
    now: datetime,
    seed: int = DEMO_SEED,
    cat: Catalogue | None = None,
) -> SeedReport:
    """Create whatever demo data is missing; running it again creates nothing."""
    cat = cat or catalogue()
    slugs = [p.slug for p in cat.providers]
    async with uows() as uow:
        present = set(await providers_by_slug(uow.session, slugs))
    users = 0
    _, made = await _person(uows, cat.admin, Role.ADMIN, now=now)
    users += made
    clients: dict[str, int] = {}
    for spec in cat.clients:
        clients[spec.key], made = await _person(uows, spec, Role.CLIENT, now=now)
        users += made
    providers = services = 0
    for provider_spec in cat.providers:
        if provider_spec.slug in present:
            continue
        services += await add_provider(uows, provider_spec, domain=cat.domain, now=now, seed=seed)
        providers += 1
    users += providers
    created, skipped = await _bookings(uows, cat, plan(cat, seed), clients, now=now)
    return SeedReport(
        providers_created=providers,
        services_created=services,
        bookings_created=created,
        users_created=users,
        bookings_skipped=skipped,
        already_seeded=len(present) == len(slugs),
    )


async def _person(
    uows: UnitOfWorkFactory, spec: PersonSpec, role: Role, *, now: datetime
) -> tuple[int, int]:
    """(user id, 1 if created now else 0) for a demo person found by e-mail and role."""
    async with uows() as uow:
        user_id, created = await ensure_person(
            uow,
            email=spec.email,
            role=role,
            display_name=spec.display_name,
            locale=spec.locale,
            source=SOURCE,
            now=now,
        )
        await uow.commit()
    return user_id, int(created)


async def _bookings(
    uows: UnitOfWorkFactory,
    cat: Catalogue,
    scenarios: list[Scenario],
    clients: dict[str, int],
    *,
    now: datetime,
) -> tuple[int, int]:
    """Play every scenario not played before; returns (created, skipped)."""
    async with uows() as uow:
        demo = await providers_by_slug(uow.session, [p.slug for p in cat.providers])
    mark = await outbox_mark(uows)
    created = skipped = 0
    for sc in scenarios:
        found: ProviderIds | None = demo.get(sc.provider.slug)
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
        people = set(clients.values()) | {p.owner_id for p in demo.values() if p.service_ids}
        await settle_history(uows, after_id=mark, user_ids=people, now=now)
    return created, skipped
