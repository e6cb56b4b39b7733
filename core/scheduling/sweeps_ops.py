"""Operations sweeps: the outbox's leftovers and the support tickets' response time."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from core.db.engine import read_only
from core.db.tables import Ticket, TicketMessage
from core.notifications.outbox import deliver_due
from core.scheduling.digest import send_digest
from core.scheduling.flags import flag_once
from core.scheduling.model import Counts, Sweep, SweepContext

# Who answers a ticket on the platform's side (a client's own follow-up is no answer).
STAFF_ROLES = ("admin", "support")
MAX_OUTBOX_ROUNDS = 20


async def outbox(ctx: SweepContext) -> Counts:
    """What the event-driven delivery left due: held WhatsApp messages whose recheck time
    has come, retries after a failure. Bounded rounds: a sweep must end."""
    if ctx.sender is None:
        raise RuntimeError("the outbox sweep needs a message sender")
    sent = 0
    started = time.monotonic()
    for _ in range(MAX_OUTBOX_ROUNDS):
        # Each round claims with a lease counted from its own start: with the sweep's
        # start instead, rounds after the first 30 s claimed with leases already over,
        # and the worker's own loop sent those messages a second time (measured by
        # bench/outbox_delivery.py on a backlog).
        now = ctx.now + timedelta(seconds=time.monotonic() - started)
        round_sent = await deliver_due(
            ctx.uows, ctx.sender, now=now, limit=ctx.batch, lease=ctx.config.send_lease
        )
        sent += round_sent
        if round_sent == 0:
            break
    return {"sent": sent}


async def ticket_sla(ctx: SweepContext) -> Counts:
    """An open ticket without a staff answer after ``ticket_sla`` raises one flag."""
    answered = select(TicketMessage.id).where(
        TicketMessage.ticket_id == Ticket.id, TicketMessage.author_role.in_(STAFF_ROLES)
    )
    flagged, last_id = 0, 0
    while True:
        async with ctx.uows() as uow:
            session = await read_only(uow.session)
            ids = (
                await session.scalars(
                    select(Ticket.id)
                    .where(
                        Ticket.status == "open",
                        Ticket.created_at <= ctx.now - ctx.config.ticket_sla,
                        ~answered.exists(),
                        Ticket.id > last_id,
                    )
                    .order_by(Ticket.id)
                    .limit(ctx.batch)
                )
            ).all()
        for ticket_id in ids:
            last_id = ticket_id
            async with ctx.uows() as uow:
                ticket = await uow.session.get(Ticket, ticket_id, with_for_update=True)
                if ticket is None or ticket.status != "open":
                    continue
                flagged += await flag_once(
                    uow,
                    kind="ticket_sla",
                    subject_type="ticket",
                    subject_id=ticket_id,
                    now=ctx.now,
                    details={"opened_at": ticket.created_at.isoformat()},
                )
                await uow.commit()
        if len(ids) < ctx.batch:
            return {"flagged": flagged}


SWEEPS = (
    Sweep(
        "outbox",
        timedelta(minutes=1),
        outbox,
        "deliver held and retried outbox messages",
        needs_sender=True,
    ),
    Sweep("ticket-sla", timedelta(minutes=10), ticket_sla, "flag tickets unanswered after 4 h"),
    Sweep("admin-digest", timedelta(minutes=30), send_digest, "daily email digest to the admins"),
)
