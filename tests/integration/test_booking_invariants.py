"""Booking transitions through the database: ownership, audit, news, holds, atomicity.

Drives ``apply_action`` over every transition of the state machine on SQLite and PostgreSQL.
The hypothesis state machine over the same services is in test_booking_state_machine.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from core.booking.actions import (
    DEPOSIT_WINDOW,
    apply_action,
    cancel_booking,
    record_payment,
    record_refund,
)
from core.booking.actors import Actor
from core.booking.news import AUDIENCES
from core.booking.request import REQUEST_TTL, request_booking
from core.booking.states import RELEASING_STATES, TRANSITIONS, Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, BookingTransition, OutboxMessage, SlotHold
from core.errors import DomainError, IllegalTransition, InvalidValue, NotAllowed, NotFound
from core.events import EVENT_NAMES
from core.uow import UnitOfWorkFactory
from tests.support.bookings import count, drive_to, request, request_cmd, snapshot, starts_at
from tests.support.factories import make_provider, make_user

S, A = BookingState, Action
FIRST_DAY = date(2026, 6, 1)

# Who presses each button in these tests (the unit tests cover every other role).
ACTORS: dict[Action, tuple[Role, ...]] = {
    A.ACCEPT: (Role.PROVIDER,),
    A.DECLINE: (Role.PROVIDER,),
    A.MARK_DELIVERED: (Role.PROVIDER,),
    A.CANCEL: (Role.CLIENT, Role.PROVIDER),
    A.EXPIRE: (Role.SYSTEM,),
    A.PAY_DEPOSIT: (Role.SYSTEM,),
    A.PAY_BALANCE: (Role.SYSTEM,),
    A.BALANCE_FAILED: (Role.SYSTEM,),
    A.DISPUTE: (Role.SYSTEM,),
    A.RESOLVE: (Role.ADMIN,),
    A.ACCEPT_PROPOSAL: (Role.CLIENT,),
}
REASONS = {A.DECLINE: "no longer available", A.DISPUTE: "client says no-show"}


@dataclass
class Market:
    """One provider (large capacity), its owner, a client, an admin, and fresh days."""

    uows: UnitOfWorkFactory
    now: datetime
    owner: int
    service_id: int
    client: int
    admin: int
    next_day: int = 0

    def actor(self, role: Role) -> Actor:
        user = {Role.PROVIDER: self.owner, Role.CLIENT: self.client, Role.ADMIN: self.admin}
        return Actor(role, user.get(role))

    async def booking_in(self, state: BookingState) -> int:
        day = FIRST_DAY + timedelta(days=self.next_day)
        self.next_day += 1
        booking_id = await request(self.uows, self.now, self.client, self.service_id, day)
        await drive_to(self.uows, booking_id, state, owner=self.owner, now=self.now)
        return booking_id


@pytest.fixture
async def market(uows: UnitOfWorkFactory, clock: FixedClock) -> Market:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now, capacity=50)
    client = await make_user(uows, now)
    admin = await make_user(uows, now, role="admin", name="Admin")
    return Market(uows, now, owner, service_id, client, admin)


def _cases(state: BookingState) -> list[tuple[Action, Role, BookingState | None]]:
    """(action, role, resolve_to) for every legal transition out of ``state``."""
    if state is S.DISPUTED:
        return [
            (A.RESOLVE, Role.ADMIN, target)
            for target in (
                S.CONFIRMED,
                S.CANCELLED,
                S.COMPLETED,
                S.REQUESTED,
                S.ACCEPTED,
                S.EXPIRED,
            )
        ]
    return [
        (action, role, None)
        for (source, action) in TRANSITIONS
        if source is state
        for role in ACTORS[action]
    ]


def _expected_news(m: Market, action: Action, role: Role) -> list[tuple[str, int, str]]:
    """Every audience of the event but the party who acted (their screen showed it)."""
    name = EVENT_NAMES[action]
    users = {"client": m.client, "provider": m.owner}
    return [(name, users[a], a) for a in AUDIENCES[name] if a != role.value]


@pytest.mark.parametrize("state", [s for s in BookingState if _cases(s)], ids=str)
async def test_every_legal_transition_writes_audit_news_and_holds(
    market: Market, state: BookingState
) -> None:
    m = market
    later = m.now + timedelta(hours=5)
    for action, role, resolve_to in _cases(state):
        booking_id = await m.booking_in(state)
        before = await snapshot(m.uows, booking_id)
        reason = "admin call" if role is Role.ADMIN else REASONS.get(action)
        if action is A.MARK_DELIVERED:  # delivered at the earliest when the event starts
            later = max(m.now + timedelta(hours=5), await starts_at(m.uows, booking_id))
        async with m.uows() as uow:
            booking = await apply_action(
                uow,
                booking_id,
                action,
                m.actor(role),
                now=later,
                reason=reason,
                resolve_to=resolve_to,
            )
            await uow.commit()
        target = resolve_to or TRANSITIONS[(state, action)]
        after = await snapshot(m.uows, booking_id)
        label = f"{state}-{action}-{role}"
        assert after.state == target.value == booking.state, label
        # Exactly one audit row: who, when, from, to, why.
        assert after.transitions[: len(before.transitions)] == before.transitions, label
        assert after.transitions[len(before.transitions) :] == (
            (
                state.value,
                target.value,
                action.value,
                role.value,
                m.actor(role).user_id,
                reason,
                later,
            ),
        ), label
        # The outbox got the news for exactly the parties that should hear it.
        new = list(after.outbox[len(before.outbox) :])
        assert new == _expected_news(m, action, role), label
        assert new, label
        # Holds: released on leaving for declined/expired/cancelled, kept otherwise.
        if target in RELEASING_STATES:
            assert after.holds == (), label
        else:
            assert after.holds == before.holds != (), label
        if target is S.ACCEPTED:
            assert after.expires_at == later + DEPOSIT_WINDOW, label
        elif target is S.REQUESTED:  # only a dispute's resolution gets here
            assert after.expires_at == later + REQUEST_TTL, label
        else:
            assert after.expires_at is None, label
        assert (after.paid, after.refunded) == (before.paid, before.refunded), label


@pytest.mark.parametrize("state", list(BookingState), ids=str)
async def test_illegal_actions_change_nothing(market: Market, state: BookingState) -> None:
    m = market
    booking_id = await m.booking_in(state)
    before = await snapshot(m.uows, booking_id)
    illegal = [a for a in Action if (state, a) not in TRANSITIONS]
    if state is S.DISPUTED:
        illegal.remove(A.RESOLVE)
    assert illegal
    for action in illegal:
        role = ACTORS[action][0]
        async with m.uows() as uow:
            with pytest.raises(IllegalTransition):
                await apply_action(
                    uow,
                    booking_id,
                    action,
                    m.actor(role),
                    now=m.now,
                    reason="try",
                    resolve_to=S.CONFIRMED,
                )
            await uow.commit()  # even a caller that commits anyway writes nothing
        assert await snapshot(m.uows, booking_id) == before, action


async def test_forged_buttons_are_refused(uows: UnitOfWorkFactory, market: Market) -> None:
    m = market
    now = m.now
    intruder_client = await make_user(uows, now, name="Intruder")
    intruder_owner, _, _ = await make_provider(uows, now, slug="rival-studio")
    requested = await m.booking_in(S.REQUESTED)
    confirmed = await m.booking_in(S.CONFIRMED)
    disputed = await m.booking_in(S.DISPUTED)
    attempts: list[tuple[int, Action, Actor, BookingState | None]] = [
        (requested, A.ACCEPT, Actor(Role.PROVIDER, intruder_owner), None),
        (requested, A.DECLINE, Actor(Role.PROVIDER, intruder_owner), None),
        (requested, A.CANCEL, Actor(Role.PROVIDER, intruder_owner), None),
        (requested, A.CANCEL, Actor(Role.CLIENT, intruder_client), None),
        (requested, A.CANCEL, Actor(Role.CLIENT, m.owner), None),  # the provider posing
        (requested, A.CANCEL, Actor(Role.CLIENT, None), None),
        (confirmed, A.MARK_DELIVERED, Actor(Role.PROVIDER, intruder_owner), None),
        (confirmed, A.MARK_DELIVERED, Actor(Role.PROVIDER, m.client), None),  # client posing
        (confirmed, A.CANCEL, Actor(Role.CLIENT, intruder_client), None),
        (confirmed, A.CANCEL, Actor(Role.ADMIN, m.client), None),  # not an admin
        (disputed, A.RESOLVE, Actor(Role.ADMIN, m.owner), S.CANCELLED),
        (disputed, A.RESOLVE, Actor(Role.ADMIN, None), S.CANCELLED),
    ]
    before = {b: await snapshot(uows, b) for b in (requested, confirmed, disputed)}
    for booking_id, action, actor, resolve_to in attempts:
        async with uows() as uow:
            with pytest.raises(NotAllowed):
                await apply_action(
                    uow,
                    booking_id,
                    action,
                    actor,
                    now=now,
                    reason="forged",
                    resolve_to=resolve_to,
                )
            await uow.commit()
        assert await snapshot(uows, booking_id) == before[booking_id], (action, actor)
    # cancel_booking and confirm_delivery check ownership too.
    async with uows() as uow:
        with pytest.raises(NotAllowed):
            await cancel_booking(uow, confirmed, Actor(Role.CLIENT, intruder_client), now=now)
    async with uows() as uow:
        with pytest.raises(NotFound):
            await apply_action(uow, 999_999, A.ACCEPT, Actor(Role.PROVIDER, m.owner), now=now)
    assert await snapshot(uows, confirmed) == before[confirmed]
    # The owners themselves may.
    async with uows() as uow:
        await apply_action(uow, requested, A.CANCEL, Actor(Role.CLIENT, m.client), now=now)
        await apply_action(
            uow,
            disputed,
            A.RESOLVE,
            Actor(Role.ADMIN, m.admin),
            now=now,
            reason="refund",
            resolve_to=S.CANCELLED,
        )
        await uow.commit()
    assert (await snapshot(uows, requested)).state == "cancelled"
    assert (await snapshot(uows, disputed)).state == "cancelled"


async def test_failed_request_writes_nothing(uows: UnitOfWorkFactory, market: Market) -> None:
    m = market
    bad = [
        request_cmd(m.client, m.service_id, FIRST_DAY, city="atlantis"),
        request_cmd(m.client, m.service_id, FIRST_DAY, city="fes"),  # not served
        request_cmd(m.client, m.service_id, FIRST_DAY, event_type="rave"),
        request_cmd(m.client, m.service_id, FIRST_DAY, guests=0),
        request_cmd(m.client, m.service_id, m.now.date()),  # too soon
        request_cmd(m.client, 424242, FIRST_DAY),
    ]
    for cmd in bad:
        async with uows() as uow:
            with pytest.raises((InvalidValue, NotFound, DomainError)):
                await request_booking(uow, cmd, now=m.now)
            await uow.commit()  # a handler that saves its own state in the same transaction
    for table in (Booking, SlotHold, BookingTransition, OutboxMessage):
        assert await count(uows, table) == 0, table


async def test_refused_payment_and_refund_change_nothing(market: Market) -> None:
    m = market
    requested = await m.booking_in(S.REQUESTED)
    confirmed = await m.booking_in(S.CONFIRMED)
    before = {b: await snapshot(m.uows, b) for b in (requested, confirmed)}
    attempts = [
        (requested, "deposit", 150_000, IllegalTransition),  # not accepted yet
        (confirmed, "deposit", 150_000, IllegalTransition),  # already paid
        (confirmed, "balance", 350_000, IllegalTransition),  # not delivered yet
        (confirmed, "balance", 350_001, InvalidValue),  # more than the total
        (confirmed, "tip", 10, InvalidValue),
        (confirmed, "deposit", 0, InvalidValue),
    ]
    for booking_id, kind, amount, error in attempts:
        async with m.uows() as uow:
            with pytest.raises(error):
                await record_payment(uow, booking_id, amount, now=m.now, kind=kind)
            await uow.commit()  # e.g. a webhook that records it saw the event
        assert await snapshot(m.uows, booking_id) == before[booking_id], (kind, amount)
    for amount in (0, -5, 150_001):
        async with m.uows() as uow:
            with pytest.raises(InvalidValue):
                await record_refund(uow, confirmed, amount, now=m.now)
            await uow.commit()
        assert await snapshot(m.uows, confirmed) == before[confirmed]
