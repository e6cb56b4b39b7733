"""Counter-proposals: the provider offers another date and/or total for a request.

A proposal is a row beside the request (core/db/tables_proposals.py): the request keeps
its date, price and slot until the client answers. Accepting moves the date, the price
and the seats in the caller's transaction and accepts the request on the new terms
(``Action.ACCEPT_PROPOSAL``: the client agreed to what the provider offered, so the
provider need not accept again). Refusing leaves the request exactly as it was, still
waiting for the provider, who can accept it, decline it or propose again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.booking.actions import apply_action
from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.availability import MAX_DAYS_AHEAD, Slot, check_horizon, check_slot, make_slot
from core.booking.calendar_data import load_calendar, load_occupancy, service_rules, taken_seats
from core.booking.quote import MAX_TOTAL_MINOR
from core.booking.request import REQUEST_TTL
from core.booking.states import Action, BookingState, Role
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, BookingProposal, BookingTransition, Provider, Service, SlotHold
from core.errors import IllegalTransition, InvalidValue, NotAllowed, NotFound, SlotUnavailable
from core.events import ProposalMade, ProposalRefused, RefusalExplained
from core.money import Money
from core.uow import UnitOfWork


class ProposalStatus(StrEnum):
    PENDING = "pending"  # while its request still waits (a request that moved on ends it)
    ACCEPTED = "accepted"
    REFUSED = "refused"
    SUPERSEDED = "superseded"  # the provider proposed again
    # Never stored: a pending one whose request moved on meanwhile (accepted as it was,
    # declined, expired, cancelled) is shown so.
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class ProposalTerms:
    """A proposal as the chats show it (no ORM row)."""

    id: int
    booking_id: int
    reference: str
    old_date: date
    new_date: date
    old_total: int
    new_total: int
    currency: str
    status: str
    created_at: datetime
    note: str | None = None  # the provider's words about the change
    answer_note: str | None = None  # the client's words when refusing it


def has_pending_proposal(booking_id: Any) -> Any:
    """SQL: other terms wait for the client's answer on the booking ``booking_id`` (a
    column). Such a request is the client's to answer, not the provider's: their home
    counts and lists it so, as the dashboard does."""
    return (
        select(BookingProposal.id)
        .where(
            BookingProposal.booking_id == booking_id,
            BookingProposal.status == ProposalStatus.PENDING.value,
        )
        .exists()
    )


# The provider's note beside new terms: a few sentences, not a letter.
MAX_NOTE_CHARS = 500


async def propose(
    uow: UnitOfWork,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    day: date | None = None,
    total_minor: int | None = None,
    note: str | None = None,
    max_days_ahead: int = MAX_DAYS_AHEAD,
) -> BookingProposal:
    """Offer ``day`` and/or ``total_minor`` for a request, with the provider's ``note``
    about it if any; the client is told."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    await check_owns_booking(uow.session, actor, booking)
    if actor.role is not Role.PROVIDER:
        raise NotAllowed("action_not_allowed_for_role", role=actor.role.value)
    if booking.state != BookingState.REQUESTED:
        raise IllegalTransition("illegal_transition", state=booking.state, action="propose")
    day = None if day == booking.event_date else day
    total_minor = None if total_minor == booking.total_minor else total_minor
    if day is None and total_minor is None:
        raise InvalidValue("proposal_changes_nothing")
    if total_minor is not None:
        check_total(total_minor)
    note = check_note(note)
    slot = None
    if day is not None:
        # Checked now, so nobody is offered a day that is already full; checked again
        # when the client accepts (it may have filled up meanwhile).
        slot = await _free_slot(uow, booking, day, now=now, max_days_ahead=max_days_ahead)
    await uow.session.execute(
        update(BookingProposal)
        .where(
            BookingProposal.booking_id == booking.id,
            BookingProposal.status == ProposalStatus.PENDING.value,
        )
        .values(status=ProposalStatus.SUPERSEDED.value, answered_at=now)
    )
    proposal = BookingProposal(
        booking_id=booking.id,
        proposed_by=actor.user_id,
        from_date=booking.event_date,
        to_date=day or booking.event_date,
        from_total_minor=booking.total_minor,
        to_total_minor=total_minor or booking.total_minor,
        currency=booking.currency,
        note=note,
        status=ProposalStatus.PENDING.value,
        created_at=now,
    )
    uow.session.add(proposal)
    # The client gets a full answering window: the request waits for them now.
    starts = [booking.starts_at, now + REQUEST_TTL] + ([slot.interval.start] if slot else [])
    booking.expires_at = min(starts)
    booking.updated_at = now
    await uow.session.flush()
    _trail(uow, booking, "propose", actor, now, f"proposal {proposal.id}")
    uow.record(ProposalMade(booking.id, proposal.id))
    return proposal


def check_note(note: str | None) -> str | None:
    """The note as kept: trimmed, None when empty; too long is refused, not cut."""
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidValue("note_too_long", max=MAX_NOTE_CHARS)
    return note


