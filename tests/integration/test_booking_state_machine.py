"""A hypothesis state machine (SQLite) over the booking services.

It fires random commands at a small marketplace and checks the invariants after every step.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from core.booking.actions import (
    DEPOSIT_WINDOW,
    MONEY_FREE_STATES,
    apply_action,
    cancel_booking,
    confirm_delivery,
    expire_due,
    record_payment,
    record_refund,
)
from core.booking.actors import Actor
from core.booking.availability import local_instant
from core.booking.request import REQUEST_TTL, request_booking
from core.booking.states import (
    ACTIVE_STATES,
    RELEASING_STATES,
    TRANSITIONS,
    Action,
    BookingState,
    Role,
)
from core.bootstrap import build_uow_factory
from core.clock import FixedClock
from core.db.engine import make_engine
from core.db.tables import Base, Booking, BookingTransition, SlotHold
from core.errors import DomainError
from core.uow import UnitOfWork
from tests.support.bookings import request_cmd
from tests.support.factories import make_provider, make_user

S, A = BookingState, Action
T = TypeVar("T")
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
TZ = ZoneInfo("Africa/Casablanca")
DAYS = (date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 12))
CAPACITY = 2
HOLDING = ACTIVE_STATES | {S.COMPLETED}  # a completed booking keeps its day
CANCELLABLE = {s for (s, a) in TRANSITIONS if a is A.CANCEL}
DISPUTABLE = {s for (s, a) in TRANSITIONS if a is A.DISPUTE}
# Most commands aim at a booking where they make sense; the rest hit any booking.
AIM = st.integers(0, 3).map(bool)
RARELY_AIM = st.integers(0, 3).map(lambda n: n == 0)  # for commands that end bookings
INDEX = st.integers(0, 99)
NEXT_STEP = {
    S.REQUESTED: "accept",
    S.ACCEPTED: "deposit",
    S.CONFIRMED: "deliver",
    S.DELIVERED: "balance",
    S.PAYMENT_DUE: "balance",
    S.DISPUTED: "resolve",
}


@dataclass
class Model:
    """What we expect of one booking, from the commands that succeeded."""

    day: date
    client: int
    total: int
    deposit: int
    starts_at: datetime
    expires_at: datetime | None
    state: BookingState = S.REQUESTED
    paid: int = 0
    refunded: int = 0
    confirmed: bool = False
    transitions: int = 1


class BookingMachine(RuleBasedStateMachine):
    """A provider with capacity 2 on three days, three clients, an admin, a moving clock."""

    def __init__(self) -> None:
        super().__init__()
        shm = Path("/dev/shm")  # a RAM disk where there is one: same SQLite, less waiting
        self.dir = Path(tempfile.mkdtemp(prefix="msb-sm-", dir=shm if shm.is_dir() else None))
        self.loop = asyncio.new_event_loop()
        self.engine = make_engine(f"sqlite+aiosqlite:///{self.dir / 'sm.db'}")
        self.uows = build_uow_factory(self.engine)
        self.clock = FixedClock(START)
        self.bookings: dict[int, Model] = {}
        self.run(self._setup())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    async def _setup(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        now = self.clock.now()
        self.owner, _, self.service_id = await make_provider(
            self.uows, now, capacity=CAPACITY, min_notice_hours=0
        )
        self.provider = Actor(Role.PROVIDER, self.owner)
        self.admin = Actor(Role.ADMIN, await make_user(self.uows, now, role="admin"))
        self.clients = [await make_user(self.uows, now, name=f"c{i}") for i in range(3)]

    def teardown(self) -> None:
        try:
            self.run(self.engine.dispose())
        finally:
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------

    def pick(self, i: int, aim: bool, fits: Callable[[Model], bool]) -> tuple[int, Model]:
        ids = sorted(self.bookings)
        if aim:
            ids = [b for b in ids if fits(self.bookings[b])] or ids
        booking_id = ids[i % len(ids)]
        return booking_id, self.bookings[booking_id]

    def attempt(self, label: str, command: Callable[[UnitOfWork], Awaitable[object]]) -> bool:
        """Run one command in its own unit of work; True if it went through."""

        async def go() -> bool:
            async with self.uows() as uow:
                try:
                    await command(uow)
                except DomainError:
                    ok = False
                else:
                    ok = True
                # A refused command must leave nothing behind, even for a caller that
                # commits its own bookkeeping in the same transaction (a webhook's event
                # id, a chat's state): so commit either way.
                await uow.commit()
                return ok

        ok = self.run(go())
        event(f"{label}: {'ok' if ok else 'refused'}")
        return ok

    def moved(self, model: Model, target: BookingState) -> None:
        model.state = target
        model.transitions += 1
        # Every way into a pending state starts its clock, a dispute's resolution too.
        window = {S.REQUESTED: REQUEST_TTL, S.ACCEPTED: DEPOSIT_WINDOW}.get(target)
        now = self.clock.now()
        model.expires_at = min(now + window, model.starts_at) if window else None

    def transition(
        self,
        i: int,
        aim: bool,
        action: Action,
        actor: Actor | None,
        *,
        reason: str | None = None,
        resolve_to: BookingState | None = None,
    ) -> None:
        if action is A.RESOLVE:
            booking_id, model = self.pick(i, aim, lambda m: m.state is S.DISPUTED)
        else:
            booking_id, model = self.pick(i, aim, lambda m: (m.state, action) in TRANSITIONS)
        who = actor or Actor(Role.CLIENT, model.client)
        now = self.clock.now()
        ok = self.attempt(
            action.value,
            lambda uow: apply_action(
                uow, booking_id, action, who, now=now, reason=reason, resolve_to=resolve_to
            ),
        )
        if action is A.RESOLVE:
            target = resolve_to if model.state is S.DISPUTED else None
            if target in MONEY_FREE_STATES and model.paid > model.refunded:
                target = None  # the client's money can't be left in such a state
        else:
            target = TRANSITIONS.get((model.state, action))
            if action is A.MARK_DELIVERED and now < model.starts_at:
                target = None  # delivered at the earliest when the event starts (issue 14)
        assert ok == (target is not None), (model.state, action)
        if target is not None:
            self.moved(model, target)

    # -- rules --------------------------------------------------------------------------

    @initialize(who=st.integers(0, 2), day=st.sampled_from(DAYS))
    def first_request(self, who: int, day: date) -> None:
        self.request(who, day)

    @rule(who=st.integers(0, 2), day=st.sampled_from(DAYS))
    def request(self, who: int, day: date) -> None:
        holders = sum(1 for m in self.bookings.values() if m.day == day and m.state in HOLDING)
        client = self.clients[who]
        now = self.clock.now()
        made: list[Booking] = []

        async def cmd(uow: UnitOfWork) -> None:
            cmd = request_cmd(client, self.service_id, day)
            made.append(await request_booking(uow, cmd, now=now))

        ok = self.attempt("request", cmd)
        # The clock may run past the event (no notice is required, but not the past).
        started = local_instant(day, time(0), TZ) < now
        assert ok == (holders < CAPACITY and not started), (day, holders, now)
        if ok:
            b = made[0]
            self.bookings[b.id] = Model(
                day=day,
                client=client,
                total=b.total_minor,
                deposit=b.deposit_minor,
                starts_at=b.starts_at,
                expires_at=min(now + REQUEST_TTL, b.starts_at),
            )

    @rule(i=INDEX, aim=AIM)
    def accept(self, i: int, aim: bool) -> None:
        self.transition(i, aim, A.ACCEPT, self.provider)

    @rule(i=INDEX, aim=RARELY_AIM)
    def decline(self, i: int, aim: bool) -> None:
        self.transition(i, aim, A.DECLINE, self.provider, reason="not that day, sorry")

    @rule(i=INDEX, aim=AIM)
    def mark_delivered(self, i: int, aim: bool) -> None:
        self.transition(i, aim, A.MARK_DELIVERED, self.provider)

    @rule(i=INDEX, aim=AIM)
    def balance_failed(self, i: int, aim: bool) -> None:
        self.transition(i, aim, A.BALANCE_FAILED, Actor.system())

    @rule(i=INDEX, aim=AIM)
    def dispute(self, i: int, aim: bool) -> None:
        self.transition(i, aim, A.DISPUTE, Actor.system(), reason="complaint")

    @rule(i=INDEX, aim=AIM, to=st.sampled_from([s for s in S if s is not S.DISPUTED]))
    def resolve(self, i: int, aim: bool, to: BookingState) -> None:
        self.transition(i, aim, A.RESOLVE, self.admin, reason="decided", resolve_to=to)

    @rule(i=INDEX, aim=RARELY_AIM, by_client=st.booleans())
    def cancel(self, i: int, aim: bool, by_client: bool) -> None:
        booking_id, model = self.pick(i, aim, lambda m: m.state in CANCELLABLE)
        actor = Actor(Role.CLIENT, model.client) if by_client else self.provider
        now = self.clock.now()
        refunds: list[int] = []

        async def cmd(uow: UnitOfWork) -> None:
            _, refund = await cancel_booking(uow, booking_id, actor, now=now)
            refunds.append(refund.amount)

        ok = self.attempt("cancel", cmd)
        assert ok == (model.state in CANCELLABLE)
        if ok:
            left = model.paid - model.refunded
            assert 0 <= refunds[0] <= left
            if not by_client:  # a provider cancelling gives everything back
                assert refunds[0] == left
            self.moved(model, S.CANCELLED)

    @rule(i=INDEX, aim=AIM, kind=st.sampled_from(["deposit", "balance"]), extra=st.integers(-1, 1))
    def pay(self, i: int, aim: bool, kind: str, extra: int) -> None:
        action = A.PAY_DEPOSIT if kind == "deposit" else A.PAY_BALANCE
        booking_id, model = self.pick(i, aim, lambda m: (m.state, action) in TRANSITIONS)
        amount = (model.deposit if kind == "deposit" else model.total - model.paid) + extra
        now = self.clock.now()
        ok = self.attempt(
            kind, lambda uow: record_payment(uow, booking_id, amount, now=now, kind=kind)
        )
        target = TRANSITIONS.get((model.state, action))
        legal = target is not None and amount > 0 and model.paid + amount <= model.total
        assert ok == legal, (model.state, kind, amount, model.paid, model.total)
        if target is not None and ok:
            model.paid += amount
            self.moved(model, target)

    @rule(i=INDEX, aim=AIM, amount=st.integers(-1, 400_000), whole=st.booleans())
    def refund(self, i: int, aim: bool, amount: int, whole: bool) -> None:
        booking_id, model = self.pick(i, aim, lambda m: m.paid > m.refunded)
        if whole:
            amount = model.paid - model.refunded
        now = self.clock.now()
        ok = self.attempt("refund", lambda uow: record_refund(uow, booking_id, amount, now=now))
        assert ok == (0 < amount <= model.paid - model.refunded)
        if ok:
            model.refunded += amount

    @rule(i=INDEX, aim=AIM)
    def confirm_delivery(self, i: int, aim: bool) -> None:
        booking_id, model = self.pick(i, aim, lambda m: m.state is S.DELIVERED and not m.confirmed)
        actor = Actor(Role.CLIENT, model.client)
        now = self.clock.now()
        ok = self.attempt("confirm", lambda uow: confirm_delivery(uow, booking_id, actor, now=now))
        assert ok == (model.state is S.DELIVERED and not model.confirmed)
        if ok:
            model.confirmed = True
            model.transitions += 1  # the confirmation is audited, without a state change

    @rule(who=st.integers(0, 2), day=st.sampled_from(DAYS))
    def another_request(self, who: int, day: date) -> None:
        """Requests and the happy path get two rules each: more bookings, deeper states."""
        self.request(who, day)

    @rule(i=INDEX, steps=st.integers(1, 5), flaky=st.booleans())
    def another_happy_path(self, i: int, steps: int, flaky: bool) -> None:
        self.happy_path(i, steps, flaky)

    @rule(i=INDEX, steps=st.integers(1, 5), flaky=st.booleans())
    def happy_path(self, i: int, steps: int, flaky: bool) -> None:
        """Take the next steps a booking usually takes, so deep states get visited too."""
        booking_id, _ = self.pick(i, True, lambda m: m.state in NEXT_STEP)
        j = sorted(self.bookings).index(booking_id)
        for _ in range(steps):
            model = self.bookings[booking_id]
            step = NEXT_STEP.get(model.state)
            if step == "accept":
                self.accept(j, False)
            elif step == "deposit":
                self.pay(j, False, "deposit", 0)
            elif step == "deliver":
                self.mark_delivered(j, False)
            elif step == "balance" and not model.confirmed:
                self.confirm_delivery(j, False)
            elif step == "balance" and flaky and model.state is S.DELIVERED:
                self.balance_failed(j, False)
            elif step == "balance":
                self.pay(j, False, "balance", 0)
            elif step == "resolve":
                self.resolve(j, False, S.CONFIRMED)

    @rule(hours=st.sampled_from([0, 1, 2, 6, 25, 49]))
    def expire_sweep(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        now = self.clock.now()
        due = {
            b
            for b, m in self.bookings.items()
            if m.state in (S.REQUESTED, S.ACCEPTED) and m.expires_at and m.expires_at <= now
        }
        expired: list[int] = []

        async def cmd(uow: UnitOfWork) -> None:
            expired.extend(await expire_due(uow, now=now))

        assert self.attempt("sweep", cmd)
        assert sorted(expired) == sorted(due)
        for b in due:
            self.moved(self.bookings[b], S.EXPIRED)

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def database_agrees(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        async with self.uows() as uow:
            s = uow.session
            rows = {
                b.id: (
                    BookingState(b.state),
                    b.paid_minor,
                    b.refunded_minor,
                    b.total_minor,
                    b.event_date,
                    b.delivery_confirmed_at is not None,
                )
                for b in await s.scalars(select(Booking))
            }
            holds = (
                await s.execute(select(SlotHold.booking_id, SlotHold.service_id, SlotHold.day))
            ).all()
            trail = (
                await s.execute(
                    select(BookingTransition.booking_id, BookingTransition.target).order_by(
                        BookingTransition.id
                    )
                )
            ).all()
        assert set(rows) == set(self.bookings)
        per_day = Counter((service, day) for _, service, day in holds)
        assert all(n <= CAPACITY for n in per_day.values()), per_day
        held: dict[int, list[date]] = {}
        for booking_id, _, day in holds:
            held.setdefault(booking_id, []).append(day)
        last: dict[int, str] = {}
        audits: Counter[int] = Counter()
        for booking_id, target in trail:
            last[booking_id] = target
            audits[booking_id] += 1
        for booking_id, (state, paid, refunded, total, day, confirmed) in rows.items():
            model = self.bookings[booking_id]
            assert state is model.state, booking_id
            assert 0 <= refunded <= paid <= total, booking_id
            assert (paid, refunded) == (model.paid, model.refunded), booking_id
            assert confirmed == model.confirmed, booking_id
            assert last[booking_id] == state.value, booking_id
            assert audits[booking_id] == model.transitions, booking_id
            if state in HOLDING:
                assert held.get(booking_id) == [day], (booking_id, state)
            else:
                assert state in RELEASING_STATES
                assert booking_id not in held, (booking_id, state)


BookingMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestBookingMachine = BookingMachine.TestCase
