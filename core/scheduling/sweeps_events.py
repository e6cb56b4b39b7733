"""Event reminders: to the client and the provider, D-7 and D-1 at 10:00 in their zone;
after the event, the provider asked to mark it delivered.

Each reminder has a window: from its own moment until the next reminder's (or the event):
a worker that was down sends the one reminder that still makes sense, never a week-old
one next to tomorrow's. Moments are computed on the local calendar, so a day across
Morocco's Ramadan clock change still reminds at 10:00 local.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.booking.states import BookingState
from core.catalog.vocabulary import MARKET_TZ
from core.db.engine import read_only
from core.db.tables import Booking, Provider
from core.scheduling.model import Counts, Sweep, SweepContext
from core.scheduling.notices import remind_once, sent_keys

KIND = "event_reminder"
DELIVERY_PROMPT = "delivery_prompt"
# A confirmed event that ended longer ago than this is not prompted for any more: the
# provider has the booking in /bookings, and a worker back from a long outage should not
# send a pile of stale prompts.
PROMPT_WINDOW = timedelta(days=30)


def reminder_due(
    now: datetime,
    event_date: date,
    starts_at: datetime,
    zone: ZoneInfo,
    days: tuple[int, ...],
    at: time,
) -> int | None:
    """Which reminder (days before) is due at ``now``, if any."""
    ordered = sorted(days, reverse=True)
    moments = [datetime.combine(event_date - timedelta(days=d), at, tzinfo=zone) for d in ordered]
    for i, d in enumerate(ordered):
        end = moments[i + 1] if i + 1 < len(moments) else starts_at
        if moments[i] <= now < end:
            return d
    return None


async def remind_events(ctx: SweepContext) -> Counts:
    days, at = ctx.config.event_reminder_days, ctx.config.event_reminder_at
    horizon = ctx.now + timedelta(days=max(days) + 2)
    counts = {"reminded": 0}
    last_id = 0
    while True:
        async with ctx.uows() as uow:
            session = await read_only(uow.session)
            rows = (
                await session.execute(
                    select(Booking.id, Booking.event_date, Booking.starts_at, Provider.timezone)
                    .join(Provider, Provider.id == Booking.provider_id)
                    .where(
                        Booking.state == BookingState.CONFIRMED.value,
                        Booking.starts_at > ctx.now,
                        Booking.starts_at <= horizon,
                        Booking.id > last_id,
                    )
                    .order_by(Booking.id)
                    .limit(ctx.batch)
                )
            ).all()
        if not rows:
            return counts
        last_id = rows[-1][0]
        wanted: dict[str, tuple[int, str, dict[str, int]]] = {}
        for booking_id, event_date, starts_at, provider_tz in rows:
            # Users carry no zone of their own yet: clients are in the market's.
            for audience, zone in (("client", MARKET_TZ), ("provider", ZoneInfo(provider_tz))):
                d = reminder_due(ctx.now, event_date, starts_at, zone, days, at)
                if d is not None:
                    # The text says how far the event really is: a booking made three
                    # days ahead gets its "D-7" reminder, which must not say "in a week".
                    left = (event_date - ctx.now.astimezone(zone).date()).days
                    wanted[f"booking-{booking_id}-event-reminder-d{d}-{audience}"] = (
                        booking_id,
                        audience,
                        {"days": d, "days_left": left},
                    )
        sent = await sent_keys(ctx, wanted)
        for key, (booking_id, audience, extra) in wanted.items():
            if key not in sent:
                counts["reminded"] += await remind_once(
                    ctx,
                    booking_id=booking_id,
                    state=BookingState.CONFIRMED.value,
                    kind=KIND,
                    audience=audience,
                    key=key,
                    extra=extra,
                )
        if len(rows) < ctx.batch:
            return counts


async def prompt_deliveries(ctx: SweepContext) -> Counts:
    """Once a confirmed event has ended, its provider is asked, once, to mark it delivered
    (the client's confirmation, or the auto-confirmation, then charges the balance).
    Without this nothing in the chat points the provider there once the event is over."""
    counts = {"prompted": 0}
    last_id = 0
    while True:
        async with ctx.uows() as uow:
            session = await read_only(uow.session)
            ids = list(
                await session.scalars(
                    select(Booking.id)
                    .where(
                        Booking.state == BookingState.CONFIRMED.value,
                        Booking.ends_at <= ctx.now,
                        Booking.ends_at > ctx.now - PROMPT_WINDOW,
                        Booking.id > last_id,
                    )
                    .order_by(Booking.id)
                    .limit(ctx.batch)
                )
            )
        if not ids:
            return counts
        last_id = ids[-1]
        wanted = {f"booking-{booking_id}-delivery-prompt": booking_id for booking_id in ids}
        sent = await sent_keys(ctx, wanted)
        for key, booking_id in wanted.items():
            if key not in sent:
                counts["prompted"] += await remind_once(
                    ctx,
                    booking_id=booking_id,
                    state=BookingState.CONFIRMED.value,
                    kind=DELIVERY_PROMPT,
                    audience="provider",
                    key=key,
                )
        if len(ids) < ctx.batch:
            return counts


SWEEPS = (
    Sweep("event-reminders", timedelta(minutes=15), remind_events, "D-7 and D-1 event reminders"),
    Sweep(
        "delivery-prompts",
        timedelta(minutes=15),
        prompt_deliveries,
        "providers asked to mark an ended event delivered",
    ),
)
