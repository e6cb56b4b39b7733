"""Questions the booking form asks about the catalog, inside the update's unit of work
(exact, unlike the cached search and profile of core/catalog/reads.py)."""

from __future__ import annotations

from sqlalchemy import select

from core.db.tables import Provider, ProviderCity, Service
from core.db.tables_catalog import ProviderStatus
from core.uow import UnitOfWork


async def active_provider(uow: UnitOfWork, provider_id: int | None) -> Provider | None:
    """The provider if it takes bookings now; None for an unknown or inactive one."""
    provider = await uow.session.get(Provider, provider_id) if provider_id else None
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    return provider


async def active_provider_by_slug(uow: UnitOfWork, slug: str) -> Provider | None:
    """The provider a deep link names, if it takes bookings now."""
    provider = await uow.session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    return provider


async def active_services(uow: UnitOfWork, provider_id: int) -> list[Service]:
    """A provider's services on offer, the cheapest first."""
    rows = await uow.session.scalars(
        select(Service)
        .where(Service.provider_id == provider_id, Service.active.is_(True))
        .order_by(Service.price_minor, Service.id)
    )
    return list(rows.all())


async def provider_cities(uow: UnitOfWork, provider_id: int) -> list[str]:
    """The cities a provider works in, sorted."""
    rows = await uow.session.scalars(
        select(ProviderCity.city).where(ProviderCity.provider_id == provider_id)
    )
    return sorted(rows.all())


async def service_by_id(uow: UnitOfWork, service_id: int) -> Service | None:
    return await uow.session.get(Service, service_id)
