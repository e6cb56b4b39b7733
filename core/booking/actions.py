"""Every booking transition after the request, through one checked function."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.policy import CancellationPolicy
from core.booking.states import Action, BookingState, Decision, Role, decide
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, BookingTransition, Provider, Service, SlotHold
from core.deadlines import Deadlines
from core.errors import IllegalTransition, InvalidValue, NotAllowed
from core.events import BookingStateChanged
from core.money import Money
from core.payments.checkout_expiry import void_checkouts
from core.uow import UnitOfWork

DEPOSIT_WINDOW = Deadlines().deposit_window  # the default; settings may change it
# States in which a booking holds none of the client's money.
MONEY_FREE_STATES = frozenset(
    {BookingState.REQUESTED, BookingState.ACCEPTED, BookingState.DECLINED, BookingState.EXPIRED}
)
# The pending states, each waiting for its next step until a deadline (`_window`).
PENDING_STATES = (BookingState.REQUESTED, BookingState.ACCEPTED)


def _window(deadlines: Deadlines, state: BookingState) -> timedelta | None:
    """How long ``state`` waits for its next step (capped at the event's start)."""
    if state is BookingState.REQUESTED:
        return deadlines.request_ttl
    if state is BookingState.ACCEPTED:
        return deadlines.deposit_window
    return None


async def apply_action(
    uow: UnitOfWork,
    booking_id: int,
    action: Action,
    actor: Actor,
    *,
    now: datetime,
    reason: str | None = None,
    resolve_to: BookingState | None = None,
    amount_minor: int | None = None,
) -> Booking:
    """Check ownership and legality, move the booking, audit it and record the event."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    await check_owns_booking(uow.session, actor, booking)
    decision = decide(
        BookingState(booking.state), action, actor.role, reason=reason, resolve_to=resolve_to
    )
    if action is Action.MARK_DELIVERED:
        check_event_started(booking, now)
    held = booking.paid_minor - booking.refunded_minor
    if action is Action.RESOLVE and decision.target in MONEY_FREE_STATES and held > 0:
        # A dispute over a paid booking can't end where no money is expected: the money
        # would be stranded (and a pending state's sweep would expire it, refunding none).
        raise InvalidValue("state_holds_no_money", state=decision.target.value)
    await _apply(uow, booking, decision, actor, now=now, amount_minor=amount_minor)
    return booking


def check_event_started(booking: Booking, now: datetime) -> None:
    """A service is delivered at the earliest when its event starts: marking it before
    would let the balance be charged (and the day look done) months ahead (issue 14)."""
    problem = too_early_to_deliver(booking, now)
    if problem is not None:
        raise problem


def too_early_to_deliver(booking: Booking, now: datetime) -> InvalidValue | None:
    """From when the booking can be marked delivered, if not yet (its event to start)."""
    return delivery_too_early(booking.starts_at, now)


def delivery_too_early(starts_at: datetime, now: datetime) -> InvalidValue | None:
    """`too_early_to_deliver` for an event starting at ``starts_at``."""
    if now >= starts_at:
        return None
    local = starts_at.astimezone(MARKET_TZ)
    if local.time() == time(0):  # a full-day event: its day says it all
        return InvalidValue("delivery_before_event_day", day=local.date().isoformat())
    return InvalidValue(
        "delivery_before_event", day=local.date().isoformat(), time=local.strftime("%H:%M")
    )


async def _apply(
    uow: UnitOfWork,
    booking: Booking,
    decision: Decision,
    actor: Actor,
    *,
    now: datetime,
    amount_minor: int | None,
) -> None:
    row = _move(uow, booking, decision, actor, now=now, amount_minor=amount_minor)
    if decision.releases_slot:
        await uow.session.execute(delete(SlotHold).where(SlotHold.booking_id == booking.id))
    if decision.target is not decision.source:
        await void_checkouts(uow.session, booking, decision.source, now=now)
    uow.session.add(BookingTransition(**row))


def _move(
    uow: UnitOfWork,
    booking: Booking,
    decision: Decision,
    actor: Actor,
    *,
    now: datetime,
    amount_minor: int | None,
) -> dict[str, Any]:
    """The transition itself and its event; returns its audit row, for the caller to add
    (one by one through the session, or a batch in one INSERT)."""
    booking.state = decision.target
    booking.updated_at = now
    if decision.action is Action.DECLINE:
        booking.decline_reason = decision.reason
    booking.expires_at = deadline_after(uow.deadlines, decision, now, booking.starts_at)
    uow.record(state_changed(booking.id, decision, amount_minor))
    return transition_row(booking.id, decision, actor, now)


def deadline_after(
    deadlines: Deadlines, decision: Decision, now: datetime, starts_at: datetime
) -> datetime | None:
    """When the booking's new state stops waiting (None: it waits for nothing)."""
    # A pending state gets a fresh deadline however it is reached, also when a dispute is
    # resolved back to it: a pending booking without one would hold its slot forever.
    window = _window(deadlines, decision.target)
    return min(now + window, starts_at) if window else None


def state_changed(
    booking_id: int, decision: Decision, amount_minor: int | None = None
) -> BookingStateChanged:
    return BookingStateChanged(
        booking_id,
        decision.source,
        decision.target,
        decision.action,
        decision.role,
        decision.reason,
        amount_minor,
    )


def transition_row(
    booking_id: int, decision: Decision, actor: Actor, now: datetime
) -> dict[str, Any]:
    """The audit trail's row of one transition."""
    return {
        "booking_id": booking_id,
        "source": decision.source.value,
        "target": decision.target.value,
        "action": decision.action.value,
        "actor_role": actor.role.value,
        "actor_user_id": actor.user_id,
        "reason": decision.reason,
        "at": now,
    }


async def refund_due_on_cancel(
    uow: UnitOfWork, booking: Booking, actor: Actor, now: datetime
) -> Money:
    """What the policy gives back if ``actor`` cancels ``booking`` now (shown before confirming)."""
    provider = await uow.session.get(Provider, booking.provider_id)
    service = await uow.session.get(Service, booking.service_id)
    # A service's own policy (picked in the provider bot) wins over its provider's.
    tiers = service.cancellation_policy if service and service.cancellation_policy else None
    policy = CancellationPolicy.from_json(
        tiers or (provider.cancellation_policy if provider else None)
    )
    paid = Money(booking.paid_minor - booking.refunded_minor, booking.currency)
    return policy.refund(paid=paid, event_start=booking.starts_at, cancelled_at=now, by=actor.role)


async def cancel_booking(
    uow: UnitOfWork,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    reason: str | None = None,
    seen_state: str | None = None,
) -> tuple[Booking, Money]:
    """Cancel and return the refund the policy gives (the payments layer executes it).

    ``seen_state`` is the state the person saw when asked to confirm: a booking that moved
    on meanwhile (accepted, paid) is not cancelled on the strength of an older quote.
    """
    booking = await get_booking(uow.session, booking_id, lock=True)
    await check_owns_booking(uow.session, actor, booking)
    if seen_state is not None and booking.state != seen_state:
        raise IllegalTransition("illegal_transition", state=booking.state, action="cancel")
    refund = await refund_due_on_cancel(uow, booking, actor, now)
    await apply_action(
        uow, booking_id, Action.CANCEL, actor, now=now, reason=reason, amount_minor=refund.amount
    )
    return booking, refund


async def record_payment(
    uow: UnitOfWork, booking_id: int, amount_minor: int, *, now: datetime, kind: str
) -> Booking:
    """Money arrived: deposit confirms the booking, balance completes it."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    if amount_minor <= 0 or booking.paid_minor + amount_minor > booking.total_minor:
        raise InvalidValue("payment_out_of_range", amount=amount_minor)
    action = {"deposit": Action.PAY_DEPOSIT, "balance": Action.PAY_BALANCE}.get(kind)
    if action is None:
        raise InvalidValue("unknown_payment_kind", kind=kind)
    # Move first: a refused transition (say, a deposit after expiry) must leave paid as it was.
    booking = await apply_action(
        uow, booking_id, action, Actor.system(), now=now, amount_minor=amount_minor
    )
    booking.paid_minor += amount_minor
    return booking


async def record_refund(
    uow: UnitOfWork, booking_id: int, amount_minor: int, *, now: datetime
) -> Booking:
    """Money went back; never more than was paid (the table checks it too)."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    if amount_minor <= 0 or booking.refunded_minor + amount_minor > booking.paid_minor:
        raise InvalidValue("refund_out_of_range", amount=amount_minor)
    booking.refunded_minor += amount_minor
    booking.updated_at = now
    return booking


async def confirm_delivery(
    uow: UnitOfWork, booking_id: int, actor: Actor, *, now: datetime
) -> Booking:
    """The client (or the auto-confirm sweep) agrees the service was delivered.

    The confirmation charges the balance, so it is checked as a transition is: only this
    booking's client (or the sweep, or an admin) may give it, never its provider, and
    only once (a second one would charge again while the first charge is processing).
    """
    booking = await get_booking(uow.session, booking_id, lock=True)
    await check_owns_booking(uow.session, actor, booking)
    if actor.role not in (Role.CLIENT, Role.SYSTEM, Role.ADMIN):
        raise NotAllowed("action_not_allowed_for_role", role=actor.role.value)
    if booking.state != BookingState.DELIVERED.value or booking.delivery_confirmed_at:
        raise InvalidValue("delivery_not_awaiting_confirmation", state=booking.state)
    booking.delivery_confirmed_at = now
    booking.updated_at = now
    # Not a state change, but who agreed the service was delivered belongs in the trail.
    uow.session.add(
        BookingTransition(
            booking_id=booking.id,
            source=booking.state,
            target=booking.state,
            action="confirm_delivery",
            actor_role=actor.role.value,
            actor_user_id=actor.user_id,
            reason=None,
            at=now,
        )
    )
    return booking


EXPIRING = tuple(state.value for state in PENDING_STATES)


async def expire_due(uow: UnitOfWork, *, now: datetime, limit: int = 200) -> list[int]:
    """Sweep: expire unanswered requests and unpaid acceptances; safe to run twice or late."""
    ids = (
        await uow.session.scalars(
            select(Booking.id)
            .where(
                Booking.state.in_(EXPIRING),
                Booking.expires_at <= now,
            )
            .order_by(Booking.expires_at)
            .limit(limit)
        )
    ).all()
    return [booking.id for booking in await expire_many(uow, ids, now=now)]


async def expire_many(uow: UnitOfWork, ids: Sequence[int], *, now: datetime) -> list[Booking]:
    """Expire those of ``ids`` still overdue, in the caller's transaction; returns them
    (hold them until the commit: the session keeps unchanged rows only weakly, and the
    news of each is written at commit from them).

    The sweep's backlog after an outage can be 100,000 bookings: here each table gets one
    statement for the whole batch (the moves are checked one by one, as ``apply_action``
    checks them), so a batch is all expired, audited and announced, or not at all.
    """
    rows = (
        await uow.session.scalars(
            select(Booking).where(Booking.id.in_(ids)).order_by(Booking.id).with_for_update()
        )
    ).all()
    # Re-checked under the row locks: an acceptance or a deposit may have committed since
    # the caller's query (PostgreSQL reads committed rows without waiting for writers).
    due = [b for b in rows if b.state in EXPIRING and b.expires_at and b.expires_at <= now]
    actor, freed, trail = Actor.system(), [], []
    for booking in due:
        decision = decide(BookingState(booking.state), Action.EXPIRE, Role.SYSTEM)
        trail.append(_move(uow, booking, decision, actor, now=now, amount_minor=None))
        if decision.releases_slot:
            freed.append(booking.id)
        # An unpaid acceptance had a deposit link: it must not stay payable (issue 12).
        await void_checkouts(uow.session, booking, decision.source, now=now)
    if trail:
        # One executemany: through the session, SQLite would insert them one at a time.
        await uow.session.execute(insert(BookingTransition), trail)
    if freed:
        await uow.session.execute(delete(SlotHold).where(SlotHold.booking_id.in_(freed)))
    return due