def check_total(total_minor: int) -> None:
    if total_minor <= 0:
        raise InvalidValue("total_not_positive")
    if total_minor > MAX_TOTAL_MINOR:
        raise InvalidValue("price_too_high", max_minor=MAX_TOTAL_MINOR)


async def check_new_day(
    uow: UnitOfWork,
    booking_id: int,
    actor: Actor,
    day: date,
    *,
    now: datetime,
    max_days_ahead: int = MAX_DAYS_AHEAD,
) -> None:
    """SlotUnavailable (with its reason) if the request could not move to ``day``."""
    booking = await get_booking(uow.session, booking_id)
    await check_owns_booking(uow.session, actor, booking)
    if day != booking.event_date:
        await _free_slot(uow, booking, day, now=now, max_days_ahead=max_days_ahead)


async def accept_proposal(
    uow: UnitOfWork,
    proposal_id: int,
    actor: Actor,
    *,
    now: datetime,
    max_days_ahead: int = MAX_DAYS_AHEAD,
) -> Booking:
    """The client takes the proposal: new date (seats moved) and price, request accepted."""
    proposal, booking = await _pending(uow, proposal_id, actor)
    if proposal.to_date != booking.event_date:
        await _move(uow, booking, proposal.to_date, now=now, max_days_ahead=max_days_ahead)
    if proposal.to_total_minor != booking.total_minor:
        _reprice(booking, proposal.to_total_minor)
    proposal.status, proposal.answered_at = ProposalStatus.ACCEPTED.value, now
    return await apply_action(uow, booking.id, Action.ACCEPT_PROPOSAL, actor, now=now)


async def refuse_proposal(
    uow: UnitOfWork, proposal_id: int, actor: Actor, *, now: datetime
) -> Booking:
    """The client keeps the request as it was; the provider is told and answers it."""
    proposal, booking = await _pending(uow, proposal_id, actor)
    proposal.status, proposal.answered_at = ProposalStatus.REFUSED.value, now
    booking.updated_at = now
    _trail(uow, booking, "refuse_proposal", actor, now, f"proposal {proposal.id}")
    uow.record(ProposalRefused(booking.id, proposal.id))
    return booking


