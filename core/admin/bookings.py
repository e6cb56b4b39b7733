"""Bookings seen from the admin side: list with filters, the whole timeline, and overrides.

Every change goes through the state machine with the admin role (a reason is required);
money moves only through core/payments/refunds.py, against the payment gateway.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from core.admin.audit import Operator, record
from core.admin.operators import admin_actor
from core.admin.paging import Page, iso, money_text, one_of
from core.admin.providers import provider_ref
from core.booking.actions import apply_action, cancel_booking
from core.booking.actors import get_booking
from core.booking.proposals import ProposalTerms, proposals_of
from core.booking.request_write import NAMED_REFERENCE, REFERENCE_PREFIX
from core.booking.states import TRANSITIONS, Action, BookingState
from core.catalog.vocabulary import CITIES
from core.db.tables import (
    Booking,
    BookingTransition,
    OutboxMessage,
    Payment,
    Provider,
    Refund,
    User,
)
from core.errors import InvalidValue, NotFound
from core.payments.ports import GATEWAY_CHANNEL, LinkSigner, PaymentGateway
from core.payments.refund_sending import send_held
from core.payments.refunds import refund_booking
from core.uow import UnitOfWork, UnitOfWorkFactory


async def booking_id_of(uow: UnitOfWork, ref: str) -> int:
    """A booking named by its id, or by its reference as people quote it ("MSB-36E7BXG",
    "msb 36e7bxg"): a ticket or a phone call gives the reference, the tables the id. An id
    is returned as is (each command then finds the booking, or says there is none)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 19:
        return int(ref)
    named = NAMED_REFERENCE.fullmatch(ref)
    found = None
    if named is not None:
        reference = REFERENCE_PREFIX + named.group(1).upper()
        found = await uow.session.scalar(select(Booking.id).where(Booking.reference == reference))
    if found is None:
        raise NotFound("booking_not_found", booking_id=ref)
    return int(found)


def booking_row(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "reference": booking.reference,
        "state": str(booking.state),
        "date": iso(booking.event_date),
        "city": booking.city,
        "provider_id": booking.provider_id,
        "client_id": booking.client_id,
        "currency": booking.currency,
        "total_minor": booking.total_minor,
        "paid_minor": booking.paid_minor,
        "refunded_minor": booking.refunded_minor,
        "created_at": iso(booking.created_at),
    }


async def list_bookings(
    uow: UnitOfWork,
    page: Page,
    *,
    state: str | None = None,
    provider: str | None = None,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    city: str | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Booking)
    if one_of("state", state, (s.value for s in BookingState)):
        stmt = stmt.where(Booking.state == state)
    if provider:
        stmt = stmt.where(
            Booking.provider_id.in_(select(Provider.id).where(provider_ref(provider)))
        )
    if client_id is not None:
        stmt = stmt.where(Booking.client_id == client_id)
    if date_from:
        stmt = stmt.where(Booking.event_date >= date_from)
    if date_to:
        stmt = stmt.where(Booking.event_date <= date_to)
    if one_of("city", city, CITIES):
        stmt = stmt.where(Booking.city == city)
    if source:  # where the client came from (their first deep link)
        stmt = stmt.where(Booking.client_id.in_(select(User.id).where(User.source == source)))
    columns = {
        "id": Booking.id,
        "created": Booking.created_at,
        "date": Booking.event_date,
        "total": Booking.total_minor,
    }
    stmt = page.apply(stmt, columns, default="id")
    return [booking_row(b) for b in (await uow.session.scalars(stmt)).all()]


async def booking_timeline(uow: UnitOfWork, booking_id: int) -> dict[str, Any]:
    """The booking, and everything that happened to it in time order."""
    booking = await get_booking(uow.session, booking_id)
    session = uow.session
    events: list[dict[str, Any]] = []
    for t in (
        await session.scalars(
            select(BookingTransition).where(BookingTransition.booking_id == booking.id)
        )
    ).all():
        events.append(
            {
                "at": iso(t.at),
                "type": "transition",
                "what": f"{t.source or '·'} -> {t.target} ({t.action})",
                "by": t.actor_role,
                "detail": t.reason,
            }
        )
    for p in (await session.scalars(select(Payment).where(Payment.booking_id == booking.id))).all():
        events.append(
            {
                "at": iso(p.created_at),
                "type": "payment",
                "what": f"{p.kind} #{p.attempt}: {money_text(p.amount_minor, p.currency)}",
                "by": p.gateway,
                "detail": p.status,
            }
        )
    for r in (await session.scalars(select(Refund).where(Refund.booking_id == booking.id))).all():
        events.append(
            {
                "at": iso(r.created_at),
                "type": "refund",
                "what": money_text(r.amount_minor, r.currency),
                "by": r.actor_role,
                "detail": f"{r.status}: {r.reason}",
            }
        )
    for terms in await proposals_of(uow, booking):
        events.append(_proposal_event(terms))
    messages = (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.payload["booking_id"].as_integer() == booking.id
            )
        )
    ).all()
    for m in messages:
        events.append(_outbox_event(m))
    events.sort(key=lambda e: e["at"] or "")
    return booking_row(booking) | {
        "event_type": booking.event_type,
        "guests": booking.guests,
        "deposit_minor": booking.deposit_minor,
        "balance_minor": booking.balance_minor,
        "decline_reason": booking.decline_reason,
        "expires_at": iso(booking.expires_at),
        "timeline": events,
    }


