"""Fuzzing the inputs anyone can send: Telegram updates, Twilio forms, Stripe events and
the sandbox's JSON API, each past its authentication (the right secret, a valid
signature), so the bodies reach our parsing and our dialogs.

Inputs: wrong types, missing fields, huge strings, deep nesting, invalid UTF-8, NUL,
zero-width and right-to-left characters, integers past 64 bits. Never a 5xx; where the
input is refused (4xx), no row was written. The app runs in process on loopback (SQLite,
no worker) and is shared by every example of a test.

Cases: 5,400 in all by default, shared out among the four inputs by their cost;
``MOUNASABET_FUZZ_EXAMPLES`` sets the total. By default each input checks that it sent at
least its share of 5,000 (a check of the sum after all four was skipped whenever
pytest-xdist ran them on different workers).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.clock import FixedClock
from core.db.tables import (
    Booking,
    ChannelIdentity,
    Conversation,
    OutboxMessage,
    Payment,
    ProcessedEvent,
    User,
)
from tests.fakes.stripe_api import sign
from tests.reliability.world import STRIPE_WEBHOOK_SECRET, TELEGRAM_SECRET, World, world
from tests.support.telegram_app import SECRET_HEADER, migrated_sqlite

pytestmark = pytest.mark.slow  # thousands of cases

T = TypeVar("T")
# Cases in all: 5,400 by default (CI), any number with MOUNASABET_FUZZ_EXAMPLES. Shared out
# by cost: a signed Stripe event or a Telegram update runs far more code than a sandbox body.
TOTAL = int(os.environ.get("MOUNASABET_FUZZ_EXAMPLES", "5400"))
SHARES = {"telegram": 0.2, "stripe": 0.15, "twilio": 0.2, "sandbox": 0.45}
SENT: Counter[str] = Counter()  # cases sent per path
CASES_ASKED = 5000  # by issue 18, in CI: each target checks its share of them


def ran_its_share(target: str, path: str) -> None:
    """The target sent at least its share of the 5,000 cases. Checked by each target on its
    own, so that it holds wherever pytest-xdist runs it; the shares add up to 5,000."""
    if "MOUNASABET_FUZZ_EXAMPLES" not in os.environ:
        assert SENT[path] >= SHARES[target] * CASES_ASKED, (target, SENT[path])


def examples(target: str) -> settings:
    return settings(
        max_examples=max(1, round(TOTAL * SHARES[target])),
        deadline=None,
        database=None,  # the same examples on every run and machine: no local example store
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


REFUSED = range(400, 500)
WRITTEN = (User, ChannelIdentity, Conversation, ProcessedEvent, OutboxMessage, Booking, Payment)

# ---- strategies ----------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\u200b",  # zero-width space
        "\u200d\u200c",  # zero-width joiner, non-joiner
        "\ufeff",  # byte order mark
        "\u202e/start\u202c",  # right-to-left override
        "\u200f\u0645\u0631\u062d\u0628\u0627",  # right-to-left mark, Arabic
        "\ud800",  # a lone surrogate: JSON can carry it, UTF-8 can't
        "/start p-\u202estudio",
        "/start " + "x" * 300,
        "0" * 400,
        "\U0001f389" * 50,
        "x" * 70_000,  # huge
        "<b>bold</b> &amp; <script>",
        "{}",
        "g|pacc:1",
        "g|bk:99999999999999999999999",
        "1|confirm",
        "%s %n {0} {ref}",
    ]
)
TEXT = st.one_of(st.text(max_size=40), NASTY)
INT = st.one_of(
    st.integers(min_value=-5, max_value=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**63 - 1, 2**63, -(2**63) - 1]),
)
SCALAR = st.one_of(st.none(), st.booleans(), INT, st.floats(allow_nan=False), TEXT)
ANY_JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def maybe_wrong(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right kind of value, sometimes any JSON value at all."""
    return st.one_of(right, right, right, ANY_JSON)


def without(fields: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != key}