async def explain_refusal(
    uow: UnitOfWork, proposal_id: int, actor: Actor, note: str, *, now: datetime
) -> Booking:
    """The client's words about a proposal they refused, kept with it and sent to the
    provider; once (a second message, or one about a proposal not refused, is refused)."""
    proposal = await uow.session.get(BookingProposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise NotFound("proposal_not_found", proposal_id=proposal_id)
    booking = await get_booking(uow.session, proposal.booking_id)
    await check_owns_booking(uow.session, actor, booking)
    if actor.role is not Role.CLIENT:
        raise NotAllowed("action_not_allowed_for_role", role=actor.role.value)
    kept = check_note(note)
    if kept is None:
        raise InvalidValue("note_empty")
    if proposal.status != ProposalStatus.REFUSED or proposal.answer_note is not None:
        raise IllegalTransition("proposal_answered", status=proposal.status)
    proposal.answer_note = kept
    booking.updated_at = now
    uow.record(RefusalExplained(booking.id, proposal.id))
    return booking


async def proposal_terms(uow: UnitOfWork, proposal_id: int, actor: Actor) -> ProposalTerms:
    """One proposal, for whoever may see its booking (a button names it)."""
    proposal = await uow.session.get(BookingProposal, proposal_id)
    if proposal is None:
        raise NotFound("proposal_not_found", proposal_id=proposal_id)
    booking = await get_booking(uow.session, proposal.booking_id)
    await check_owns_booking(uow.session, actor, booking)
    return terms_of(proposal, booking)


async def proposal_for_news(uow: UnitOfWork, proposal_id: object) -> ProposalTerms | None:
    """The proposal a stored news payload names (None if it names none): the renderer
    says nothing of a proposal that is no longer open."""
    if not isinstance(proposal_id, int):
        return None
    proposal = await uow.session.get(BookingProposal, proposal_id)
    if proposal is None:
        return None
    booking = await get_booking(uow.session, proposal.booking_id)
    return terms_of(proposal, booking)


async def pending_proposal(uow: UnitOfWork, booking: Booking) -> ProposalTerms | None:
    """The proposal the client has yet to answer on this request, if any."""
    if booking.state != BookingState.REQUESTED:
        return None
    proposal = await uow.session.scalar(
        select(BookingProposal).where(
            BookingProposal.booking_id == booking.id,
            BookingProposal.status == ProposalStatus.PENDING.value,
        )
    )
    return None if proposal is None else terms_of(proposal, booking)


async def proposals_of(uow: UnitOfWork, booking: Booking) -> list[ProposalTerms]:
    """Every proposal made on a booking, oldest first (its history)."""
    rows = await uow.session.scalars(
        select(BookingProposal)
        .where(BookingProposal.booking_id == booking.id)
        .order_by(BookingProposal.id)
    )
    return [terms_of(p, booking) for p in rows.all()]


def terms_of(proposal: BookingProposal, booking: Booking) -> ProposalTerms:
    """The terms before and the terms offered, as they were when proposed."""
    status = proposal.status
    if status == ProposalStatus.PENDING and booking.state != BookingState.REQUESTED:
        status = ProposalStatus.LAPSED.value
    return ProposalTerms(
        id=proposal.id,
        booking_id=booking.id,
        reference=booking.reference,
        old_date=proposal.from_date,
        new_date=proposal.to_date,
        old_total=proposal.from_total_minor,
        new_total=proposal.to_total_minor,
        currency=proposal.currency,
        status=status,
        created_at=proposal.created_at,
        note=proposal.note,
        answer_note=proposal.answer_note,
    )


async def _pending(
    uow: UnitOfWork, proposal_id: int, actor: Actor
) -> tuple[BookingProposal, Booking]:
    """The proposal and its locked request, if this client may still answer it."""
    proposal = await uow.session.get(BookingProposal, proposal_id)
    if proposal is None:
        raise NotFound("proposal_not_found", proposal_id=proposal_id)
    booking = await get_booking(uow.session, proposal.booking_id, lock=True)
    await check_owns_booking(uow.session, actor, booking)
    if actor.role is not Role.CLIENT:
        raise NotAllowed("action_not_allowed_for_role", role=actor.role.value)
    await uow.session.refresh(proposal)  # read again now that the booking is locked
    if proposal.status == ProposalStatus.SUPERSEDED.value:
        raise InvalidValue("proposal_replaced")
    if proposal.status != ProposalStatus.PENDING.value:
        raise InvalidValue("proposal_answered", status=proposal.status)
    if booking.state != BookingState.REQUESTED:
        raise IllegalTransition("illegal_transition", state=booking.state, action="proposal")
    return proposal, booking


async def _free_slot(
    uow: UnitOfWork, booking: Booking, day: date, *, now: datetime, max_days_ahead: int
) -> Slot:
    """The slot ``booking`` would take on ``day``, at the same local time, if it is free."""
    session = uow.session
    check_horizon(day, now.astimezone(MARKET_TZ).date(), max_days_ahead)
    service = await session.get(Service, booking.service_id)
    provider = (
        await session.scalars(
            select(Provider).where(Provider.id == booking.provider_id).with_for_update()
        )
    ).one()
    if service is None:
        raise NotFound("service_not_found", service_id=booking.service_id)
    rules = service_rules(service)
    calendar = await load_calendar(session, provider, day, day + timedelta(rules.days))
    # An hourly booking keeps its local start time on the new day.
    start = None if rules.full_day else booking.starts_at.astimezone(calendar.tz).time()
    slot = make_slot(day, start, rules, calendar.tz)
    occupancy = await load_occupancy(
        session, service, slot.held_days[0], slot.held_days[-1], exclude_booking=booking.id
    )
    check_slot(slot, rules, calendar, occupancy, now=now)
    return slot


async def _move(
    uow: UnitOfWork, booking: Booking, day: date, *, now: datetime, max_days_ahead: int
) -> None:
    """Give up the old seats and take the new day's, in this transaction; the unique seat
    key refuses a seat someone else took meanwhile."""
    session = uow.session
    slot = await _free_slot(uow, booking, day, now=now, max_days_ahead=max_days_ahead)
    holds = (await session.scalars(select(SlotHold).where(SlotHold.booking_id == booking.id))).all()
    for hold in holds:
        await session.delete(hold)
    await session.flush()
    service = await session.get(Service, booking.service_id)
    assert service is not None  # _free_slot found it
    for held_day in slot.held_days:
        free = sorted(
            set(range(service.daily_capacity)) - await taken_seats(session, service.id, held_day)
        )
        if not free:
            raise SlotUnavailable("slot_fully_booked", day=held_day.isoformat())
        session.add(
            SlotHold(
                booking_id=booking.id,
                provider_id=booking.provider_id,
                service_id=service.id,
                day=held_day,
                seat=free[0],
            )
        )
    booking.event_date = day
    booking.starts_at, booking.ends_at = slot.interval.start, slot.interval.end
    try:
        await session.flush()
    except IntegrityError as exc:  # another request took the seat first
        raise SlotUnavailable("slot_taken", day=day.isoformat()) from exc


def _reprice(booking: Booking, total_minor: int) -> None:
    """The new total, split again with the deposit share the request was quoted with."""
    total = Money(total_minor, booking.currency)
    deposit_bp = int(booking.quote.get("deposit_bp", 0))
    deposit = total.percent_bp(deposit_bp)
    booking.total_minor = total.amount
    booking.deposit_minor = deposit.amount
    booking.balance_minor = (total - deposit).amount
    booking.quote = {
        **booking.quote,
        "total": total.amount,
        "deposit": deposit.amount,
        "balance": (total - deposit).amount,
        "proposed": True,
    }


def _trail(
    uow: UnitOfWork, booking: Booking, action: str, actor: Actor, now: datetime, note: str
) -> None:
    """Not a state change, but part of the booking's history."""
    uow.session.add(
        BookingTransition(
            booking_id=booking.id,
            source=booking.state,
            target=booking.state,
            action=action,
            actor_role=actor.role.value,
            actor_user_id=actor.user_id,
            reason=note,
            at=now,
        )
    )
