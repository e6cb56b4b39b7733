"""How the catalog's prices read, in the chat and on the site."""

from __future__ import annotations

from typing import Protocol

from dialogs.i18n.translator import Translator


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
