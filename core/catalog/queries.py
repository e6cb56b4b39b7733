"""Questions the booking form asks about the catalog, on the session they are given: the
update's own (a transaction) or a read-only one (dialogs/framework/reads.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Provider, ProviderCity, Service
from core.db.tables_catalog import ProviderStatus


async def active_provider(session: AsyncSession, provider_id: int | None) -> Provider | None:
    """The provider if it takes bookings now; None for an unknown or inactive one."""
    provider = await session.get(Provider, provider_id) if provider_id else None
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    return provider


async def active_provider_by_slug(session: AsyncSession, slug: str) -> Provider | None:
    """The provider a deep link names, if it takes bookings now."""
    provider = await session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    return provider


async def active_services(session: AsyncSession, provider_id: int) -> list[Service]:
    """A provider's services on offer, the cheapest first."""
    rows = await session.scalars(
        select(Service)
        .where(Service.provider_id == provider_id, Service.active.is_(True))
        .order_by(Service.price_minor, Service.id)
    )
    return list(rows.all())


async def provider_cities(session: AsyncSession, provider_id: int) -> list[str]:
    """The cities a provider works in, sorted."""
    rows = await session.scalars(
        select(ProviderCity.city).where(ProviderCity.provider_id == provider_id)
    )
    return sorted(rows.all())


async def service_by_id(session: AsyncSession, service_id: int) -> Service | None:
    return await session.get(Service, service_id)
