"""Reads of the catalog that several steps share."""

from __future__ import annotations

from typing import Protocol

from core.catalog import queries as catalog_queries
from core.rows import Provider, Service
from dialogs.framework.context import Ctx
from dialogs.i18n.translator import Translator


async def active_provider(ctx: Ctx, provider_id: int | None) -> Provider | None:
    return await catalog_queries.active_provider(ctx.uow, provider_id)


async def active_services(ctx: Ctx, provider_id: int) -> list[Service]:
    return await catalog_queries.active_services(ctx.uow, provider_id)


async def provider_cities(ctx: Ctx, provider_id: int) -> list[str]:
    return await catalog_queries.provider_cities(ctx.uow, provider_id)


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