def record(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A JSON object whose required fields may still go missing (and may be mistyped)."""
    whole = st.fixed_dictionaries(
        {k: maybe_wrong(v) for k, v in required.items()},
        optional={k: maybe_wrong(v) for k, v in optional.items()},
    )
    keys = list(required)
    return st.one_of(
        whole,
        whole,
        st.tuples(whole, st.sampled_from(keys)).map(
            lambda p: {k: v for k, v in p[0].items() if k != p[1]}
        ),
    )


USER_ID = st.one_of(st.integers(min_value=1, max_value=4), INT)
TG_USER = record(
    {"id": USER_ID, "is_bot": st.booleans(), "first_name": TEXT},
    {"language_code": st.sampled_from(["ar", "fr", "en", "xx", ""]) | TEXT, "username": TEXT},
)
TG_CHAT = record(
    {"id": USER_ID, "type": st.sampled_from(["private", "group", "channel"]) | TEXT}, {}
)
TG_MESSAGE = record(
    {"message_id": INT, "date": INT, "chat": TG_CHAT},
    {
        "from": TG_USER,
        "text": TEXT,
        "contact": record({"phone_number": TEXT, "first_name": TEXT}, {"user_id": USER_ID}),
    },
)
TG_PRESS = record(
    {"id": TEXT, "from": TG_USER, "chat_instance": TEXT},
    {"data": TEXT, "message": TG_MESSAGE},
)
TG_UPDATE = record({"update_id": INT}, {"message": TG_MESSAGE, "callback_query": TG_PRESS})

STRIPE_TYPES = st.sampled_from(
    [
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "charge.refunded",
        "charge.dispute.created",
    ]
)
STRIPE_OBJECT = record(
    {"id": TEXT},
    {
        "object": TEXT,
        "metadata": st.dictionaries(
            st.sampled_from(["payment_id", "booking_id", "kind"]), SCALAR, max_size=3
        ),
        "payment_intent": TEXT,
        "amount_total": INT,
        "amount_received": INT,
        "amount": INT,
        "amount_refunded": INT,
        "currency": st.sampled_from(["mad", "usd", ""]) | TEXT,
        "status": TEXT,
        "payment_status": TEXT,
        "customer": TEXT,
        "latest_charge": TEXT,
    },
)
STRIPE_EVENT = record(
    {"id": TEXT, "type": STRIPE_TYPES | TEXT, "data": record({"object": STRIPE_OBJECT}, {})},
    {"object": TEXT, "created": INT, "livemode": st.booleans()},
)

FORM_KEYS = st.sampled_from(
    ["MessageSid", "From", "To", "Body", "WaId", "ProfileName", "NumMedia", "MessageType",
     "ButtonPayload", "ListId", "MediaUrl0", "MediaContentType0", "AccountSid", "Latitude"]
)  # fmt: skip
PHONE = st.sampled_from(["whatsapp:+212661234567", "whatsapp:+14155550100", "whatsapp:", "+1"])
TWILIO_FORM = st.dictionaries(FORM_KEYS, TEXT | PHONE, max_size=10).map(
    lambda form: {"MessageSid": "SM" + "a" * 32, "From": "whatsapp:+212661234567"} | form
)

SANDBOX_BODY = record(
    {"pane": st.sampled_from(["client", "provider"]) | TEXT, "chat": TEXT},
    {"text": TEXT, "payload": TEXT, "language": TEXT, "after": INT, "name": TEXT, "contact": TEXT},
)


def deep(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


RAW = st.one_of(
    st.binary(max_size=200),  # mostly invalid UTF-8 and not JSON
    st.sampled_from([b"\xff\xfe", b"\xc0\x80", b"null", b"[]", b"1", b'"x"', b"{", deep(3000)]),
    st.sampled_from([10, 1000, 50_000]).map(lambda n: b"[" * n + b"]" * n),
)


def encode(value: Any) -> bytes:
    """JSON as a client would send it: lone surrogates escaped, the rest UTF-8."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# ---- the app, shared by a test's examples -------------------------------------------------


class Running:
    """The app on an event loop of its own, so hypothesis' synchronous examples can call it."""

    def __init__(self, w: World, loop: asyncio.AbstractEventLoop) -> None:
        self.w, self.loop = w, loop
        self.last: tuple[int, ...] | None = None

    def run(self, job: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(job)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async def send() -> int:
            async with self.w.http.post(self.w.url + path, data=body, headers=headers) as resp:
                await resp.read()
                return resp.status

        return self.run(send())

    def written(self) -> tuple[int, ...]:
        """Rows in the tables an input could write to, in one query."""

        async def count() -> tuple[int, ...]:
            counts = [select(func.count()).select_from(t).scalar_subquery() for t in WRITTEN]
            async with self.w.uows() as uow:
                return tuple((await uow.session.execute(select(*counts))).one())

        return self.run(count())

    def check(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        SENT[path] += 1
        # The rows after one example are the rows before the next: one count per example.
        before = self.last if self.last is not None else self.written()
        status = self.post(path, body, headers)
        assert status < 500, (status, body[:300])
        self.last = self.written()
        if status in REFUSED:
            assert self.last == before, (status, body[:300])


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    url = migrated_sqlite(tmp_path / "fuzz.db")
    context = world(url, FixedClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC)), worker=False)
    w = loop.run_until_complete(context.__aenter__())
    try:
        yield Running(w, loop)
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


# ---- the targets --------------------------------------------------------------------------

TG_HEADERS = {SECRET_HEADER: TELEGRAM_SECRET, "Content-Type": "application/json"}


def test_telegram_updates(app: Running) -> None:
    @examples("telegram")
    @given(body=st.one_of(TG_UPDATE.map(encode), TG_UPDATE.map(encode), ANY_JSON.map(encode), RAW))
    def case(body: bytes) -> None:
        app.check("/webhooks/telegram/client", body, TG_HEADERS)

    case()
    ran_its_share("telegram", "/webhooks/telegram/client")


def test_stripe_events(app: Running) -> None:
    @examples("stripe")
    @given(body=st.one_of(STRIPE_EVENT.map(encode), STRIPE_EVENT.map(encode), RAW))
    def case(body: bytes) -> None:
        signature = sign(body, STRIPE_WEBHOOK_SECRET, int(time.time()))
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        app.check("/webhooks/stripe", body, headers)

    case()
    ran_its_share("stripe", "/webhooks/stripe")


def test_twilio_forms(app: Running) -> None:
    path = "/webhooks/twilio/whatsapp"
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    @examples("twilio")
    @given(form=TWILIO_FORM, raw=st.none() | RAW)
    def case(form: dict[str, str], raw: bytes | None) -> None:
        if raw is not None:  # bytes that are no UTF-8 form: refused before the signature
            app.check(path, raw, form_type | {"X-Twilio-Signature": "x"})
            return
        try:
            body = urlencode(form).encode()
        except UnicodeEncodeError:  # a lone surrogate: no client can send it
            return
        signature = app.w.twilio.sign(app.w.url + path, form)
        app.check(path, body, form_type | {"X-Twilio-Signature": signature})

    case()
    ran_its_share("twilio", path)


def test_sandbox_api(app: Running) -> None:
    @examples("sandbox")
    @given(
        body=st.one_of(
            SANDBOX_BODY.map(encode), SANDBOX_BODY.map(encode), ANY_JSON.map(encode), RAW
        )
    )
    def case(body: bytes) -> None:
        app.check("/sandbox/api/send", body, {"Content-Type": "application/json"})

    case()
    ran_its_share("sandbox", "/sandbox/api/send")
