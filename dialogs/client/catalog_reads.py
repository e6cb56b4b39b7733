"""Reads of the catalog that several steps share."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from core.db.tables import Provider, ProviderCity, Service
from core.db.tables_catalog import ProviderStatus
from dialogs.framework.context import Ctx
from dialogs.i18n.translator import Translator


async def active_provider(ctx: Ctx, provider_id: int | None) -> Provider | None:
    provider = await ctx.uow.session.get(Provider, provider_id) if provider_id else None
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    return provider


async def active_services(ctx: Ctx, provider_id: int) -> list[Service]:
    rows = await ctx.uow.session.scalars(
        select(Service)
        .where(Service.provider_id == provider_id, Service.active.is_(True))
        .order_by(Service.price_minor, Service.id)
    )
    return list(rows.all())


async def provider_cities(ctx: Ctx, provider_id: int) -> list[str]:
    rows = await ctx.uow.session.scalars(
        select(ProviderCity.city).where(ProviderCity.provider_id == provider_id)
    )
    return sorted(rows.all())


class Priced(Protocol):
    """A service's price: an ORM Service or a cached ProfileService."""

    @property
    def price_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def pricing_model(self) -> str: ...


def price_text(service: Priced, t: Translator) -> str:
    amount = t.money(service.price_minor, service.currency)
    if service.pricing_model == "per_guest":
        return t("{amount} per guest", amount=amount)
    if service.pricing_model == "per_hour":
        return t("{amount} per hour", amount=amount)
    return amount