def _proposal_event(terms: ProposalTerms) -> dict[str, Any]:
    """Other terms the provider offered: what would change, their word to the client (the
    agent reads what the client was asked to accept) and how it ended."""
    changes = []
    if terms.new_date != terms.old_date:
        changes.append(f"date {terms.old_date.isoformat()} -> {terms.new_date.isoformat()}")
    if terms.new_total != terms.old_total:
        old, new = (money_text(x, terms.currency) for x in (terms.old_total, terms.new_total))
        changes.append(f"total {old} -> {new}")
    return {
        "at": iso(terms.created_at),
        "type": "proposal",
        "what": f"#{terms.id}: " + "; ".join(changes),
        "by": "provider",
        "detail": terms.status
        + (f': "{terms.note}"' if terms.note else "")
        + (f'; the client: "{terms.answer_note}"' if terms.answer_note else ""),
    }


def _outbox_event(m: OutboxMessage) -> dict[str, Any]:
    """A message to a person, or a call to the payment service made after the commit that
    decided it, by the worker or the admin command that held it (a refund, a balance
    charge, a payout, a link's expiry)."""
    if m.channel == GATEWAY_CHANNEL:
        return {
            "at": iso(m.created_at),
            "type": "gateway call",
            "what": m.kind.replace("_", " "),
            "by": m.channel,
            "detail": f"{m.status} after {m.attempts} attempt(s)"
            + (f": {m.last_error}" if m.last_error and m.status != "sent" else ""),
        }
    audience = m.payload.get("audience") or m.channel or ""
    return {
        "at": iso(m.created_at),
        "type": "message",
        "what": f"{m.kind} to user {m.user_id} ({audience})",
        "by": m.channel or "chat",
        # The outbox's own status, then what the channel reported later.
        "detail": m.status + (f" / {m.delivery_status}" if m.delivery_status else ""),
    }


async def cancel(
    uow: UnitOfWork,
    booking_id: int,
    *,
    reason: str,
    full_refund: bool,
    by: Operator,
    now: datetime,
) -> dict[str, Any]:
    """Cancel; give back everything paid (or, ``full_refund=False``, what the policy says):
    the refunds are queued for `send_refunds`, after the commit."""
    actor = await admin_actor(uow, by, now=now)
    booking, by_policy = await cancel_booking(uow, booking_id, actor, now=now, reason=reason)
    amount = booking.paid_minor - booking.refunded_minor if full_refund else by_policy.amount
    refund_ids = await _refund(uow, booking_id, amount, reason, actor, now) if amount else []
    record(
        uow,
        by,
        "bookings.cancel",
        "booking",
        booking.id,
        now=now,
        reason=reason,
        details={"refund_minor": amount, "full_refund": full_refund},
    )
    return booking_row(booking) | {"refund_requested_minor": amount, "refund_ids": refund_ids}


async def refund(
    uow: UnitOfWork,
    booking_id: int,
    amount_minor: int,
    *,
    reason: str,
    by: Operator,
    now: datetime,
) -> dict[str, Any]:
    """A partial (or whole) refund of what the booking paid; its state does not change. The
    refunds are queued for `send_refunds`, after the commit."""
    if not reason.strip():
        raise InvalidValue("admin_reason_required")
    actor = await admin_actor(uow, by, now=now)
    refund_ids = await _refund(uow, booking_id, amount_minor, reason, actor, now)
    record(
        uow,
        by,
        "bookings.refund",
        "booking",
        booking_id,
        now=now,
        reason=reason,
        details={"amount_minor": amount_minor},
    )
    booking = await get_booking(uow.session, booking_id)
    return booking_row(booking) | {
        "refund_requested_minor": amount_minor,
        "refund_ids": refund_ids,
    }


async def _refund(
    uow: UnitOfWork, booking_id: int, amount: int, reason: str, actor: Any, now: datetime
) -> list[int]:
    return await refund_booking(
        uow, booking_id, amount, reason=f"admin: {reason}", actor=actor, now=now, held=True
    )


async def send_refunds(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    row: dict[str, Any],
    *,
    now: datetime,
    links: LinkSigner | None = None,
) -> dict[str, Any]:
    """After the commit of `cancel` or `refund`, with no transaction open: send the refunds
    they queued and show what the gateway answered (what it did not take is retried)."""
    outcome = await send_held(uows, gateway, row["refund_ids"], now=now, links=links)
    async with uows() as uow:
        booking = await get_booking(uow.session, row["id"])
        return (
            row
            | booking_row(booking)
            | {
                "refund_sent_minor": outcome.sent,
                "refund_pending_minor": outcome.pending,
                "refund_failed_minor": outcome.failed,
            }
        )


async def set_state(
    uow: UnitOfWork, booking_id: int, target: str, *, reason: str, by: Operator, now: datetime
) -> dict[str, Any]:
    """Move a booking to ``target`` by the one action that leads there (or resolve a dispute)."""
    try:
        wanted = BookingState(target)
    except ValueError:
        raise InvalidValue(
            "unknown_state", state=target, allowed=", ".join(s.value for s in BookingState)
        ) from None
    booking = await get_booking(uow.session, booking_id)
    current = BookingState(booking.state)
    if current is BookingState.DISPUTED:
        action, resolve_to = Action.RESOLVE, wanted
    else:
        actions = [a for (s, a), to in TRANSITIONS.items() if s is current and to is wanted]
        if not actions:
            raise InvalidValue("no_admin_path", source=current.value, target=wanted.value)
        action, resolve_to = actions[0], None
    actor = await admin_actor(uow, by, now=now)
    booking = await apply_action(
        uow, booking_id, action, actor, now=now, reason=reason, resolve_to=resolve_to
    )
    record(
        uow,
        by,
        "bookings.set_state",
        "booking",
        booking_id,
        now=now,
        reason=reason,
        details={"from": current.value, "to": wanted.value, "action": action.value},
    )
    return booking_row(booking)
