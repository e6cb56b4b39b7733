"""A provider's legal identity for their invoices: legal name, address, ICE, IF, RC (issue 14).

Moroccan identifiers: the ICE (Identifiant Commun de l'Entreprise) has 15 digits; the IF
(identifiant fiscal) is digits; the RC (registre du commerce) is a court and a number.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from core.admin.audit import Operator, record
from core.admin.providers import find_provider
from core.errors import InvalidValue
from core.uow import UnitOfWork

ICE = re.compile(r"^\d{15}$")
TAX_ID = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True, slots=True)
class LegalIdentity:
    """What changes; None leaves a field as it is, "" clears it."""

    legal_name: str | None = None
    legal_address: str | None = None
    legal_ice: str | None = None
    legal_if: str | None = None
    legal_rc: str | None = None

    def checked(self) -> dict[str, str]:
        values = {k: " ".join(v.split()) for k, v in asdict(self).items() if v is not None}
        if values.get("legal_ice") and not ICE.match(values["legal_ice"]):
            raise InvalidValue("invalid_ice", ice=values["legal_ice"])
        if values.get("legal_if") and not TAX_ID.match(values["legal_if"]):
            raise InvalidValue("invalid_tax_id", tax_id=values["legal_if"])
        return values


async def set_legal_identity(
    uow: UnitOfWork, ref: str, identity: LegalIdentity, *, by: Operator, now: datetime
) -> dict[str, Any]:
    """Record what the provider's invoices print from now on (issued ones keep theirs)."""
    values = identity.checked()
    provider = await find_provider(uow, ref, lock=True)
    before = {key: getattr(provider, key) for key in values}
    for key, value in values.items():
        setattr(provider, key, value or None)
    record(
        uow,
        by,
        "providers.legal",
        "provider",
        provider.id,
        now=now,
        details={"before": before, "after": values},
    )
    fields = ("legal_name", "legal_address", "legal_ice", "legal_if", "legal_rc")
    return {"id": provider.id, "slug": provider.slug} | {k: getattr(provider, k) for k in fields}
