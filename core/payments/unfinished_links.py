"""Payment links whose making was cut short, and the Checkout sessions they may have left.

checkout_links.py writes a payment, asks the gateway for its Checkout session, then
stores the session's link on the payment. Two things can cut that short once the gateway
was asked:

- its client gave up waiting (a timeout, a dropped connection), and the gateway made the
  session all the same: Stripe finishes a request it received;
- the process died before the link was stored.

Such a session is open at the gateway, and nobody has its address; left alone it stays
open until it expires, up to 24 h later. So its payment is ``cancelled`` with no session,
and an ``expire_checkout`` task is queued. The outbox worker asks the gateway for the
open session made for that payment (``find_checkout``: by the payment's id in the
session's metadata), expires it and marks the payment ``expired`` (checkout_expiry.py).
Where no session was made, the search finds none and the payment is marked all the same.

When: at once where the client gave up (the search waits SEARCH_AFTER, for a gateway
still making it); after a crash, the ``unfinished-links`` sweep, for payments still
without their link ORPHANED_AFTER after they were written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from core.db.tables import Booking, OutboxMessage, Payment
from core.payments.checkout_expiry import CANCELLED, expiry_asked
from core.uow import Committed

# No link is still being made after this: the Stripe client waits at most 120 s
# (settings.stripe_timeout), once for the customer and once for the session.
ORPHANED_AFTER = timedelta(minutes=5)
# How long the search for a session waits after the client gave up on its making: the
# gateway may still be making it. Stripe answers within seconds or not at all.
SEARCH_AFTER = timedelta(minutes=2)
GAVE_UP = Committed({"payments": None, "outbox": None})

_PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
_PM = _PAYMENTS.c
_BK = Booking.__table__.c
# Written by checkout_links.py's step 1, never given its link (nor paid off session).
UNLINKED = (
    _PM.status == "pending",
    _PM.checkout_session_id.is_(None),
    _PM.payment_intent_id.is_(None),
)


def unlinked_deleted(conn: Connection, payment_id: int) -> None:
    """The gateway refused before it made anything: the payment goes, as if never asked."""
    conn.execute(delete(_PAYMENTS).where(_PM.id == payment_id, *UNLINKED))


def given_up(conn: Connection, *where: Any, now: datetime, search_at: datetime) -> int:
    """The unlinked payments matching ``where`` are cancelled, and the search for their
    sessions queued for ``search_at``. Returns how many."""
    cancelled = conn.execute(
        update(_PAYMENTS)
        .where(*where, *UNLINKED)
        .values(status=CANCELLED, updated_at=now)
        .returning(_PM.id, _PM.booking_id)
    ).all()
    if not cancelled:
        return 0
    bookings = {booking_id for _, booking_id in cancelled}
    clients_of = select(_BK.id, _BK.client_id).where(_BK.id.in_(bookings))
    clients = {row.id: row.client_id for row in conn.execute(clients_of)}
    conn.execute(
        insert(_OUTBOX),
        [
            expiry_asked(payment_id, booking_id, clients[booking_id], now=now, due=search_at)
            for payment_id, booking_id in cancelled
        ],
    )
    return len(cancelled)


def orphans_given_up(conn: Connection, *, now: datetime, limit: int) -> int:
    """The sweep's work: payments a crash left without their link, up to ``limit``."""
    oldest = (
        select(_PM.id)
        .where(*UNLINKED, _PM.created_at < now - ORPHANED_AFTER)
        .order_by(_PM.id)
        .limit(limit)
    )
    return given_up(conn, _PM.id.in_(oldest), now=now, search_at=now)
