"""User-facing text for the domain's error keys."""

from __future__ import annotations

import contextlib
from datetime import date

from core.errors import DomainError
from dialogs import labels
from dialogs.i18n.translator import N_, Translator

# What a failing step says, on either path: the user's data stays as it was.
APOLOGY = N_("Sorry, something went wrong on our side. Your information is safe; please try again.")

MESSAGES: dict[str, str] = {
    "slot_taken": N_("Sorry, someone just booked this date. Please choose another one."),
    "slot_fully_booked": N_("Sorry, this date is fully booked. Please choose another one."),
    "slot_too_soon": N_(
        "This service is booked at least {notice} ahead. Please choose a later date."
    ),
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
    "duration_out_of_range": N_(
        "This service is booked for at least {min_hours} h and at most {max_hours} h."
    ),
    "duration_not_chosen": N_("This service lasts a set time: its length cannot be chosen."),
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
    "ticket_category_unknown": N_("Please choose what your message is about."),
    "ticket_not_found": N_("This ticket no longer exists."),
    "not_your_ticket": N_("This ticket is not yours."),
    "ticket_closed": N_("This ticket is closed. You can open a new one with /support."),
    "ticket_not_closed": N_("This ticket is still open: it can be rated once it is closed."),
    "rating_out_of_range": N_("Please choose from one to five stars."),
    "action_not_allowed_for_role": N_("You cannot do that."),
    "delivery_not_awaiting_confirmation": N_("There is no delivery to confirm for this booking."),
    "review_not_completed": N_("You can review a booking once it is completed."),
    "review_already_given": N_("You have already reviewed this booking. Thank you!"),
    "review_comment_too_long": N_("Please keep your comment to {max} characters."),
    "note_too_long": N_("Please keep your message to {max} characters."),
    "review_not_found": N_("This review no longer exists."),
    "not_your_review": N_("This review is not about your services."),
    "review_already_answered": N_("You have already replied to this review."),
    "review_reply_empty": N_("Please write your reply."),
    "review_reply_too_long": N_("Please keep your reply to {max} characters."),
    # Importing a calendar (core/calendar_sync): what the provider can do about it.
    "calendar_url_invalid": N_(
        "This is not a calendar address. Paste the full address, starting with https:// (or"
        " webcal://)."
    ),
    "calendar_address_refused": N_(
        "We cannot fetch calendars from this address. Use the public or secret iCal address"
        " your calendar app gives you."
    ),
    "calendar_fetch_failed": N_(
        "We could not reach this calendar address. Check it, or try again in a few minutes."
    ),
    "calendar_fetch_timeout": N_(
        "This calendar took too long to answer. Please try again in a few minutes."
    ),
    "calendar_http_status": N_(
        "The calendar's server refused to send it (error {status}). Check that the address is"
        " still valid."
    ),
    "calendar_too_many_redirects": N_(
        "This calendar address sends us on to other addresses too many times. Please paste"
        " the final iCal address."
    ),
    "calendar_too_large": N_(
        "This calendar is too large to import (more than {limit_mb} MB). Share a calendar"
        " with fewer events, for example only your work calendar."
    ),
    "calendar_unreadable": N_(
        "This address does not give a calendar file we can read. Use the address in iCal"
        " format (it usually ends with .ics)."
    ),
    "calendar_too_many_events": N_(
        "This calendar has too many events to import (more than {limit} in a year)."
    ),
    "calendar_not_connected": N_("No calendar is connected."),
    "calendar_not_fetched": N_("Your calendar was not read this time. Please try again."),
    "proposal_not_found": N_("This proposal no longer exists."),
    "proposal_answered": N_("This proposal was already answered. Nothing more to do."),
    "proposal_replaced": N_(
        "The provider has since sent a newer proposal: please answer that one."
    ),
    "proposal_changes_nothing": N_("Change the date, the price, or both."),
    "total_not_positive": N_("Please type an amount above zero."),
    "proof_not_a_link": N_(
        "Please send a web link (starting with https://) to a photo or to your work."
    ),
    # A provider's own profile (core/catalog/provider_registration.py, provider_photos.py).
    "business_name_length": N_("Please give a name of {min} to {max} characters."),
    "bio_length": N_(
        "Please write {min} to {max} characters (this text has {n}): a few sentences about your"
        " work."
    ),
    "bio_required": N_("Please keep a description in at least one language."),
    "unknown_choice": N_("Please choose an option."),
    "category_required": N_("Please choose at least one service."),
    "city_required": N_("Please choose at least one city."),
    "language_required": N_("Please choose at least one language."),
    "too_many_categories": N_("Please choose at most {max} services."),
    "provider_phone_required": N_("Please share your phone number first."),
    "already_provider": N_("You are registered already: see /profile."),
    "phone_taken": N_(
        "This number belongs to another Mounasabet account. Write to us with /support if it is"
        " yours."
    ),
    "provider_account_missing": N_("You do not have a provider account yet: see /register."),
    "photo_too_big": N_("This photo is too big: at most {max_mb} MB, please."),
    "photo_unreadable": N_("We cannot open this file as a picture. Please send a photo."),
    "photo_format": N_("Please send a JPEG, PNG or WebP picture."),
    "photo_too_many_pixels": N_("This picture is too large. Please send a smaller photo."),
    "photo_too_small": N_(
        "This picture is too small to look good: at least {min} pixels on each side, please."
    ),
    "too_many_photos": N_(
        "You have {max} photos already, the most a profile shows. Remove one to add another."
    ),
    "photo_not_found": N_("This photo is not on your profile any more."),
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
    if isinstance(hours := params.get("notice_hours"), int):  # "3 days", as providers say
        params["notice"] = labels.notice_text(hours, t)
    if "state" in params:
        params["state_label"] = t(STATE_LABELS.get(str(params["state"]), str(params["state"])))
    try:
        return t(msgid, **params)
    except (KeyError, IndexError):  # a translation lost a placeholder: say something
        return t(FALLBACK)


def state_label(state: str, t: Translator) -> str:
    return t(STATE_LABELS.get(state, state))
