"""Twilio's delivery-status callbacks recorded on the outbox row that sent the message.

Callbacks arrive late, twice and out of order: a status only ever moves forward
(queued → sending → sent → delivered → read; failed/undelivered after sent, never after
delivered). A permanent failure raises a flag for the admins; one outside the 24-hour
window (63016) also puts the message back on hold, to go when the person writes again.
A message sent in several parts records the last part's MessageSid (the one carrying
the question); callbacks for the other parts, like any unknown MessageSid, are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select

from core.clock import Clock
from core.db.tables import OutboxMessage
from core.notifications.outbox import OutboxStatus
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "failed": 3,
    "undelivered": 3,
    "delivered": 4,
    "read": 5,
}
FAILED = frozenset({"failed", "undelivered"})
OUTSIDE_WINDOW = "63016"


async def record_status(uows: UnitOfWorkFactory, clock: Clock, params: Mapping[str, str]) -> bool:
    """Apply one callback; True when it changed the row."""
    sid = str(params.get("MessageSid", ""))
    status = str(params.get("MessageStatus", "")).lower()
    code = str(params.get("ErrorCode", "") or "") or None
    if status not in RANK:
        log.warning("Twilio status %r for %s not understood", status, sid)
        return False
    now = clock.now()
    async with uows() as uow:
        row = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.external_id == sid).with_for_update()
        )
        if row is None:
            log.info("Twilio status %s for unknown message %s ignored", status, sid)
            return False
        if RANK[status] <= RANK.get(row.delivery_status or "", -1):
            return False  # a late or repeated callback: what we know is newer
        row.delivery_status, row.delivery_updated_at = status, now
        if status in FAILED:
            row.last_error = f"twilio {status} {code or ''}: {params.get('ErrorMessage', '')}"
            raise_flag(
                uow,
                kind="whatsapp_undelivered",
                subject_type="user",
                subject_id=row.user_id,
                now=now,
                details={"outbox_id": row.id, "sid": sid, "status": status, "error_code": code},
            )
            if code == OUTSIDE_WINDOW and row.status == OutboxStatus.SENT.value:
                # Forget this attempt (its late callbacks become unknown): resent on release.
                row.status, row.external_id = OutboxStatus.HELD.value, None
                row.delivery_status = None
        await uow.commit()
        return True
