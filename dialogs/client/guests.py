"""The guest count of a booking or a search: read from a button or typed, then bounded."""

from __future__ import annotations

from core.booking.quote import MAX_GUESTS
from core.db.tables import Service
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Answer
from dialogs.nlu.guest_answer import GuestProblem, read_guest_answer, read_guest_code


def guest_count(ctx: Ctx, answer: Answer) -> tuple[int | None, str | None]:
    """The count a button or a typed answer gives, or what to say instead."""
    if answer.code:
        count = read_guest_code(answer.code)
        return count, None if count is not None else ctx.t("Please choose a number of guests.")
    reading = read_guest_answer(answer.text or "")
    if reading.problem is GuestProblem.RANGE:
        return None, ctx.t("Please give one number of guests, not a range: for example 250.")
    if reading.count is None:
        return None, ctx.t("Please type the number of guests as one whole number, for example 150.")
    return reading.count, None


def guests_problem(ctx: Ctx, count: int, service: Service | None) -> str | None:
    """Why this many guests can't be booked: the domain's bound, then the service's range."""
    if not 1 <= count <= MAX_GUESTS:
        return ctx.t("Please give a number of guests between 1 and {max}.", max=MAX_GUESTS)
    if service and service.min_guests and count < service.min_guests:
        return ctx.t("This service needs at least {min} guests.", min=service.min_guests)
    if service and service.max_guests and count > service.max_guests:
        return ctx.t("This service takes at most {max} guests.", max=service.max_guests)
    return None
