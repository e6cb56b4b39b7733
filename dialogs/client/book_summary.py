"""The summary's duration and price arithmetic: what the client pays for, and why that much.

"3 h × 1 200,00 MAD = 3 600,00 MAD", "150 guests × 300,00 MAD = 45 000,00 MAD": the total
is never a number the client has to take on trust (issue 14).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.booking.quote import PricingModel, Quote
from core.rows import Service
from dialogs.client.book_hours import length_text
from dialogs.framework.context import Ctx


def booked_length(ctx: Ctx, service: Service) -> int | None:
    """Minutes the booking lasts: the client's choice, else the service's own length."""
    return ctx.state.data.get("minutes") or service.duration_minutes


def duration_rows(ctx: Ctx, service: Service) -> list[tuple[str, str]]:
    """ "Duration: 3 h, until 23:00" for an hourly service whose start is known."""
    minutes, start = booked_length(ctx, service), ctx.state.data.get("start")
    if minutes is None or not start:
        return []
    begins = datetime.combine(date.fromisoformat(ctx.state.data["day"]), time.fromisoformat(start))
    ends = begins + timedelta(minutes=minutes)
    until = ctx.t("until {time}", time=f"{ends:%H:%M}")
    if ends.date() != begins.date():
        until += " " + ctx.t("(the next day)")
    return [(ctx.t("Duration"), ctx.t.join((length_text(ctx, minutes), until)))]


def price_lines(ctx: Ctx, service: Service, quote: Quote) -> list[str]:
    """The multiplication behind the total, for prices that depend on the answers."""
    t, data = ctx.t, ctx.state.data
    currency = quote.total.currency
    unit = t.money(quote.unit_price.amount, currency)
    total = t.money(quote.total.amount, currency)
    model = PricingModel(service.pricing_model)
    if model is PricingModel.PER_HOUR:
        minutes = (booked_length(ctx, service) or 0) * service.days
        quantity = length_text(ctx, minutes)
    elif model is PricingModel.PER_GUEST and data.get("guests"):
        quantity = t("{n} guests", n=t.number(data["guests"]))
    elif model is PricingModel.FIXED and service.days > 1:
        quantity = t("{n} days", n=t.number(service.days))
    else:
        return []
    return [t("{quantity} × {unit} = {total}", quantity=quantity, unit=unit, total=total)]
