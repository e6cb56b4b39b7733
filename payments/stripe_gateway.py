"""StripeGateway: the PaymentGateway port on stripe-python's StripeClient (async calls).

Every base URL is a setting, so tests point the client at a fake Stripe on loopback.
Network retries are off: our callers retry with the same idempotency key instead.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe

from core.money import Money
from core.payments.ports import (
    ChargeResult,
    ChargeStatus,
    CheckoutLink,
    CheckoutRequest,
    CustomerInfo,
    GatewayError,
    PaymentKind,
)

# Stripe Checkout speaks French and English but not Arabic: "auto" follows the browser.
T = TypeVar("T")
CHECKOUT_LOCALES = {"fr": "fr", "en": "en"}
INTENT_STATUS = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "processing": ChargeStatus.PROCESSING,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
}


class StripeGateway:
    name = "stripe"

    def __init__(
        self, secret_key: str, *, api_url: str, return_url: str, timeout: float = 30
    ) -> None:
        self._http = stripe.AIOHTTPClient(timeout=timeout)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_url.rstrip("/")},
            max_network_retries=0,
            http_client=self._http,
        )
        self.return_url = return_url.rstrip("/")

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def ensure_customer(self, customer: CustomerInfo, *, idempotency_key: str) -> str:
        params: dict[str, Any] = {
            "name": customer.name or f"Client {customer.user_id}",
            "metadata": {"user_id": str(customer.user_id)},
            "preferred_locales": [customer.locale],
        }
        if customer.email:
            params["email"] = customer.email
        if customer.phone:
            params["phone"] = customer.phone
        created = await _call(
            self._client.v1.customers.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        )
        return str(created.id)

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutLink:
        intent: dict[str, Any] = {"metadata": request.metadata, "description": request.description}
        if request.kind is PaymentKind.DEPOSIT:
            intent["setup_future_usage"] = "off_session"  # the balance is charged on this card
        params: dict[str, Any] = {
            "mode": "payment",
            "customer": request.customer_id,
            "client_reference_id": str(request.booking_id),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.amount,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "metadata": request.metadata,
            "payment_intent_data": intent,
            "expires_at": int(request.expires_at.timestamp()),
            "locale": CHECKOUT_LOCALES.get(request.locale, "auto"),
            "success_url": request.success_url
            or f"{self.return_url}/pay/done?booking={request.booking_id}",
            "cancel_url": request.cancel_url
            or f"{self.return_url}/pay/cancelled?booking={request.booking_id}",
        }
        session = await _call(
            self._client.v1.checkout.sessions.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        )
        return CheckoutLink(
            str(session.id), str(session.url), datetime.fromtimestamp(session.expires_at, UTC)
        )

    async def expire_checkout(self, session_id: str) -> str:
        sessions = self._client.v1.checkout.sessions
        # Stripe expires only open sessions and answers an error otherwise: read first, so
        # "already paid" or "already expired" is an answer, not a failure. A payment made
        # between the two calls fails the expiry; the retry then reads "complete".
        session = await _call(sessions.retrieve_async(session_id))
        if session.status == "open":
            session = await _call(sessions.expire_async(session_id))
        return str(session.status)

    async def find_checkout(
        self, payment_id: int, *, made_within: tuple[datetime, datetime]
    ) -> str | None:
        # Stripe lists sessions by status and creation time (newest first, 100 a page) but
        # cannot filter on metadata: the few opened within those minutes are read for ours.
        first, last = made_within
        sessions = await _call(
            self._client.v1.checkout.sessions.list_async(
                params={
                    "status": "open",
                    "created": {"gte": int(first.timestamp()), "lte": int(last.timestamp())},
                    "limit": 100,
                }
            )
        )
        wanted = str(payment_id)
        try:
            async for session in sessions.auto_paging_iter():
                metadata = session.metadata.to_dict() if session.metadata else {}
                if metadata.get("payment_id") == wanted:
                    return str(session.id)
        except stripe.StripeError as error:  # a later page
            raise _gateway_error(error) from error
        return None

    async def payment_method_of(self, payment_intent_id: str) -> str | None:
        intent = await _call(self._client.v1.payment_intents.retrieve_async(payment_intent_id))
        method = intent.payment_method
        if method is None:
            return None
        return method if isinstance(method, str) else str(method.id)

    async def charge_off_session(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        params: dict[str, Any] = {
            "amount": amount.amount,
            "currency": amount.currency.lower(),
            "customer": customer_id,
            "payment_method": payment_method_id,
            "off_session": True,
            "confirm": True,
            "metadata": metadata,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            # authentication_required: the bank wants the customer there (3-D Secure).
            raw = error.json_body if isinstance(error.json_body, dict) else {}
            body: dict[str, Any] = raw.get("error") or {}
            status = (
                ChargeStatus.REQUIRES_ACTION
                if error.code == "authentication_required"
                else ChargeStatus.DECLINED
            )
            intent_id = (body.get("payment_intent") or {}).get("id")
            return ChargeResult(status, intent_id, body.get("decline_code") or error.code)
        except stripe.StripeError as error:
            raise _gateway_error(error) from error
        status = INTENT_STATUS.get(str(intent.status), ChargeStatus.DECLINED)
        error_code = None if status is ChargeStatus.SUCCEEDED else str(intent.status)
        return ChargeResult(status, str(intent.id), error_code)

    async def refund(self, *, payment_intent_id: str, amount: Money, idempotency_key: str) -> str:
        refund = await _call(
            self._client.v1.refunds.create_async(
                params={"payment_intent": payment_intent_id, "amount": amount.amount},
                options={"idempotency_key": idempotency_key},
            )
        )
        if refund.status in ("failed", "canceled"):
            raise GatewayError(f"refund {refund.id} {refund.status}", code="refund_failed")
        return str(refund.id)

    async def transfer(
        self, *, destination: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        transfer = await _call(
            self._client.v1.transfers.create_async(
                params={
                    "amount": amount.amount,
                    "currency": amount.currency.lower(),
                    "destination": destination,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        )
        return str(transfer.id)


async def _call(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def _gateway_error(error: stripe.StripeError) -> GatewayError:
    if isinstance(error, stripe.IdempotencyError):
        code = "idempotency_conflict"
    elif isinstance(error, stripe.APIConnectionError):
        code = "unreachable"
    else:
        code = getattr(error, "code", None) or type(error).__name__
    status = error.http_status or 0
    # 409 (a concurrent use of the key) and 429 (slow down) are answers about the request's
    # timing, not its content: the same key may go again.
    refused = 400 <= status < 500 and status not in (409, 429)
    return GatewayError(f"stripe: {error.user_message or error}", code=code, refused=refused)
