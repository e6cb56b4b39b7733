"""Core services against real SQLite and PostgreSQL: the expiry sweep, payments, refunds
and cancellation refunds."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.actions import (
    DEPOSIT_WINDOW,
    apply_action,
    cancel_booking,
    expire_due,
    record_payment,
    record_refund,
    refund_due_on_cancel,
)
from core.booking.actors import Actor, get_booking
from core.booking.request import REQUEST_TTL
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, OutboxMessage, Provider, SlotHold
from core.errors import IllegalTransition, InvalidValue
from core.uow import UnitOfWorkFactory
from tests.support.bookings import act, count, drive_to, pay, request, snapshot, starts_at
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)
EVENT_START = datetime.fromisoformat("2026-06-13T23:00:00+00:00")  # 00:00 in Casablanca


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


@pytest.mark.parametrize(
    ("target", "window"),
    [(BookingState.REQUESTED, REQUEST_TTL), (BookingState.ACCEPTED, DEPOSIT_WINDOW)],
)
async def test_a_dispute_resolved_back_to_a_pending_state_gets_a_fresh_deadline(
    uows: UnitOfWorkFactory, clock: FixedClock, target: BookingState, window: timedelta
) -> None:
    """Resolving to ``requested`` used to clear the deadline: the request hung forever."""
    t0 = clock.now()
    owner, client, service_id = await _provider_and_client(uows, t0)
    booking_id = await request(uows, t0, client, service_id, DAY)
    await drive_to(uows, booking_id, BookingState.DISPUTED, owner=owner, now=t0)
    admin = Actor(Role.ADMIN, await make_user(uows, t0, role="admin"))
    resolved = t0 + timedelta(days=3)  # both original deadlines have long passed
    await act(
        uows, booking_id, Action.RESOLVE, admin, now=resolved, reason="call", resolve_to=target
    )
    assert (await snapshot(uows, booking_id)).expires_at == resolved + window

    async def sweep(at: datetime) -> list[int]:
        async with uows() as uow:
            ids = await expire_due(uow, now=at)
            await uow.commit()
            return ids

    assert await sweep(resolved + window - timedelta(seconds=1)) == []
    assert await sweep(resolved + window) == [booking_id]
    expired = await snapshot(uows, booking_id)
    assert (expired.state, expired.holds) == ("expired", ())


@pytest.mark.parametrize(
    "target",
    [BookingState.REQUESTED, BookingState.ACCEPTED, BookingState.DECLINED, BookingState.EXPIRED],
)
async def test_a_dispute_over_a_paid_booking_cannot_end_where_no_money_is_expected(
    uows: UnitOfWorkFactory, clock: FixedClock, target: BookingState
) -> None:
    t0 = clock.now()
    owner, client, service_id = await _provider_and_client(uows, t0)
    booking_id = await request(uows, t0, client, service_id, DAY)
    await drive_to(uows, booking_id, BookingState.CONFIRMED, owner=owner, now=t0)  # deposit paid
    await act(uows, booking_id, Action.DISPUTE, Actor.system(), now=t0, reason="chargeback")
    admin = Actor(Role.ADMIN, await make_user(uows, t0, role="admin"))
    with pytest.raises(InvalidValue) as refused:
        await act(uows, booking_id, Action.RESOLVE, admin, now=t0, reason="x", resolve_to=target)
    assert refused.value.key == "state_holds_no_money"
    assert (await snapshot(uows, booking_id)).state == "disputed"
    await act(
        uows,
        booking_id,
        Action.RESOLVE,
        admin,
        now=t0,
        reason="x",
        resolve_to=BookingState.CONFIRMED,
    )
    assert (await snapshot(uows, booking_id)).state == "confirmed"


@pytest.mark.parametrize("target", [BookingState.REQUESTED, BookingState.ACCEPTED])
async def test_a_resolved_pending_deadline_is_capped_at_the_event(
    uows: UnitOfWorkFactory, clock: FixedClock, target: BookingState
) -> None:
    t0 = clock.now()
    owner, client, service_id = await _provider_and_client(uows, t0)
    booking_id = await request(uows, t0, client, service_id, DAY)
    await drive_to(uows, booking_id, BookingState.DISPUTED, owner=owner, now=t0)
    admin = Actor(Role.ADMIN, await make_user(uows, t0, role="admin"))
    late = EVENT_START - timedelta(hours=2)
    await act(uows, booking_id, Action.RESOLVE, admin, now=late, reason="call", resolve_to=target)
    assert (await snapshot(uows, booking_id)).expires_at == EVENT_START
    async with uows() as uow:
        assert await expire_due(uow, now=EVENT_START) == [booking_id]
        await uow.commit()


async def _provider_and_client(uows: UnitOfWorkFactory, now: datetime) -> tuple[int, int, int]:
    owner, _, service_id = await make_provider(uows, now)
    return owner, await make_user(uows, now), service_id


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
    now = await starts_at(uows, booking_id)  # delivered once the event has started
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
        (Role.CLIENT, timedelta(days=6, hours=23), 75_000),  # 7 June 01:00: 7 local days
        (Role.CLIENT, timedelta(days=6), 0),  # 8 June: under 7 days, nothing
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
            await uow.session.execute(
                select(OutboxMessage.user_id, OutboxMessage.payload).where(
                    OutboxMessage.kind == "booking_cancelled"
                )
            )
        ).all()
    # The other party hears of it; the one who cancelled saw it on their own screen.
    told = owner if role is Role.CLIENT else client
    assert [(user, p["amount_minor"]) for user, p in news] == [(told, refund)]
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


async def test_a_locked_read_sees_what_another_transaction_committed(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    """Loaded once, then locked: the lock must bring the committed state, not the old one
    (else a balance could be charged twice by a sweep and a client's tap)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writers queue whole transactions: no second writer meanwhile")
    t0 = clock.now()
    _, client, service_id = await _provider_and_client(uows, t0)
    booking_id = await request(uows, t0, client, service_id, DAY)
    async with uows() as mine:
        seen = await get_booking(mine.session, booking_id)  # read, not locked
        assert seen.state == "requested"
        async with uows() as other:  # another process expires it meanwhile
            await apply_action(
                other, booking_id, Action.EXPIRE, Actor.system(), now=t0 + REQUEST_TTL
            )
            await other.commit()
        locked = await get_booking(mine.session, booking_id, lock=True)
        assert locked.state == "expired"
        assert seen is locked  # the same object, brought up to date


async def test_deadlines_come_from_the_settings(engine: AsyncEngine, clock: FixedClock) -> None:
    """`MOUNASABET_REQUEST_TTL_HOURS` and `..._DEPOSIT_WINDOW_HOURS` set every deadline, and
    the sweep expires by the stored deadline, not by the default."""
    from core.bootstrap import build_uow_factory
    from core.settings import Settings

    settings = Settings(request_ttl_hours=6, deposit_window_hours=72, deposit_reminder_hours=60)
    uows = build_uow_factory(engine, settings.deadlines)
    t0 = clock.now()
    owner, _, service_id = await make_provider(uows, t0, capacity=5)
    client = await make_user(uows, t0)
    requested = await request(uows, t0, client, service_id, DAY)
    accepted = await request(uows, t0, client, service_id, DAY)
    await drive_to(uows, accepted, BookingState.ACCEPTED, owner=owner, now=t0)
    assert (await snapshot(uows, requested)).expires_at == t0 + timedelta(hours=6)
    assert (await snapshot(uows, accepted)).expires_at == t0 + timedelta(hours=72)
    async with uows() as uow:
        assert await expire_due(uow, now=t0 + DEPOSIT_WINDOW) == [requested]  # not at 48 h
        await uow.commit()
    with pytest.raises(ValueError, match="deposit_reminder_hours"):
        Settings(deposit_window_hours=24, deposit_reminder_hours=24)
