"""Core services against real SQLite and PostgreSQL: inbound events, users, conversations,
the outbox worker, the expiry sweep, payments, refunds and cancellation refunds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.tables import (
    Booking,
    ChannelIdentity,
    Conversation,
    OutboxMessage,
    Provider,
    SlotHold,
    User,
)
from core.domain.booking_states import Action, BookingState, Role
from core.errors import IllegalTransition, InvalidValue
from core.notifications.outbox import (
    LEASE,
    MAX_ATTEMPTS,
    DeliveryOutcome,
    DeliveryResult,
    Envelope,
    MessageSender,
    backoff,
    deliver_due,
    enqueue,
    release_held,
)
from core.services.actors import Actor
from core.services.booking_actions import (
    DEPOSIT_WINDOW,
    apply_action,
    cancel_booking,
    expire_due,
    record_payment,
    record_refund,
    refund_due_on_cancel,
)
from core.services.booking_request import REQUEST_TTL
from core.services.conversations import load_conversation, save_state
from core.services.inbound import claim_event
from core.services.users import identify, normalize_phone, record_source
from core.uow import UnitOfWorkFactory
from tests.support.bookings import act, count, drive_to, pay, request, snapshot
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)
EVENT_START = datetime.fromisoformat("2026-06-13T23:00:00+00:00")  # 00:00 in Casablanca

# --- Inbound events: exactly once ------------------------------------------------------


async def test_claim_event_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    async with uows() as uow:
        assert await claim_event(uow, "telegram_client", "1001", now=now) is True
        assert await claim_event(uow, "telegram_client", "1001", now=now) is False  # same tx
        await uow.commit()
    async with uows() as uow:
        assert await claim_event(uow, "telegram_client", "1001", now=now) is False
        # Other sources and other ids are other events.
        assert await claim_event(uow, "telegram_provider", "1001", now=now) is True
        assert await claim_event(uow, "telegram_client", "1002", now=now) is True
        await uow.commit()


async def test_claim_rolls_back_with_its_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        # The effect failed: no commit, so the claim goes too and a retry is handled.
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        await uow.rollback()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        await uow.commit()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is False


async def test_concurrent_deliveries_of_one_event(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def deliver() -> bool:
        async with uows() as uow:
            claimed = await claim_event(uow, "twilio", "SM123", now=clock.now())
            await asyncio.sleep(0.05)  # the effect takes a while; the other copy arrives
            await uow.commit()
            return claimed

    results = await asyncio.gather(*(deliver() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


# --- Users -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["0612345678", "+212 6 12 34 56 78", "06-12-34-56-78", "+212612345678", " 00212612345678 "],
)
def test_normalize_phone(raw: str) -> None:
    assert normalize_phone(raw) == "+212612345678"


@pytest.mark.parametrize("raw", ["", "hello", "123", "06123", "+212 6 12", "0012", "x" * 200])
def test_normalize_phone_refuses_garbage(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalize_phone(raw)
    assert info.value.key == "invalid_phone"


async def test_identify_same_identity_same_user(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    first, later = clock.now(), clock.now() + timedelta(hours=3)
    async with uows() as uow:
        user = await identify(
            uow,
            channel="telegram_client",
            external_id="555",
            now=first,
            display_name="Salma",
            locale="ar-MA",
        )
        await uow.commit()
        user_id = user.id
        assert (user.locale, user.display_name, user.role) == ("ar", "Salma", "client")
    async with uows() as uow:
        again = await identify(
            uow, channel="telegram_client", external_id="555", now=later, display_name="S."
        )
        await uow.commit()
        assert again.id == user_id
        assert again.display_name == "Salma"
    async with uows() as uow:
        other = await identify(
            uow, channel="telegram_client", external_id="556", now=later, locale="de"
        )
        await uow.commit()
        assert other.id != user_id
        assert other.locale == "fr"
        seen = await uow.session.scalar(
            select(ChannelIdentity.last_inbound_at).where(ChannelIdentity.external_id == "555")
        )
    assert seen == later


async def test_first_two_messages_racing_make_one_user(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def first_message(n: int) -> int:
        async with uows() as uow:
            user = await identify(
                uow,
                channel="telegram_client",
                external_id="900",
                now=clock.now(),
                display_name=f"copy {n}",
            )
            await asyncio.sleep(0.05)  # the rest of the update's handling
            await uow.commit()
            return user.id

    ids = await asyncio.gather(first_message(1), first_message(2))
    assert ids[0] == ids[1]
    async with uows() as uow:
        users = (await uow.session.scalars(select(User.id))).all()
        identities = (await uow.session.scalars(select(ChannelIdentity.user_id))).all()
    assert users == [ids[0]]  # no second user left behind by the loser
    assert identities == [ids[0]]


async def test_identify_joins_identities_by_phone(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    phone = normalize_phone("06 12 34 56 78")
    async with uows() as uow:
        on_telegram = await identify(
            uow, channel="telegram_client", external_id="777", now=now, phone_e164=phone
        )
        await uow.commit()
        telegram_user = on_telegram.id
    async with uows() as uow:
        on_whatsapp = await identify(
            uow,
            channel="whatsapp",
            external_id="whatsapp:+212612345678",
            now=now,
            phone_e164=phone,
        )
        await uow.commit()
        assert on_whatsapp.id == telegram_user
    async with uows() as uow:
        channels = (
            await uow.session.scalars(
                select(ChannelIdentity.channel)
                .where(ChannelIdentity.user_id == telegram_user)
                .order_by(ChannelIdentity.channel)
            )
        ).all()
        users = (await uow.session.scalars(select(User.id))).all()
    assert channels == ["telegram_client", "whatsapp"]
    assert users == [telegram_user]


async def test_record_source_sticks_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    async with uows() as uow:
        user = await identify(uow, channel="sandbox", external_id="s1", now=clock.now())
        record_source(user, None)
        record_source(user, "")
        assert user.source is None
        record_source(user, "site:provider:studio-atlas")
        record_source(user, "instagram")
        await uow.commit()
    async with uows() as uow:
        user = await identify(uow, channel="sandbox", external_id="s1", now=clock.now())
        record_source(user, "facebook")
        assert user.source == "site:provider:studio-atlas"
        other = await identify(uow, channel="sandbox", external_id="s2", now=clock.now())
        record_source(other, "q" * 100)
        assert other.source == "q" * 64


# --- Conversations ---------------------------------------------------------------------


async def test_conversation_round_trip(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now, later = clock.now(), clock.now() + timedelta(minutes=5)
    state = {"flow": "book", "step": "date", "data": {"guests": 120, "tags": ("a", "b")}}
    async with uows() as uow:
        row = await load_conversation(uow, "telegram_client", "42", now=now)
        assert (row.state, row.version) == ({}, 0)
        save_state(row, state, now=later)
        await uow.commit()
    async with uows() as uow:
        row = await load_conversation(uow, "telegram_client", "42", now=now)
        # Stored through JSON: the tuple comes back as a list, like from any real store.
        assert row.state == {
            "flow": "book",
            "step": "date",
            "data": {"guests": 120, "tags": ["a", "b"]},
        }
        assert (row.version, row.updated_at) == (1, later)
        with pytest.raises(TypeError):
            save_state(row, {"when": now}, now=later)  # not JSON: refused now, not later
        assert row.version == 1
        other = await load_conversation(uow, "whatsapp", "42", now=now)
        assert other.id != row.id
        assert other.state == {}


async def test_concurrent_first_messages_share_one_conversation(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def first_message(n: int) -> int:
        async with uows() as uow:
            row = await load_conversation(uow, "sandbox", "chat-1", now=clock.now())
            await asyncio.sleep(0.02)
            save_state(row, {"n": n}, now=clock.now())
            await uow.commit()
            return row.id

    ids = await asyncio.gather(*(first_message(n) for n in range(3)))
    assert len(set(ids)) == 1
    async with uows() as uow:
        rows = (await uow.session.scalars(select(Conversation))).all()
        assert [r.version for r in rows] == [3]  # each update saw the one before


# --- Outbox worker ---------------------------------------------------------------------


@dataclass
class ScriptedSender(MessageSender):
    """A fake channel: answers each message with the next scripted result for its kind."""

    script: dict[str, list[DeliveryResult | BaseException]]
    seen: list[Envelope] = field(default_factory=list)

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.seen.append(envelope)
        results = self.script[envelope.kind]
        result = results.pop(0) if len(results) > 1 else results[0]
        if isinstance(result, BaseException):
            raise result
        return result


SENT = DeliveryResult(DeliveryOutcome.SENT, external_id="ext-1")
RETRY = DeliveryResult(DeliveryOutcome.RETRY, error="timeout")


async def _enqueue(uows: UnitOfWorkFactory, now: datetime, kinds: Iterable[str]) -> list[int]:
    user = await make_user(uows, now)
    async with uows() as uow:
        rows = [
            enqueue(uow.session, kind=k, user_id=user, payload={"k": k}, now=now) for k in kinds
        ]
        await uow.commit()
        return [r.id for r in rows]


async def _outbox(uows: UnitOfWorkFactory, message_id: int) -> dict[str, Any]:
    async with uows() as uow:
        row = await uow.session.get(OutboxMessage, message_id)
        assert row is not None
        return {
            "status": row.status,
            "attempts": row.attempts,
            "next": row.next_attempt_at,
            "sent_at": row.sent_at,
            "external_id": row.external_id,
            "error": row.last_error,
            "user_id": row.user_id,
        }


async def test_outbox_sends_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    ids = await _enqueue(uows, now, ["a", "b", "c"])
    sender = ScriptedSender({"a": [SENT], "b": [SENT], "c": [SENT]})
    assert await deliver_due(uows, sender, now=now, limit=2) == 2
    assert [e.id for e in sender.seen] == ids[:2]  # oldest first, at most ``limit``
    assert sender.seen[0].payload == {"k": "a"}
    assert await deliver_due(uows, sender, now=now) == 1
    assert await deliver_due(uows, sender, now=now + timedelta(days=1)) == 0
    assert [e.id for e in sender.seen] == ids
    first = await _outbox(uows, ids[0])
    assert (first["status"], first["attempts"], first["sent_at"], first["external_id"]) == (
        "sent",
        1,
        now,
        "ext-1",
    )


async def test_outbox_retries_with_backoff(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [RETRY, RETRY, SENT]})
    assert await deliver_due(uows, sender, now=now) == 0
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"], row["error"]) == ("pending", 1, "timeout")
    assert row["next"] == now + backoff(1) == now + timedelta(seconds=2)
    # Not due yet: nothing is sent.
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=1)) == 0
    assert len(sender.seen) == 1
    t2 = now + timedelta(seconds=2)
    assert await deliver_due(uows, sender, now=t2) == 0
    row = await _outbox(uows, mid)
    assert row["next"] == t2 + timedelta(seconds=4)
    t3 = t2 + timedelta(seconds=4)
    assert await deliver_due(uows, sender, now=t3) == 1
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"], row["sent_at"], row["error"]) == ("sent", 3, t3, None)
    assert backoff(20) == timedelta(seconds=600)  # capped


async def test_outbox_honours_retry_after(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    limited = DeliveryResult(DeliveryOutcome.RETRY, error="429", retry_after=17.5)
    sender = ScriptedSender({"a": [limited, SENT]})
    await deliver_due(uows, sender, now=now)
    assert (await _outbox(uows, mid))["next"] == now + timedelta(seconds=17.5)
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=17)) == 0
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=17.5)) == 1


async def test_outbox_hold_until_released(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [DeliveryResult(DeliveryOutcome.HOLD, error="24h"), SENT]})
    assert await deliver_due(uows, sender, now=now) == 0
    assert (await _outbox(uows, mid))["status"] == "held"
    assert await deliver_due(uows, sender, now=now) == 0  # not tried again at once
    assert len(sender.seen) == 1
    later = now + timedelta(seconds=30)
    async with uows() as uow:
        await release_held(uow.session, (await _outbox(uows, mid))["user_id"], now=later)
        await uow.commit()
    row = await _outbox(uows, mid)
    assert (row["status"], row["next"]) == ("pending", later)
    assert await deliver_due(uows, sender, now=later) == 1


async def test_outbox_gives_up(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    dead_now, dead_later = await _enqueue(uows, now, ["bad", "flaky"])
    sender = ScriptedSender(
        {"bad": [DeliveryResult(DeliveryOutcome.GIVE_UP, error="blocked")], "flaky": [RETRY]}
    )
    t = now
    for _ in range(MAX_ATTEMPTS + 3):
        await deliver_due(uows, sender, now=t)
        t += timedelta(seconds=700)  # beyond any backoff
    bad, flaky = await _outbox(uows, dead_now), await _outbox(uows, dead_later)
    assert (bad["status"], bad["attempts"], bad["error"]) == ("dead", 1, "blocked")
    assert (flaky["status"], flaky["attempts"]) == ("dead", MAX_ATTEMPTS)
    assert [e.kind for e in sender.seen].count("flaky") == MAX_ATTEMPTS


class ProcessDied(BaseException):
    """Stands for the worker process dying mid-send (nothing in the loop can catch it)."""


async def test_outbox_crash_mid_send_retries_after_the_lease(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [ProcessDied("killed"), SENT]})
    with pytest.raises(ProcessDied):
        await deliver_due(uows, sender, now=now)
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"], row["next"]) == ("pending", 0, now + LEASE)
    assert await deliver_due(uows, sender, now=now + LEASE - timedelta(seconds=1)) == 0
    assert await deliver_due(uows, sender, now=now + LEASE) == 1
    assert len(sender.seen) == 2  # at least once


async def test_outbox_sender_error_is_retried_with_backoff(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    [first, second] = await _enqueue(uows, now, ["a", "b"])
    sender = ScriptedSender({"a": [ConnectionResetError("network down"), SENT], "b": [SENT]})
    assert await deliver_due(uows, sender, now=now) == 1  # "b" is not held up by "a"
    row = await _outbox(uows, first)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next"] == now + backoff(1)
    assert (await _outbox(uows, second))["status"] == "sent"


async def test_two_workers_never_send_a_message_twice(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    ids = await _enqueue(uows, now, [f"m{i}" for i in range(12)])

    class SlowSender(MessageSender):
        def __init__(self) -> None:
            self.seen: list[int] = []

        async def deliver(self, envelope: Envelope) -> DeliveryResult:
            self.seen.append(envelope.id)
            await asyncio.sleep(0.01)  # the network: the other worker runs meanwhile
            return SENT

    a, b = SlowSender(), SlowSender()
    sent = await asyncio.gather(
        deliver_due(uows, a, now=now, limit=5),
        deliver_due(uows, b, now=now, limit=5),
        deliver_due(uows, a, now=now, limit=5),
        deliver_due(uows, b, now=now, limit=5),
    )
    assert sum(sent) == len(ids)
    assert sorted(a.seen + b.seen) == ids


# --- Expiry sweep ----------------------------------------------------------------------


async def test_expire_sweep_is_idempotent_and_late_safe(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    t0 = clock.now()
    owner, _, service_id = await make_provider(uows, t0, capacity=5)
    client = await make_user(uows, t0)
    requested = await request(uows, t0, client, service_id, DAY)
    accepted = await request(uows, t0, client, service_id, DAY)
    confirmed = await request(uows, t0, client, service_id, DAY)
    await drive_to(uows, accepted, BookingState.ACCEPTED, owner=owner, now=t0)
    await drive_to(uows, confirmed, BookingState.CONFIRMED, owner=owner, now=t0)
    assert (await snapshot(uows, requested)).expires_at == t0 + REQUEST_TTL
    assert (await snapshot(uows, accepted)).expires_at == t0 + DEPOSIT_WINDOW
    assert (await snapshot(uows, confirmed)).expires_at is None

    async def sweep(at: datetime) -> list[int]:
        async with uows() as uow:
            ids = await expire_due(uow, now=at)
            await uow.commit()
            return ids

    assert await sweep(t0 + REQUEST_TTL - timedelta(seconds=1)) == []
    at = t0 + REQUEST_TTL
    assert await sweep(at) == [requested]
    assert await sweep(at) == []  # twice: no harm
    late = t0 + timedelta(days=10)
    assert await sweep(late) == [accepted]  # late: still exactly the right ones
    assert await sweep(late) == []
    expired = await snapshot(uows, requested)
    assert expired.state == "expired"
    assert expired.holds == ()
    assert expired.transitions[-1] == ("requested", "expired", "expire", "system", None, None, at)
    assert [k for k, _, _ in expired.outbox].count("booking_expired") == 2  # client, provider
    assert (await snapshot(uows, accepted)).transitions[-1][-1] == late
    assert (await snapshot(uows, confirmed)).state == "confirmed"


async def test_request_expires_no_later_than_the_event(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()  # 2026-05-04 09:00 UTC = 10:00 in Casablanca
    _, _, service_id = await make_provider(
        uows,
        now,
        duration_minutes=60,
        pricing_model="per_hour",
        price_minor=40_000,
        min_notice_hours=1,
    )
    client = await make_user(uows, now)
    soon = await request(uows, now, client, service_id, date(2026, 5, 4), start_time=time(14))
    starts = datetime.fromisoformat("2026-05-04T13:00:00+00:00")
    assert (await snapshot(uows, soon)).expires_at == starts
    async with uows() as uow:
        assert await expire_due(uow, now=starts) == [soon]
        await uow.commit()


# --- Payments and refunds --------------------------------------------------------------


async def _accepted(uows: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int, int]:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)  # 5000.00 MAD, 30 % deposit
    client = await make_user(uows, now)
    booking = await request(uows, now, client, service_id, DAY)
    await act(uows, booking, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    return owner, client, booking


async def test_record_payment_bounds(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    owner, client, booking_id = await _accepted(uows, clock)
    for amount, kind in [(0, "deposit"), (-1, "deposit"), (500_001, "deposit"), (10, "cash")]:
        async with uows() as uow:
            with pytest.raises(InvalidValue):
                await record_payment(uow, booking_id, amount, now=now, kind=kind)
    async with uows() as uow:
        booking = await record_payment(uow, booking_id, 150_000, now=now, kind="deposit")
        await uow.commit()
        assert (booking.state, booking.paid_minor) == ("confirmed", 150_000)
    snap = await snapshot(uows, booking_id)
    assert snap.outbox[-2:] == (
        ("deposit_paid", client, "client"),
        ("deposit_paid", owner, "provider"),
    )
    async with uows() as uow:
        news = (
            await uow.session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.kind == "deposit_paid")
            )
        ).all()
    assert {p["amount_minor"] for p in news} == {150_000}
    await act(uows, booking_id, Action.MARK_DELIVERED, Actor(Role.PROVIDER, owner), now=now)
    async with uows() as uow:
        with pytest.raises(InvalidValue):  # more than what is left
            await record_payment(uow, booking_id, 350_001, now=now, kind="balance")
    booking = await pay(uows, booking_id, "balance", now=now)
    assert (booking.state, booking.paid_minor, booking.total_minor) == (
        "completed",
        500_000,
        500_000,
    )
    async with uows() as uow:
        with pytest.raises(InvalidValue):  # nothing left to pay
            await record_payment(uow, booking_id, 1, now=now, kind="balance")


async def test_record_refund_bounds(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    _, _, booking_id = await _accepted(uows, clock)
    async with uows() as uow:
        with pytest.raises(InvalidValue):  # nothing paid yet
            await record_refund(uow, booking_id, 1, now=now)
    await pay(uows, booking_id, "deposit", now=now)
    for amount in (0, -10, 150_001):
        async with uows() as uow:
            with pytest.raises(InvalidValue):
                await record_refund(uow, booking_id, amount, now=now)
    for amount in (100_000, 50_000):
        async with uows() as uow:
            await record_refund(uow, booking_id, amount, now=now)
            await uow.commit()
    async with uows() as uow:
        with pytest.raises(InvalidValue):
            await record_refund(uow, booking_id, 1, now=now)
    snap = await snapshot(uows, booking_id)
    assert (snap.state, snap.paid, snap.refunded) == ("confirmed", 150_000, 150_000)


async def test_the_table_refuses_refunding_more_than_paid(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, booking_id = await _accepted(uows, clock)
    async with uows() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                update(Booking).where(Booking.id == booking_id).values(refunded_minor=1)
            )
    async with uows() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                update(Booking).where(Booking.id == booking_id).values(paid_minor=-1)
            )


# --- Cancellation refunds by policy ----------------------------------------------------


@pytest.mark.parametrize(
    ("role", "before", "refund"),
    [
        (Role.CLIENT, timedelta(days=40), 150_000),  # 30+ days: everything
        (Role.CLIENT, timedelta(days=30), 150_000),
        (Role.CLIENT, timedelta(days=10), 75_000),  # 7-30 days: half
        (Role.CLIENT, timedelta(days=7), 75_000),
        (Role.CLIENT, timedelta(days=6, hours=23), 0),  # under 7 days: nothing
        (Role.PROVIDER, timedelta(days=1), 150_000),  # the provider cancelling: everything
        (Role.PROVIDER, timedelta(days=60), 150_000),
    ],
)
async def test_cancel_refunds_by_policy(
    uows: UnitOfWorkFactory, clock: FixedClock, role: Role, before: timedelta, refund: int
) -> None:
    owner, client, booking_id = await _accepted(uows, clock)
    await pay(uows, booking_id, "deposit", now=clock.now())
    actor = Actor(role, client if role is Role.CLIENT else owner)
    at = EVENT_START - before
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        assert booking.starts_at == EVENT_START
        shown = await refund_due_on_cancel(uow, booking, actor, at)
    async with uows() as uow:
        cancelled, money = await cancel_booking(uow, booking_id, actor, now=at, reason="plans")
        await uow.commit()
        assert cancelled.state == "cancelled"
    assert money.amount == shown.amount == refund
    snap = await snapshot(uows, booking_id)
    assert snap.holds == ()
    assert snap.transitions[-1] == (
        "confirmed",
        "cancelled",
        "cancel",
        role.value,
        actor.user_id,
        "plans",
        at,
    )
    async with uows() as uow:
        news = (
            await uow.session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.kind == "booking_cancelled")
            )
        ).all()
    assert [p["amount_minor"] for p in news] == [refund, refund]
    assert (snap.paid, snap.refunded) == (150_000, 0)  # the payments layer executes it


async def test_cancel_refund_uses_the_providers_policy_and_what_is_left(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, client, booking_id = await _accepted(uows, clock)
    await pay(uows, booking_id, "deposit", now=clock.now())
    async with uows() as uow:
        await record_refund(uow, booking_id, 30_000, now=clock.now())
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        provider = await uow.session.get(Provider, booking.provider_id)
        assert provider is not None
        provider.cancellation_policy = [
            {"min_days_before": 3, "refund_bp": 2500},
            {"min_days_before": 0, "refund_bp": 0},
        ]
        await uow.commit()
    async with uows() as uow:
        _, money = await cancel_booking(
            uow, booking_id, Actor(Role.CLIENT, client), now=EVENT_START - timedelta(days=5)
        )
        await uow.commit()
    assert money.amount == 30_000  # 25 % of the 120 000 not yet refunded


async def test_cancel_unpaid_and_after_completion(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, client, booking_id = await _accepted(uows, clock)
    async with uows() as uow:
        _, money = await cancel_booking(uow, booking_id, Actor(Role.PROVIDER, owner), now=now)
        await uow.commit()
    assert money.amount == 0
    other = await request(uows, now, client, (await _service_of(uows, booking_id)), DAY)
    await drive_to(uows, other, BookingState.COMPLETED, owner=owner, now=now)
    async with uows() as uow:
        with pytest.raises(IllegalTransition):
            await cancel_booking(uow, other, Actor(Role.CLIENT, client), now=now)
    async with uows() as uow:
        with pytest.raises(IllegalTransition):
            await apply_action(uow, other, Action.CANCEL, Actor(Role.PROVIDER, owner), now=now)
    assert await count(uows, SlotHold) == 1  # the completed booking keeps its day


async def _service_of(uows: UnitOfWorkFactory, booking_id: int) -> int:
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        return booking.service_id


async def test_sweep_does_not_expire_a_booking_accepted_under_its_feet(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    """The provider accepts just as the request's time runs out, while the sweep runs.

    The sweep picks the request (still ``requested``, expiry passed), then waits for the
    row while the acceptance commits; it must then see a fresh acceptance and leave it.
    """
    t0 = clock.now()
    owner, _, service_id = await make_provider(uows, t0)
    client = await make_user(uows, t0)
    booking_id = await request(uows, t0, client, service_id, DAY)
    due = t0 + REQUEST_TTL + timedelta(minutes=1)

    async with uows() as provider_tx:
        await apply_action(
            provider_tx,
            booking_id,
            Action.ACCEPT,
            Actor(Role.PROVIDER, owner),
            now=due,
        )

        async def sweep() -> list[int]:
            async with uows() as uow:
                ids = await expire_due(uow, now=due)
                await uow.commit()
                return ids

        task = asyncio.create_task(sweep())
        await _until_waiting(engine, task)
        await provider_tx.commit()
    assert await task == []
    snap = await snapshot(uows, booking_id)
    assert snap.state == "accepted"
    assert snap.expires_at == due + DEPOSIT_WINDOW
    assert snap.holds == (DAY,)


async def test_sweep_skips_a_booking_paid_under_its_feet(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    """The deposit lands as the acceptance runs out: no crash, no expiry, other rows swept."""
    t0 = clock.now()
    owner, _, service_id = await make_provider(uows, t0, capacity=2)
    client = await make_user(uows, t0)
    paid_late = await request(uows, t0, client, service_id, DAY)
    unpaid = await request(uows, t0, client, service_id, DAY)
    for booking_id in (paid_late, unpaid):
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=t0)
    due = t0 + DEPOSIT_WINDOW

    async with uows() as stripe_tx:
        await record_payment(stripe_tx, paid_late, 150_000, now=due, kind="deposit")

        async def sweep() -> list[int]:
            async with uows() as uow:
                ids = await expire_due(uow, now=due)
                await uow.commit()
                return ids

        task = asyncio.create_task(sweep())
        await _until_waiting(engine, task)
        await stripe_tx.commit()
    assert await task == [unpaid]
    assert (await snapshot(uows, paid_late)).state == "confirmed"
    assert (await snapshot(uows, unpaid)).state == "expired"


async def _until_waiting(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Return once ``task`` waits for a lock (PostgreSQL) or has had time to (SQLite)."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.3)  # BEGIN IMMEDIATE: it waits before reading anything
        assert not task.done()
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with engine.connect() as conn:
            if await conn.scalar(query):
                return
        assert not task.done(), "the sweep finished without waiting for the row"
        await asyncio.sleep(0.02)
    raise AssertionError("the sweep never waited for the row")
