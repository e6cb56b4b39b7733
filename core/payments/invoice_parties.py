"""Who an invoice names: the platform that issues it, the provider who serves, the client
billed, and the commission line; frozen into the invoice's data at issue (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.db.tables import Booking, Payment, Provider, User
from core.money import round_half_up


@dataclass(frozen=True, slots=True)
class InvoiceIssuer:
    """The platform as its invoices name it (settings), and whether they show its commission.

    ``commission_vat_bp`` is the VAT rate included in the commission, in basis points;
    None prints no commission line at all.
    """

    name: str = ""
    address: str = ""
    ice: str = ""
    tax_id: str = ""  # IF, identifiant fiscal
    trade_register: str = ""  # RC, registre du commerce
    commission_vat_bp: int | None = None

    def snapshot(self) -> dict[str, str]:
        return {
            "name": self.name,
            "address": self.address,
            "ice": self.ice,
            "if": self.tax_id,
            "rc": self.trade_register,
        }


def client_party(booking: Booking, client: User | None) -> dict[str, Any]:
    """The client as the booking's summary showed them: what was shown is what is billed.

    An email remembered from an earlier booking is not used when this one's summary
    said "Email: —" (issue 14).
    """
    fallback = (client.full_name or client.display_name) if client else ""
    return {
        "name": booking.contact_name or fallback or "",
        "email": booking.contact_email,
        "phone": booking.contact_phone,
    }


def provider_party(provider: Provider | None) -> dict[str, Any]:
    if provider is None:
        return {"name": {}, "slug": ""}
    return {
        "name": dict(provider.name),
        "slug": provider.slug,
        "legal_name": provider.legal_name or "",
        "address": provider.legal_address or "",
        "ice": provider.legal_ice or "",
        "if": provider.legal_if or "",
        "rc": provider.legal_rc or "",
    }


def payment_reference(booking: Booking, payment: Payment) -> str:
    """A reference a person can read out on the phone: the booking's, the kind, the attempt."""
    return f"{booking.reference}-{payment.kind[:3].upper()}{payment.attempt}"


def commission_line(
    amount_minor: int, commission_bp: int, issuer: InvoiceIssuer
) -> dict[str, int] | None:
    """The platform's part of this payment and the VAT it includes, where a setting asks."""
    if issuer.commission_vat_bp is None:
        return None
    commission = round_half_up(amount_minor * commission_bp, 10_000)
    vat = round_half_up(commission * issuer.commission_vat_bp, 10_000 + issuer.commission_vat_bp)
    return {
        "commission_bp": commission_bp,
        "commission_minor": commission,
        "vat_bp": issuer.commission_vat_bp,
        "vat_minor": vat,
    }
