"""A small stateful fake of Stripe's API on loopback, for stripe-python over real HTTP.

Point a client at it with ``StripeClient(key, base_addresses={"api": fake.url})``. It
answers in Stripe's object shapes for what Mounasabet uses (customers, Checkout Sessions,
PaymentIntents with off-session confirmation, refunds, transfers; sessions can be read and
expired, and an expired session takes no payment), checks the Bearer key
and honours ``Idempotency-Key`` (same key and parameters: the first answer again; other
parameters: an ``idempotency_error``). It also plays Stripe's side of the webhook: it
signs events (``Stripe-Signature: t=...,v1=...``) and POSTs them to our endpoint.

Cards (payment methods) behave like Stripe's test cards:
``pm_card_visa`` succeeds, ``pm_card_authenticationRequired`` needs 3-D Secure off
session, ``pm_card_chargeDeclined`` is declined; ``pm_bank_debit`` (a bank debit) leaves
an off-session charge ``processing`` until ``settle_intent`` says how it ended.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from core.clock import Clock

JSON = dict[str, Any]
CHECKOUT_MIN = timedelta(minutes=30)
CHECKOUT_MAX = timedelta(hours=24)
AUTH_REQUIRED = "pm_card_authenticationRequired"
DECLINED = "pm_card_chargeDeclined"
BANK_DEBIT = "pm_bank_debit"
VISA = "pm_card_visa"


def decode_form(body: str) -> JSON:
    """``a[b][0][c]=1`` form encoding (stripe-python's) back into nested dicts and lists."""
    root: JSON = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for here, after in zip(parts, [*parts[1:], None], strict=True):
            if after is None:
                node[here] = value
            else:
                node = node.setdefault(here, {})
    decoded: JSON = _lists(root)
    return decoded


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    fixed = {k: _lists(v) for k, v in node.items()}
    if fixed and all(k.isdigit() for k in fixed):
        return [fixed[k] for k in sorted(fixed, key=int)]
    return fixed


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeError(Exception):
    def __init__(self, status: int, error: JSON) -> None:
        super().__init__(error.get("message"))
        self.status, self.error = status, error


class SessionClosed(Exception):
    """The hosted page of an expired (or paid) Checkout Session takes no payment."""


@dataclass
class Call:
    method: str
    path: str
    params: JSON
    idempotency_key: str | None
    status: int


@dataclass
class FakeStripe:
    api_key: str
    webhook_secret: str
    clock: Clock
    webhook_url: str = ""
    url: str = ""
    customers: dict[str, JSON] = field(default_factory=dict)
    sessions: dict[str, JSON] = field(default_factory=dict)
    intents: dict[str, JSON] = field(default_factory=dict)
    refunds: dict[str, JSON] = field(default_factory=dict)
    transfers: dict[str, JSON] = field(default_factory=dict)
    # Transfers never reach Stripe (a network outage): the connection drops unanswered, so
    # nothing is kept under the idempotency key (unlike an answered error, which Stripe
    # replays to every retry with the same key).
    transfers_unreachable: bool = False
    # Transfers answered with a refusal (the platform's balance is short), which is kept
    # under the idempotency key like any answer.
    transfers_refused: bool = False
    # Answers to these paths come after so many seconds: a Stripe that is slow today.
    slow: dict[str, float] = field(default_factory=dict)
    arrived: list[str] = field(default_factory=list)  # paths as asked, before any answer
    calls: list[Call] = field(default_factory=list)
    # Events Stripe emits on its own after an API call (an expiry), for tests to deliver.
    sent: list[JSON] = field(default_factory=list)
    _answers: dict[str, tuple[str, int, JSON]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None

    # -- the server -------------------------------------------------------------------

    async def start(self) -> FakeStripe:
        app = web.Application()
        app.router.add_route("*", "/v1/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._http = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.Response:
        query = await request.text() if request.method == "POST" else request.query_string
        params = decode_form(query)
        key = request.headers.get("Idempotency-Key")
        path = "/" + request.match_info["path"]
        if self.transfers_unreachable and path == "/transfers" and request.transport:
            request.transport.close()
            return web.Response(status=503)  # never written: the connection is gone
        self.arrived.append(path)
        if path in self.slow:
            await asyncio.sleep(self.slow[path])
        status, body = self._answer(request, path, params, key)
        self.calls.append(Call(request.method, path, params, key, status))
        return web.json_response(body, status=status)

    def _answer(
        self, request: web.Request, path: str, params: JSON, key: str | None
    ) -> tuple[int, JSON]:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
        fingerprint = json.dumps([request.method, path, params], sort_keys=True)
        if key and request.method == "POST" and key in self._answers:
            seen, status, body = self._answers[key]
            if seen != fingerprint:
                return 400, {
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the "
                        "same parameters they were first used with.",
                    }
                }
            return status, body
        try:
            status, body = 200, self._route(request.method, path, params)
        except StripeError as error:
            status, body = error.status, {"error": error.error}
        if key and request.method == "POST":
            self._answers[key] = (fingerprint, status, body)
        return status, body

    def _route(self, method: str, path: str, params: JSON) -> JSON:
        if (method, path) == ("POST", "/customers"):
            return self._customer(params)
        if (method, path) == ("POST", "/checkout/sessions"):
            return self._session(params)
        if (method, path) == ("GET", "/checkout/sessions"):
            return self._session_list(params)
        if path.startswith("/checkout/sessions/"):
            return self._session_action(method, path.split("/")[3:])
        if (method, path) == ("POST", "/payment_intents"):
            return self._off_session(params)
        if method == "GET" and path.startswith("/payment_intents/"):
            return self._find(self.intents, path.rsplit("/", 1)[1])
        if (method, path) == ("POST", "/refunds"):
            return self._refund(params)
        if (method, path) == ("POST", "/transfers") and self.transfers_refused:
            raise StripeError(
                400,
                {
                    "type": "invalid_request_error",
                    "code": "balance_insufficient",
                    "message": "You have insufficient available funds in your Stripe account.",
                },
            )
        if (method, path) == ("POST", "/transfers"):
            transfer = {"id": _id("tr"), "object": "transfer", **_ints(params, "amount")}
            self.transfers[transfer["id"]] = transfer
            return transfer
        raise StripeError(404, {"type": "invalid_request_error", "message": f"no {path}"})

    def _find(self, table: Mapping[str, JSON], object_id: str) -> JSON:
        if object_id not in table:
            raise StripeError(
                404, {"type": "invalid_request_error", "code": "resource_missing", "message": ""}
            )
        return table[object_id]

    def _customer(self, params: JSON) -> JSON:
        customer = {"id": _id("cus"), "object": "customer", "invoice_settings": {}, **params}
        self.customers[customer["id"]] = customer
        return customer

    def _session(self, params: JSON) -> JSON:
        now = int(self.clock.now().timestamp())
        expires = int(params.get("expires_at", now + 86_400))
        low, high = CHECKOUT_MIN.total_seconds(), CHECKOUT_MAX.total_seconds()
        if not low <= expires - now <= high:
            raise StripeError(
                400,
                {
                    "type": "invalid_request_error",
                    "param": "expires_at",
                    "message": "expires_at must be between 30 minutes and 24 hours away",
                },
            )
        if params.get("customer") not in self.customers:
            raise StripeError(400, {"type": "invalid_request_error", "param": "customer"})
        item = params["line_items"][0]
        amount = int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
        session_id = _id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "created": now,
            "url": f"{self.url}/c/pay/{session_id}",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": item["price_data"]["currency"],
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "expires_at": expires,
            "locale": params.get("locale"),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
        }
        self.sessions[session_id] = session | {"_intent_data": params.get("payment_intent_data")}
        return session

    def _session_list(self, params: JSON) -> JSON:
        """``GET /checkout/sessions``: by ``status`` and a ``created`` range, newest first
        (by creation, then id: our ids are not ordered, Stripe's page on them alike), a
        page of ``limit`` (at most 100) after ``starting_after``."""
        limit = int(params.get("limit", 10))
        if not 1 <= limit <= 100:
            raise StripeError(400, {"type": "invalid_request_error", "param": "limit"})
        created = params.get("created", {})
        if not isinstance(created, dict):  # one exact timestamp
            created = {"gte": created, "lte": created}
        if not set(created) <= set(_CREATED_BOUNDS):
            raise StripeError(400, {"type": "invalid_request_error", "param": "created"})
        created = _ints(created, *_CREATED_BOUNDS)
        bounds = _CREATED_BOUNDS
        found = [
            s
            for s in sorted(self.sessions.values(), key=lambda s: (s["created"], s["id"]))[::-1]
            if params.get("status") in (None, s["status"])
            and all(bounds[op](s["created"], bound) for op, bound in created.items())
        ]
        after = params.get("starting_after")
        if after is not None:
            ids = [s["id"] for s in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        return {
            "object": "list",
            "url": "/v1/checkout/sessions",
            "has_more": len(found) > limit,
            "data": [self.public(s) for s in found[:limit]],
        }

    def _session_action(self, method: str, parts: list[str]) -> JSON:
        """``GET /checkout/sessions/{id}`` and ``POST /checkout/sessions/{id}/expire``."""
        session = self._find(self.sessions, parts[0])
        if method == "GET" and len(parts) == 1:
            return self.public(session)
        if method == "POST" and parts[1:] == ["expire"]:
            # Stripe expires only open sessions; anything else is an error, as there.
            if session["status"] != "open":
                raise StripeError(
                    400,
                    {
                        "type": "invalid_request_error",
                        "message": f'Only Checkout Sessions with a status in ["open"] can be'
                        f" expired. This session has a status of {session['status']}.",
                    },
                )
            session.update(status="expired")
            self.sent.append(self.event("checkout.session.expired", self.public(session)))
            return self.public(session)
        raise StripeError(404, {"type": "invalid_request_error", "message": "no such action"})

    def _intent(self, **fields: Any) -> JSON:
        intent = {
            "id": _id("pi"),
            "object": "payment_intent",
            "amount_received": 0,
            "latest_charge": None,
            "last_payment_error": None,
            **fields,
        }
        self.intents[intent["id"]] = intent
        return intent

    def _off_session(self, params: JSON) -> JSON:
        amount = int(params["amount"])
        card = params.get("payment_method")
        customer = self.customers.get(params.get("customer", ""))
        if customer is None or card not in customer.get("_cards", ()):
            raise StripeError(400, {"type": "invalid_request_error", "param": "payment_method"})
        intent = self._intent(
            amount=amount,
            currency=params["currency"],
            customer=customer["id"],
            payment_method=card,
            metadata=params.get("metadata", {}),
            status="requires_payment_method",
        )
        if card in (AUTH_REQUIRED, DECLINED):
            code = "authentication_required" if card == AUTH_REQUIRED else "card_declined"
            error = {"type": "card_error", "code": code, "message": "The card was not charged."}
            if card == DECLINED:
                error["decline_code"] = "generic_decline"
            intent["last_payment_error"] = error
            raise StripeError(402, {**error, "payment_intent": intent})
        if card == BANK_DEBIT:  # the bank answers days later, by webhook
            intent.update(status="processing")
            return intent
        intent.update(status="succeeded", amount_received=amount, latest_charge=_id("ch"))
        return intent

    def _refund(self, params: JSON) -> JSON:
        intent = self._find(self.intents, params.get("payment_intent", ""))
        amount = int(params["amount"] if "amount" in params else intent["amount_received"])
        done = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        if amount <= 0 or done + amount > intent["amount_received"]:
            raise StripeError(
                400,
                {
                    "type": "invalid_request_error",
                    "code": "amount_too_large",
                    "message": "Refund amount is greater than the unrefunded amount.",
                },
            )
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        return refund

    # -- what the customer and the bank do --------------------------------------------

    def pay_checkout(self, session_id: str, card: str = VISA) -> list[JSON]:
        """The customer pays on the hosted page: the events Stripe then sends, in order."""
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise SessionClosed(f"checkout session {session_id} is {session['status']}")
        intent_data = session.get("_intent_data") or {}
        intent = self._session_intent(session)
        intent.update(
            amount_received=session["amount_total"],
            payment_method=card,
            status="succeeded",
            last_payment_error=None,
            latest_charge=_id("ch"),
        )
        if intent_data.get("setup_future_usage") == "off_session":
            self.customers[session["customer"]].setdefault("_cards", []).append(card)
        session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
        return [
            self.event("payment_intent.succeeded", intent),
            self.event("checkout.session.completed", self.public(session)),
        ]

    def decline_on_checkout(self, session_id: str) -> JSON:
        """The customer's card is declined on the hosted page, which stays open for another
        try: Stripe tells only the session's PaymentIntent (``payment_intent.payment_failed``)."""
        session = self.sessions[session_id]
        intent = self._session_intent(session)
        error = {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}
        intent.update(
            payment_method=DECLINED, status="requires_payment_method", last_payment_error=error
        )
        return self.event("payment_intent.payment_failed", intent)

    def _session_intent(self, session: JSON) -> JSON:
        """The PaymentIntent behind a Checkout Session: made at the first attempt, then kept."""
        if session.get("_intent") in self.intents:
            return self.intents[session["_intent"]]
        intent = self._intent(
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            metadata=(session.get("_intent_data") or {}).get("metadata", {}),
            status="requires_payment_method",
        )
        session["_intent"] = intent["id"]
        return intent

    def settle_intent(self, intent_id: str, *, succeeded: bool = True) -> JSON:
        """A processing charge (bank debit) ends: the event Stripe then sends."""
        intent = self.intents[intent_id]
        if succeeded:
            intent.update(
                status="succeeded", amount_received=intent["amount"], latest_charge=_id("ch")
            )
            return self.event("payment_intent.succeeded", intent)
        error = {"type": "card_error", "code": "payment_failed"}
        intent.update(status="requires_payment_method", last_payment_error=error)
        return self.event("payment_intent.payment_failed", intent)

    def expire_checkout(self, session_id: str) -> JSON:
        session = self.sessions[session_id]
        session.update(status="expired")
        return self.event("checkout.session.expired", self.public(session))

    def charge_refunded(self, intent_id: str) -> JSON:
        intent = self.intents[intent_id]
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id
        )
        charge = {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount_received"],
            "amount_refunded": refunded,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "refunded": refunded == intent["amount_received"],
        }
        return self.event("charge.refunded", charge)

    def refund_in_dashboard(self, intent_id: str, amount: int) -> JSON:
        """An operator refunds by hand in Stripe's dashboard: only the webhook tells us."""
        self._refund({"payment_intent": intent_id, "amount": str(amount)})
        return self.charge_refunded(intent_id)

    def dispute(self, intent_id: str, reason: str = "fraudulent") -> JSON:
        intent = self.intents[intent_id]
        dispute = {
            "id": _id("dp"),
            "object": "dispute",
            "amount": intent["amount_received"],
            "currency": intent["currency"],
            "charge": intent["latest_charge"],
            "payment_intent": intent_id,
            "reason": reason,
            "status": "needs_response",
        }
        return self.event("charge.dispute.created", dispute)

    @staticmethod
    def public(obj: JSON) -> JSON:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def event(self, kind: str, obj: JSON) -> JSON:
        return {
            "id": _id("evt"),
            "object": "event",
            "api_version": "2025-10-29.clover",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
            "data": {"object": json.loads(json.dumps(self.public(obj)))},
        }

    # -- Stripe's side of the webhook -------------------------------------------------

    async def post_event(
        self,
        event: JSON,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        header: str | None = None,
    ) -> int:
        """POST one signed event to our webhook as Stripe does; returns the HTTP status."""
        assert self._http is not None and self.webhook_url, "start() and set webhook_url first"
        payload = json.dumps(event, indent=2).encode()  # Stripe pretty-prints its bodies
        stamp = int(time.time()) if timestamp is None else timestamp
        signature = (
            header if header is not None else sign(payload, secret or self.webhook_secret, stamp)
        )
        async with self._http.post(
            self.webhook_url,
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        ) as response:
            await response.read()
            return response.status

    async def deliver(self, event: JSON, times: int = 3) -> list[int]:
        """Stripe retries and duplicates: the same event, several times."""
        return [await self.post_event(event) for _ in range(times)]

    def posts(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path == path]


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


_CREATED_BOUNDS: dict[str, Any] = {
    "gt": lambda t, b: t > b,
    "gte": lambda t, b: t >= b,
    "lt": lambda t, b: t < b,
    "lte": lambda t, b: t <= b,
}


def _ints(params: JSON, *names: str) -> JSON:
    return {k: int(v) if k in names else v for k, v in params.items()}
