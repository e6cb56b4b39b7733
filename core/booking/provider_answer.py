"""A provider's answer to a booking (Accept, Mark as delivered), written in one go.

The rules are `apply_action`'s (core/booking/actions.py), the statements plain ones on one
connection, so that the chat journal can write the answer with the chat's state in its
batch (core/conversations/journal.py, ``ChatWrite.extra``), as it writes a booking
request (core/booking/request_write.py). Only the answers that touch no money, seat or
payment link go this way: Accept (a request becomes accepted) and Mark as delivered (a
confirmed booking becomes delivered); every other move stays with `apply_action`.

The chat reads the booking first (`provider_booking`) and checks the answer
(`check_answer`) to reply at once; the write reads it again under its lock and checks it
again. Refused there (the booking moved on meanwhile, or busy time appeared in the
provider's calendar), it raises: the journal takes the write back and the update runs
again in a transaction, where `apply_action` and the calendar check say why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actions import (
    deadline_after,
    delivery_too_early,
    state_changed,
    transition_row,
)
from core.booking.actors import Actor
from core.booking.news import notices_of
from core.booking.states import Action, BookingState, Decision, Role, decide
from core.calendar_sync.conflicts import BUSY_OVERLAPPING, busy_span
from core.db.tables import Booking, BookingTransition, CalendarImport, Provider, Service
from core.deadlines import Deadlines
from core.errors import InvalidValue, NotAllowed, NotFound, SlotUnavailable
from core.notifications.outbox import insert_notices
from core.payments.checkout_expiry import DUE_IN
from core.uow import Committed

IN_ONE_GO = frozenset({Action.ACCEPT, Action.MARK_DELIVERED})
WRITTEN = frozenset({"bookings", "booking_transitions", "outbox"})

_BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
_TRANSITIONS: Table = BookingTransition.__table__  # type: ignore[assignment]
_BK = _BOOKINGS.c
_PR = Provider.__table__.c
_ANSWERED = (
    select(
        _BK.id,
        _BK.reference,
        _BK.client_id,
        _BK.provider_id,
        _BK.service_id,
        _BK.state,
        _BK.starts_at,
        _BK.ends_at,
        _BK.created_at,
        _PR.user_id.label("owner"),
    )
    .join_from(_BOOKINGS, Provider.__table__, _PR.id == _BK.provider_id)
    .where(_BK.id == bindparam("booking"))
)
_LOCKED = _ANSWERED.with_for_update(of=_BOOKINGS)
_CONNECTED = select(CalendarImport.provider_id).where(
    CalendarImport.provider_id == bindparam("provider")
)
_BUFFER = select(Service.buffer_minutes).where(Service.id == bindparam("service"))
_MOVE = (
    update(_BOOKINGS)
    .where(_BK.id == bindparam("booking"))
    .values(state=bindparam("to"), updated_at=bindparam("at"), expires_at=bindparam("until"))
)
_AUDIT = insert(_TRANSITIONS)


@dataclass(frozen=True, slots=True)
class AnsweredBooking:
    """The booking a provider answers, as the chat reads it before answering."""

    id: int
    reference: str
    state: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    booking_id: int
    action: Action  # one of IN_ONE_GO
    owner_id: int  # the account that runs the booking's provider
    now: datetime


async def provider_booking(
    session: AsyncSession, owner_id: int, booking_id: int
) -> AnsweredBooking:
    """The booking, if ``owner_id`` runs its provider: NotFound or NotAllowed otherwise
    (a button can be forged to name any booking), as `check_owns_booking` says."""
    row = _owned(
        (await session.execute(_ANSWERED, {"booking": booking_id})).first(), booking_id, owner_id
    )
    return AnsweredBooking(row.id, row.reference, row.state, row.starts_at)


def check_answer(state: str, action: Action, starts_at: datetime, now: datetime) -> Decision:
    """The answer's move from ``state``, or the DomainError `apply_action` raises."""
    decision = decide(BookingState(state), action, Role.PROVIDER)
    if action is Action.MARK_DELIVERED and (early := delivery_too_early(starts_at, now)):
        raise early
    if action not in IN_ONE_GO or decision.releases_slot or decision.source in DUE_IN.values():
        # A seat to free or a payment link to void: only `apply_action` does that.
        raise ValueError(f"{action.value} from {state} is not an answer written in one go")
    return decision


def write_answer(conn: Connection, answer: ProviderAnswer, deadlines: Deadlines) -> Committed:
    """Check and write the answer on ``conn``, in the caller's transaction: the move, its
    audit row and the news of it; returns what it wrote, for caches."""
    row = _owned(
        conn.execute(_LOCKED, {"booking": answer.booking_id}).first(),
        answer.booking_id,
        answer.owner_id,
    )
    decision = check_answer(row.state, answer.action, row.starts_at, answer.now)
    if answer.action is Action.ACCEPT:
        _calendar_free(conn, row)
    now, actor = answer.now, Actor(Role.PROVIDER, answer.owner_id)
    deadline = deadline_after(deadlines, decision, now, row.starts_at)
    conn.execute(
        _MOVE, {"booking": row.id, "to": decision.target.value, "at": now, "until": deadline}
    )
    conn.execute(_AUDIT, transition_row(row.id, decision, actor, now))
    # The news reads a booking's id, client and times: a row not loaded, not kept.
    booking = Booking(id=row.id, client_id=row.client_id, created_at=row.created_at, updated_at=now)
    insert_notices(conn, notices_of(state_changed(row.id, decision), booking, row.owner))
    return Committed(dict.fromkeys(WRITTEN), dict.fromkeys(WRITTEN, frozenset({row.provider_id})))


def answer_later(answer: ProviderAnswer, deadlines: Deadlines) -> Callable[[Connection], Committed]:
    """The answer as a write to make in the chat journal's batch."""
    return lambda conn: write_answer(conn, answer, deadlines)


def _owned(row: Any, booking_id: int, owner_id: int) -> Any:
    if row is None:
        raise NotFound("booking_not_found", booking_id=booking_id)
    if row.owner != owner_id:
        raise NotAllowed("not_your_booking")
    return row


def _calendar_free(conn: Connection, row: Any) -> None:
    """As `busy_before_accept` with no feed fetched before: the busy time stored. A
    provider who connected a calendar has it read again first, in a transaction (the chat
    sends such an accept there: a calendar connected since, elsewhere, is caught here)."""
    if conn.scalar(_CONNECTED, {"provider": row.provider_id}) is not None:
        raise InvalidValue("calendar_not_fetched")
    buffer = conn.scalar(_BUFFER, {"service": row.service_id}) or 0
    if conn.scalar(
        BUSY_OVERLAPPING, busy_span(row.provider_id, row.starts_at, row.ends_at, buffer)
    ):
        raise SlotUnavailable("slot_calendar_busy")
