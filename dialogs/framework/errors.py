"""User-facing text for the domain's error keys."""

from __future__ import annotations

import contextlib
from datetime import date

from core.errors import DomainError
from dialogs.i18n.translator import N_, Translator

# What a failing step says, on either path: the user's data stays as it was.
APOLOGY = N_("Sorry, something went wrong on our side. Your information is safe; please try again.")

MESSAGES: dict[str, str] = {
    "slot_taken": N_("Sorry, someone just booked this date. Please choose another one."),
    "slot_fully_booked": N_("Sorry, this date is fully booked. Please choose another one."),
    "slot_too_soon": N_("This date is too soon for this provider. Please choose a later date."),
    "slot_too_far": N_(
        "This date is too far ahead: bookings open at most {max_days} days in advance. Please"
        " choose an earlier date."
    ),
    "slot_blackout": N_("The provider is not available on this date."),
    "slot_closed_day": N_("The provider does not work on this day of the week."),
    "slot_outside_hours": N_("This time is outside the provider's working hours."),
    "slot_calendar_busy": N_("The provider is busy at that time."),
    "slot_overlaps_booking": N_("The provider already has a booking at that time."),
    "unknown_city": N_("Please choose a city from the list."),
    "provider_not_in_city": N_("This provider does not work in that city."),
    "guests_out_of_range": N_("Please give a number of guests between 1 and {max}."),
    "guests_required": N_("Please tell us how many guests to expect."),
    "guests_below_minimum": N_("This service needs at least {min} guests."),
    "guests_above_maximum": N_("This service takes at most {max} guests."),
    "price_too_high": N_("This price is higher than a booking on Mounasabet can take."),
    "total_too_high": N_(
        "This booking would cost more than Mounasabet can take at once. Please lower the number"
        " of guests."
    ),
    "start_time_required": N_("Please choose a start time."),
    "invalid_phone": N_("This does not look like a phone number. Example: 06 12 34 56 78"),
    "invalid_email": N_("This does not look like an email address. Example: name@example.com"),
    "not_your_booking": N_("This booking is not yours."),
    "booking_not_found": N_("This booking no longer exists."),
    "service_not_found": N_("This service is no longer offered."),
    "provider_not_available": N_("This provider is not taking bookings at the moment."),
    "illegal_transition": N_("This booking has already moved on (it is now {state_label})."),
    "reason_required": N_("Please give a reason."),
    "ticket_empty": N_("Please write a few words about the problem."),
    "ticket_not_found": N_("This ticket no longer exists."),
    "not_your_ticket": N_("This ticket is not yours."),
    "ticket_closed": N_("This ticket is closed. You can open a new one with /support."),
    "ticket_not_closed": N_("This ticket is still open: it can be rated once it is closed."),
    "rating_out_of_range": N_("Please choose from one to five stars."),
    "action_not_allowed_for_role": N_("You cannot do that."),
    "delivery_not_awaiting_confirmation": N_("There is no delivery to confirm for this booking."),
    "delivery_before_event_day": N_(
        "The event has not started yet: you can mark it as delivered from {day}."
    ),
    "delivery_before_event": N_(
        "The event has not started yet: you can mark it as delivered from {day} at {time}."
    ),
}
FALLBACK = N_("Sorry, that did not work. Please try again.")

STATE_LABELS: dict[str, str] = {
    "requested": N_("waiting for the provider"),
    "accepted": N_("accepted, deposit due"),
    "confirmed": N_("confirmed"),
    "delivered": N_("delivered"),
    "payment_due": N_("balance due"),
    "completed": N_("completed"),
    "declined": N_("declined"),
    "expired": N_("expired"),
    "cancelled": N_("cancelled"),
    "disputed": N_("under review"),
}


def explain(error: DomainError, t: Translator) -> str:
    msgid = MESSAGES.get(error.key, FALLBACK)
    params: dict[str, object] = dict(error.params)
    if isinstance(day := params.get("day"), str):  # an ISO day, shown as the reader writes it
        with contextlib.suppress(ValueError):
            params["day"] = t.date(date.fromisoformat(day))
    if "state" in params:
        params["state_label"] = t(STATE_LABELS.get(str(params["state"]), str(params["state"])))
    try:
        return t(msgid, **params)
    except (KeyError, IndexError):  # a translation lost a placeholder: say something
        return t(FALLBACK)


def state_label(state: str, t: Translator) -> str:
    return t(STATE_LABELS.get(state, state))
