"""Book a service chosen on the profile: occasion → date (→ time) → guests → place → contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from core.booking.duration import chooses_length
from core.booking.policy import CancellationPolicy
from core.booking.request import RequestBooking, quote_of, request_booking
from core.booking.request_write import new_reference, request_later
from core.booking.states import BookingState
from core.catalog.vocabulary import CITIES, EVENT_TYPES, MARKET_TZ
from dialogs import labels
from dialogs.client import book_hours, book_leave
from dialogs.client import book_steps as steps
from dialogs.client.aside import aside_from
from dialogs.client.book_edit_words import typed_field
from dialogs.client.book_steps import advance, day_problem, service_of
from dialogs.client.book_summary import duration_rows, price_lines
from dialogs.client.guests import guests_problem
from dialogs.client.menu import AFTER_ACTION
from dialogs.client.policy_words import deposit_reason, policy_words, refund_today
from dialogs.framework.context import Ctx
from dialogs.framework.errors import state_label
from dialogs.framework.flow import READS, Access, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_

SEARCH_KEYS = ("category", "style", "budget", "sort", "page")  # none is a question of the form
# Kept through the form: not a question either, but where the client came from.
CARRIED_KEYS = (*SEARCH_KEYS, "source")
EDITABLE = (
    *("event_type", "date", "hours", "guests", "city", "venue", "notes"),
    *("name", "phone", "email"),
)


async def start_booking(ctx: Ctx, service_id: int) -> Outcome:
    """Open the form for a service, keeping what the search already told us."""
    found = [
        s
        for s in await ctx.reads.active_services(ctx.state.data.get("provider_id", 0))
        if s.id == service_id
    ]
    if not found:
        return Invalid(ctx.t("This service is no longer offered."))
    old = ctx.state.data
    ctx.state.data = {"provider_id": old["provider_id"], "service_id": service_id}
    # The search's own choices stay, so that Back can show its results again.
    for key in CARRIED_KEYS:
        if key in old:
            ctx.state.data[key] = old[key]
    # The search's count stays unless this service can't take it: then it is asked.
    service = await service_of(ctx)
    if old.get("guests") and guests_problem(ctx, old["guests"], service) is None:
        ctx.state.data["guests"] = old["guests"]
    if old.get("city") in await ctx.reads.provider_cities(old["provider_id"]):
        ctx.state.data["city"] = old["city"]
    if old.get("event_type") in EVENT_TYPES:  # named in free text: "pour mon mariage"
        ctx.state.data["event_type"] = old["event_type"]
    if name := (ctx.user.full_name or ctx.user.display_name).strip():
        ctx.state.data["name"] = name  # shown in the summary, where it can be edited
    if ctx.user.email:  # given for an earlier booking: shown in the summary, and used
        ctx.state.data["email"] = ctx.user.email
    if ctx.user.phone_e164 or ctx.user.contact_phone:
        ctx.state.data["phone"] = ctx.user.phone_e164 or ctx.user.contact_phone
    if old.get("day"):
        problem = await day_problem(ctx, date.fromisoformat(old["day"]))
        if problem is None:
            ctx.state.data["day"] = old["day"]
        else:
            # The date they chose is taken: say so, and ask the date again at once, with
            # the service's next free dates as buttons (issue 14), before anything else.
            ctx.extra_replies.append(ctx.reply(problem))
            return Go("date", "book")
    return await advance(ctx)


async def city_prompt(ctx: Ctx) -> Reply:
    cities = await ctx.reads.provider_cities(ctx.state.data.get("provider_id", 0))
    rows = [(ctx.button(labels.city(c, ctx.t), f"city:{c}"),) for c in cities]
    return ctx.reply(ctx.t("In which city is the event?"), [*rows, ctx.nav_row()])


async def city_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("city:")
    if answer.text:
        parsed = await ctx.deps.nlu.parse(answer.text, today=ctx.today, locale=ctx.user.locale)
        code = parsed.city or ""
    cities = await ctx.reads.provider_cities(ctx.state.data["provider_id"])
    if code not in CITIES or code not in cities:
        if answer.text and (aside := await steps.aside_of(ctx, answer.text, "city")):
            return aside
        return Invalid(ctx.t("Please choose one of the cities this provider works in."))
    ctx.state.data["city"] = code
    return await advance(ctx)


def _text_step(key: str, question: str, limit: int) -> Step:
    async def prompt(ctx: Ctx) -> Reply:
        return ctx.reply(ctx.t(question), [(ctx.button(ctx.t("Skip"), "skip"),), ctx.nav_row()])

    async def answer(ctx: Ctx, ans: Answer) -> Outcome:
        if ans.code == "skip":
            ctx.state.data[key] = ""
        elif ans.text:
            # "en fait je préfère un DJ à Fès" is no venue: ask before leaving (issue 14).
            service = await service_of(ctx)
            aside = await aside_from(ctx, ans.text, key, service)
            if aside is not None:
                return aside
            ctx.state.data[key] = ans.text.strip()[:limit]
        else:
            return Invalid(ctx.t("Please type your answer, or tap Skip."))
        return await advance(ctx)

    return Step(prompt, answer, READS)


venue_step = _text_step("venue", N_("Where exactly will it take place (venue or address)?"), 300)
notes_step = _text_step("notes", N_("Anything the provider should know? (optional)"), 1000)


async def summary_prompt(ctx: Ctx) -> Reply:
    t, data = ctx.t, ctx.state.data
    service = await service_of(ctx)
    provider = await ctx.reads.active_provider(data.get("provider_id"))
    if service is None or not service.active or provider is None:
        return ctx.reply(t("This service is no longer offered."), [ctx.nav_row(back=False)])
    quote = quote_of(service, data.get("guests"), data.get("minutes"))
    day = date.fromisoformat(data["day"])
    when = t.date(day)
    # The service's own policy decides refunds when it has one (core/booking/actions.py).
    policy = CancellationPolicy.from_json(
        service.cancellation_policy or provider.cancellation_policy
    )
    if data.get("start"):
        when += " " + t("at {time}", time=data["start"])
    money = quote.total.currency
    rows_text = [
        (t("Provider"), t.pick(provider.name)),
        (t("Service"), t.pick(service.title)),
        (t("Occasion"), labels.event(data["event_type"], t)),
        (t("Date"), when),
        *duration_rows(ctx, service),
        (t("Guests"), t.number(data["guests"]) if data.get("guests") else "—"),
        (t("City"), labels.city(data["city"], t)),
        (t("Place"), data.get("venue") or "—"),
        (t("Notes"), data.get("notes") or "—"),
        (t("Name"), data.get("name") or "—"),
        (t("Phone"), t.isolate(data.get("phone") or "—")),
        (t("Email"), t.isolate(data.get("email") or "—")),
    ]
    lines = [t("Please check your request:"), *(name + ": " + value for name, value in rows_text)]
    lines += [
        "",
        *price_lines(ctx, service, quote),
        t("Total") + ": " + t.money(quote.total.amount, money),
        t("Deposit to confirm") + ": " + t.money(quote.deposit.amount, money),
        t("Balance after the event") + ": " + t.money(quote.balance.amount, money),
        "",
        deposit_reason(service.deposit_bp, t),
        policy_words(policy, t),
    ]
    starts = datetime.combine(day, time.fromisoformat(data.get("start") or "00:00"), MARKET_TZ)
    if today := refund_today(policy, quote.deposit, starts, ctx.now, t):
        lines.append(today)
    edits = [
        ctx.button(t("Edit: {field}", field=t(_FIELD_NAMES[f])), f"edit:{f}")
        for f in EDITABLE
        if f != "hours" or chooses_length(service)
    ]
    rows = [
        (ctx.button("✅ " + t("Send the request"), "confirm"),),
        *[tuple(edits[i : i + 2]) for i in range(0, len(edits), 2)],
        ctx.nav_row(),
    ]
    return ctx.reply("\n".join(lines), rows)


_FIELD_NAMES = {
    "event_type": N_("Occasion"),
    "date": N_("Date"),
    "hours": N_("Duration"),
    "guests": N_("Guests"),
    "city": N_("City"),
    "venue": N_("Place"),
    "notes": N_("Notes"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "email": N_("Email"),
}


async def summary_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if answer.is_text and (field := typed_field(answer.text or "", _offered(ctx), _name(ctx))):
        code = f"edit:{field}"  # "modifier les invités": the field named in words
    if code.startswith("edit:") and code[5:] in EDITABLE:
        ctx.state.data["_return"] = "summary"
        return Go(code[5:])
    if code != "confirm":
        return Invalid(ctx.t("Please send the request, or edit a field."))
    data = ctx.state.data
    reference = await _send_request(
        ctx,
        RequestBooking(
            client_id=ctx.user.id,
            service_id=data["service_id"],
            event_type=data["event_type"],
            day=date.fromisoformat(data["day"]),
            start_time=time.fromisoformat(data["start"]) if data.get("start") else None,
            guests=data.get("guests"),
            city=data["city"],
            venue=data.get("venue", ""),
            notes=data.get("notes", ""),
            contact_name=data.get("name"),
            contact_phone=data.get("phone"),
            contact_email=data.get("email"),
            source=data.get("source") or ctx.user.source,
            minutes=data.get("minutes"),
            kept=steps.kept_contact(ctx),
        ),
    )
    ctx.state.data, ctx.state.history = {AFTER_ACTION: True}, []
    sent = ctx.reply(
        ctx.t(
            "Your request {ref} has been sent ({state}). We will tell you here as soon as the "
            "provider answers.",
            ref=reference,
            state=state_label(BookingState.REQUESTED, ctx.t),
        )
    )
    return Go("main", "menu", before=(sent,))


def _offered(ctx: Ctx) -> list[str]:
    """The fields the summary offers to edit (its options kept in the state)."""
    return [p.partition("|edit:")[2] for _, p in ctx.state.options if "|edit:" in p]


def _name(ctx: Ctx) -> Callable[[str], str]:
    return lambda field: ctx.t(_FIELD_NAMES[field])


async def _send_request(ctx: Ctx, cmd: RequestBooking) -> str:
    """The request's reference. Sent on the read-only path (the summary declares its
    "confirm" so), it is checked and written with the chat's state in the journal's batch,
    under the write lock; refused there (the seat was taken meanwhile), the update runs
    again in a transaction, where `request_booking` says why."""
    if ctx.in_transaction:
        max_days = ctx.deps.max_days_ahead
        booking = await request_booking(ctx.uow, cmd, now=ctx.now, max_days_ahead=max_days)
        return booking.reference
    reference = new_reference()
    ctx.journal_write = request_later(
        cmd,
        reference=reference,
        now=ctx.now,
        ttl=ctx.deps.deadlines.request_ttl,
        max_days_ahead=ctx.deps.max_days_ahead,
    )
    return reference


# The form's questions only read: the service and its provider (cached, re-read by the
# request), the free days and times it offers (cached for the minute) and the day and time
# chosen (checked exactly), and each answer is kept in the chat's state, so they take the
# read-only path (dialogs/framework/fast_path.py). So do the name, phone and email: they
# go on the user for the next booking (a shared contact proving the account's phone) with
# the request (book_steps.kept_contact), the one answer that writes: in the chat journal's
# batch, with the chat's state (flow.Access.writes_in_journal).
FLOW = Flow(
    name="book",
    first="event_type",
    steps={
        "event_type": Step(steps.event_type_prompt, steps.event_type_answer, READS),
        "date": Step(steps.date_prompt, steps.date_answer, READS),
        "time": Step(steps.time_prompt, steps.time_answer, READS),
        "hours": Step(book_hours.hours_prompt, book_hours.hours_answer, READS),
        "guests": Step(steps.guests_prompt, steps.guests_answer, READS),
        "city": Step(city_prompt, city_answer, READS),
        "venue": venue_step,
        "notes": notes_step,
        "name": Step(steps.name_prompt, steps.name_answer, READS),
        "phone": Step(steps.phone_prompt, steps.phone_answer, READS),
        "email": Step(steps.email_prompt, steps.email_answer, READS),
        "summary": Step(
            summary_prompt,
            summary_answer,
            Access(
                shows_only=True,
                reads_only=lambda a: a.code != "confirm",
                writes_in_journal=lambda a: a.code == "confirm",
            ),
        ),
        "leave": Step(book_leave.leave_prompt, book_leave.leave_answer, READS),
    },
    diagram=Path(__file__).with_name("book.mmd"),
)
