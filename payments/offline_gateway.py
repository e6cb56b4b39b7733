"""OfflineGateway: the embedded default when no Stripe key is set.

Checkout links open our own page (``/pay/<session id>``, see offline_page.py) whose Pay
and Fail buttons produce the events Stripe would send. Off-session charges succeed,
except that an amount ending in 02 minor units (say 1 234,02 MAD) is declined, so a demo
can show the balance-by-link path on purpose. Idempotency keys behave as Stripe's do
(same key and parameters: same answer; other parameters: refused), within one process.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from core.money import Money
from core.payments.ports import (
    ChargeResult,
    ChargeStatus,
    CheckoutLink,
    CheckoutRequest,
    CustomerInfo,
    GatewayError,
)

DECLINED_CENTS = 2
SAVED_CARD = "pm_offline_card"


class OfflineGateway:
    name = "offline"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._answers: dict[str, tuple[Any, Any]] = {}

    def _once(self, key: str, params: Any, make: Any) -> Any:
        seen = self._answers.get(key)
        if seen is not None:
            if seen[0] != params:
                raise GatewayError(
                    "idempotency key reused with other parameters", code="idempotency_conflict"
                )
            return seen[1]
        answer = make()
        self._answers[key] = (params, answer)
        return answer

    async def ensure_customer(self, customer: CustomerInfo, *, idempotency_key: str) -> str:
        return f"cus_offline_{customer.user_id}"

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutLink:
        def make() -> CheckoutLink:
            session_id = f"cs_offline_{secrets.token_urlsafe(18)}"
            return CheckoutLink(session_id, f"{self.base_url}/pay/{session_id}", request.expires_at)

        params = (request.booking_id, request.kind, request.amount, request.expires_at)
        link: CheckoutLink = self._once(request.idempotency_key, params, make)
        return link

    async def expire_checkout(self, session_id: str) -> str:
        # The offline session lives in our database, not in this object (the page and the
        # worker may be two processes): the page takes money only for a pending payment,
        # and the payment stopped being pending when its booking moved on.
        if not session_id.startswith("cs_offline_"):
            raise GatewayError(f"not an offline session: {session_id}", code="resource_missing")
        return "expired"

    async def find_checkout(
        self, payment_id: int, *, made_within: tuple[datetime, datetime]
    ) -> str | None:
        # An offline session is only a row of ours: one whose id was never stored on its
        # payment has no page that takes money (offline_page.py reads the payment by it).
        return None

    async def payment_method_of(self, payment_intent_id: str) -> str | None:
        return SAVED_CARD

    async def charge_off_session(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        def make() -> ChargeResult:
            intent = f"pi_offline_{secrets.token_hex(8)}"
            if amount.amount % 100 == DECLINED_CENTS:
                return ChargeResult(ChargeStatus.DECLINED, intent, "card_declined")
            return ChargeResult(ChargeStatus.SUCCEEDED, intent)

        result: ChargeResult = self._once(
            idempotency_key, (customer_id, payment_method_id, amount), make
        )
        return result

    async def refund(self, *, payment_intent_id: str, amount: Money, idempotency_key: str) -> str:
        refund: str = self._once(
            idempotency_key,
            (payment_intent_id, amount),
            lambda: f"re_offline_{secrets.token_hex(8)}",
        )
        return refund

    async def transfer(
        self, *, destination: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        transfer: str = self._once(
            idempotency_key, (destination, amount), lambda: f"tr_offline_{secrets.token_hex(8)}"
        )
        return transfer
