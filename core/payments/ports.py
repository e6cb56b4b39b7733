"""Ports for taking money: the gateway (Stripe or the offline one) and link signing.

Core never imports a vendor SDK; the outer ``payments`` package implements these small
protocols (``StripeGateway``, ``OfflineGateway``) and the composition root picks one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from core.money import Money
from core.payments.invoice_parties import InvoiceIssuer

# Outbox rows on this channel are calls to the payment gateway, not chat messages: a
# transaction queues them, and the outbox worker makes them after its commit.
GATEWAY_CHANNEL = "gateway"


class PaymentKind(StrEnum):
    DEPOSIT = "deposit"
    BALANCE = "balance"


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"  # asynchronous method: a webhook will tell
    REQUIRES_ACTION = "requires_action"  # the bank wants the customer (3-D Secure)
    DECLINED = "declined"


class GatewayError(Exception):
    """The gateway could not be reached or refused the request (not the customer's fault).

    ``refused``: the gateway answered that it will not do it (a 4xx other than a conflict
    or a rate limit), so nothing happened; it keeps that answer under the idempotency key,
    and a retry that should do better needs a new key. Otherwise (unreachable, a 5xx) the
    request may have gone through, and only the same key may be tried again.
    """

    def __init__(self, message: str, *, code: str | None = None, refused: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.refused = refused


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    user_id: int
    name: str
    email: str | None
    phone: str | None
    locale: str


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One payment attempt for one booking: Stripe's Checkout Session in payment mode."""

    booking_id: int
    payment_id: int
    reference: str
    kind: PaymentKind
    amount: Money
    description: str
    customer_id: str
    idempotency_key: str
    expires_at: datetime
    locale: str
    # Where the payer lands afterwards; the gateway's own pages when None.
    success_url: str | None = None
    cancel_url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckoutLink:
    id: str
    url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: ChargeStatus
    payment_intent_id: str | None = None
    error: str | None = None  # the gateway's decline code, e.g. authentication_required


class PaymentGateway(Protocol):
    """Port: takes, charges again, gives back and passes on money."""

    name: str

    async def ensure_customer(self, customer: CustomerInfo, *, idempotency_key: str) -> str:
        """Create the gateway's customer for one of our users; returns its id."""
        ...

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutLink: ...

    async def expire_checkout(self, session_id: str) -> str:
        """Make a Checkout link unpayable; returns the session's status afterwards:
        ``expired``, or ``complete`` when the customer paid first (its events follow)."""
        ...

    async def find_checkout(
        self, payment_id: int, *, made_within: tuple[datetime, datetime]
    ) -> str | None:
        """The open Checkout session made for our payment ``payment_id`` (its metadata)
        within ``made_within`` (first, last), if any: the making of a link cut short (the
        client gave up waiting, or the process died) may have left one whose id we never
        stored."""
        ...

    async def payment_method_of(self, payment_intent_id: str) -> str | None:
        """The card a past payment used (saved for off-session charges)."""
        ...

    async def charge_off_session(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult: ...

    async def refund(self, *, payment_intent_id: str, amount: Money, idempotency_key: str) -> str:
        """Give back part or all of a payment; returns the refund's id."""
        ...

    async def transfer(
        self, *, destination: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        """Pay a provider's connected account; returns the transfer's id."""
        ...


class LinkSigner(Protocol):
    """Port: unguessable, expiring links to documents we serve (invoices, credit notes)."""

    def invoice_url(self, invoice_id: int, *, now: datetime) -> str: ...

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str: ...


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """A payment event in Stripe's shape (``data.object`` as a plain dict).

    Stripe webhooks and the offline gateway's pay page both produce these, so one code
    path handles both.
    """

    id: str
    type: str
    object: dict[str, Any]
    source: str = "stripe"

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "stripe") -> GatewayEvent:
        return cls(str(data["id"]), str(data["type"]), dict(data["data"]["object"]), source)


@dataclass(frozen=True, slots=True)
class Payments:
    """Everything the payment services take from outside, built by the composition root."""

    gateway: PaymentGateway
    links: LinkSigner
    commission_bp: int = 1000
    issuer: InvoiceIssuer = field(default_factory=InvoiceIssuer)
