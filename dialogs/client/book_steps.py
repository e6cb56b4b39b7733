"""Book: the questions, in order. Each answer moves to the first one not yet answered."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, time

from core.booking.duration import chooses_length
from core.booking.quote import PricingModel
from core.catalog.vocabulary import EVENT_TYPES
from core.errors import SlotUnavailable
from core.people.users import (
    KeptContact,
    normalize_email,
    normalize_phone,
)
from core.rows import Service
from dialogs import labels
from dialogs.client.aside import aside_from
from dialogs.client.event_date import date_problem, typed_date
from dialogs.client.guests import guest_count, guests_problem
from dialogs.framework.context import Ctx
from dialogs.framework.errors import explain
from dialogs.framework.flow import Answer, Go, Invalid, Outcome, Remind
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_
from dialogs.nlu.events import event_of
from dialogs.nlu.times import minutes_between, read_span, read_time

ORDER = (
    "event_type",
    "date",
    "time",
    "hours",
    "guests",
    "city",
    "venue",
    "notes",
    "name",
    "phone",
    "email",
    "summary",
)
GUEST_PRESETS = (50, 100, 150, 200, 300, 500)
# The answers that go on the user for the next booking's form, once the request is sent
# (kept_contact, written with the request): until then they are the chat's alone, so
# the form's questions stay on the read-only path, and a form left unsent keeps nothing.
KEPT = "_kept"
FREE_DATES_OFFERED = 4
DAY_CODE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


async def service_of(ctx: Ctx) -> Service | None:
    sid = ctx.state.data.get("service_id")
    return await ctx.reads.service(sid) if sid else None


async def aside_of(ctx: Ctx, text: str, step: str) -> Go | Remind | None:
    """For a step's answer it could not read: a new search or a question (issue 14)?"""
    return await aside_from(ctx, text, step, await service_of(ctx))


def answered(ctx: Ctx, step: str, service: Service | None) -> bool:
    data = ctx.state.data
    if step == "time":
        return service is not None and (service.duration_minutes is None or "start" in data)
    if step == "hours":  # only a service priced by the hour asks how long
        return service is not None and (not chooses_length(service) or "minutes" in data)
    if step == "date":
        return bool(data.get("day"))
    if step in ("event_type", "city"):
        return bool(data.get(step))
    return step != "summary" and step in data


async def advance(ctx: Ctx) -> Go:
    """On to the next unanswered question: after an edit that is the summary, unless the
    edit voided another answer (a new date needs its start time asked again)."""
    ctx.state.data.pop("_return", None)
    service = await service_of(ctx)
    for step in ORDER:
        if not answered(ctx, step, service):
            return Go(step, "book")
    return Go("summary", "book")


def _grid(buttons: list[Button], per_row: int = 2) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


async def event_type_prompt(ctx: Ctx) -> Reply:
    buttons = [ctx.button(labels.event(code, ctx.t), f"evt:{code}") for code in EVENT_TYPES]
    return ctx.reply(ctx.t("What is the occasion?"), [*_grid(buttons), ctx.nav_row()])


async def event_type_answer(ctx: Ctx, answer: Answer) -> Outcome:
    # A typed word counts too ("عرس" is a wedding), where options are typed (WhatsApp).
    code = (answer.code or "").removeprefix("evt:") or event_of(answer.text) or ""
    if code not in EVENT_TYPES:
        if answer.text and (aside := await aside_of(ctx, answer.text, "event_type")):
            return aside
        return Invalid(ctx.t("Please choose the occasion from the list."))
    ctx.state.data["event_type"] = code
    if answer.text:  # "notre mariage le 12 juin, 150 invités": the rest is not asked again
        await fill_from_text(ctx, answer.text)
    return await advance(ctx)


async def fill_from_text(ctx: Ctx, text: str) -> None:
    """Answer the form's later questions that ``text`` answers as well (issue 14)."""
    data = ctx.state.data
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    if parsed.date and "day" not in data:
        problem = await day_problem(ctx, parsed.date)
        if problem is None:
            data["day"] = parsed.date.isoformat()
        else:
            ctx.extra_replies.append(ctx.reply(problem))
    if parsed.guests and "guests" not in data:
        problem = guests_problem(ctx, parsed.guests, await service_of(ctx))
        if problem is None:
            data["guests"] = parsed.guests
        else:
            ctx.extra_replies.append(ctx.reply(problem))


async def date_prompt(ctx: Ctx) -> Reply:
    """The date question, with the service's next free dates as buttons (issue 14)."""
    service = await service_of(ctx)
    free = (
        await ctx.reads.free_dates(service, now=ctx.now, count=FREE_DATES_OFFERED)
        if service
        else []
    )
    buttons = [ctx.button(ctx.t.date(d, "medium"), f"day:{d.isoformat()}") for d in free]
    text = ctx.t("Which date? Type it, for example: 14 June, next Saturday, 14/06.")
    if free:
        text += "\n" + ctx.t("Or choose one of the next free dates:")
    return ctx.reply(text, [*_grid(buttons), ctx.nav_row()])


async def date_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    problem: str | None = None
    if code.startswith("day:"):  # one of the free dates offered
        day = _day_of_code(code[4:])
    elif answer.text:
        day, problem = await typed_date(ctx, answer.text)
    else:
        day = None
    if day is None:
        if answer.text and (aside := await aside_of(ctx, answer.text, "date")):
            return aside
        return Invalid(problem or ctx.t("Please type the date of the event."))
    problem = await day_problem(ctx, day)  # past, too far, or taken: said as such
    if problem:
        return Invalid(problem)
    ctx.state.data["day"] = day.isoformat()
    ctx.state.data.pop("start", None)
    return await advance(ctx)


def _day_of_code(raw: str) -> date | None:
    """The date of a ``day:YYYY-MM-DD`` button; None for a forged or broken one."""
    match = DAY_CODE.fullmatch(raw)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]):
        return None
    return date(year, month, day)


async def day_problem(ctx: Ctx, day: date) -> str | None:
    """Why this day can't be booked for the chosen service, or None if it can."""
    problem = date_problem(ctx, day)
    service = await service_of(ctx)
    if problem is not None or service is None:
        return problem
    try:
        await ctx.reads.check_bookable(
            service, day, None, now=ctx.now, max_days_ahead=ctx.deps.max_days_ahead, minutes=None
        )
    except SlotUnavailable as error:
        return explain(error, ctx.t)
    return None


async def time_prompt(ctx: Ctx) -> Reply:
    service = await service_of(ctx)
    day = date.fromisoformat(ctx.state.data["day"])
    minutes = ctx.state.data.get("minutes")
    times = (
        await ctx.reads.free_times(service, day, now=ctx.now, minutes=minutes) if service else []
    )
    buttons = [ctx.button(f"{t:%H:%M}", f"tm:{t:%H%M}") for t in times[:16]]
    question = ctx.t("At what time does it start? Choose or type a time like 20:30.")
    if service is not None and chooses_length(service) and "minutes" not in ctx.state.data:
        question += "\n" + ctx.t("You can also type the start and the end, like 16h-20h.")
    return ctx.reply(question, [*_grid(buttons, 4), ctx.nav_row()])


async def time_answer(ctx: Ctx, answer: Answer) -> Outcome:
    service = await service_of(ctx)
    span = read_span(answer.text) if answer.text else None
    start = span[0] if span else _parse_time(answer)
    if start is None:
        return Invalid(ctx.t("Please choose a start time, or type one like 20:30."))
    # A span says how long too, where the client chooses it; else its start is the answer.
    length = minutes_between(*span) if span and service and chooses_length(service) else None
    minutes = length or ctx.state.data.get("minutes")
    problem = await slot_problem(ctx, start, minutes)
    if problem:
        return Invalid(problem)
    ctx.state.data["start"] = start.strftime("%H:%M")
    if length:
        ctx.state.data["minutes"] = length
    return await advance(ctx)


async def slot_problem(ctx: Ctx, start: time, minutes: int | None) -> str | None:
    """Why the service can't start at ``start`` (for ``minutes``) on the chosen day."""
    service = await service_of(ctx)
    if service is None:
        return None
    try:
        await ctx.reads.check_bookable(
            service,
            date.fromisoformat(ctx.state.data["day"]),
            start,
            now=ctx.now,
            max_days_ahead=ctx.deps.max_days_ahead,
            minutes=minutes,
        )
    except SlotUnavailable as error:
        return explain(error, ctx.t)
    return None


def _parse_time(answer: Answer) -> time | None:
    if answer.code and answer.code.startswith("tm:") and len(answer.code) == 7:
        raw = answer.code[3:]
        if raw.isdigit() and int(raw[:2]) < 24 and int(raw[2:]) < 60:
            return time(int(raw[:2]), int(raw[2:]))
        return None
    # "20:30", "16h30", "4pm", "الساعة 4 عشية", "m3a l3echia" (dialogs/nlu/times.py)
    return read_time(answer.text) if answer.text else None


async def guests_prompt(ctx: Ctx) -> Reply:
    service = await service_of(ctx)
    t = ctx.t
    rows = _grid([ctx.button(t.number(g), f"gst:{g}") for g in GUEST_PRESETS], 3)
    if service is not None and service.pricing_model != PricingModel.PER_GUEST.value:
        rows.append((ctx.button(t("Skip"), "skip"),))
    return ctx.reply(
        t("How many guests do you expect? Choose or type a number."), [*rows, ctx.nav_row()]
    )


async def guests_answer(ctx: Ctx, answer: Answer) -> Outcome:
    service = await service_of(ctx)
    if answer.code == "skip" and service and service.pricing_model != PricingModel.PER_GUEST:
        ctx.state.data["guests"] = None
        return await advance(ctx)
    count, problem = guest_count(ctx, answer)
    if count is None and answer.text and (aside := await aside_of(ctx, answer.text, "guests")):
        return aside
    if count is not None:
        problem = guests_problem(ctx, count, service)
    if problem is not None:
        return Invalid(problem)
    ctx.state.data["guests"] = count
    return await advance(ctx)


NAME_EXAMPLE = N_("Samira Alaoui")


def looks_like_a_name(name: str) -> bool:
    """Two letters at least, of any script, and no digits: the provider calls the client
    by it and it goes on the invoice."""
    return sum(c.isalpha() for c in name) >= 2 and not any(c.isdigit() for c in name)


async def name_prompt(ctx: Ctx) -> Reply:
    return ctx.reply(ctx.t("Your full name, for the provider and the invoice?"), [ctx.nav_row()])


async def name_answer(ctx: Ctx, answer: Answer) -> Outcome:
    name = " ".join((answer.text or "").split())[:200]
    if not name:
        return Invalid(ctx.t("Please type your full name."))
    if not looks_like_a_name(name):  # "A", or the phone typed one question early
        return Invalid(
            ctx.t(
                "That does not look like a name. Please type your full name, for example: "
                "{example}.",
                example=ctx.t(NAME_EXAMPLE),
            )
        )
    ctx.state.data["name"] = name
    _keep(ctx, "name", name)  # remembered for the next booking's form (issue 14)
    return await advance(ctx)


async def phone_prompt(ctx: Ctx) -> Reply:
    return ctx.reply(
        ctx.t("Which phone number can the provider call? Share your contact or type it."),
        [ctx.nav_row()],
        request_contact=True,
    )


async def phone_answer(ctx: Ctx, answer: Answer) -> Outcome:
    """The booking's contact number. Only a shared contact, which the channel proves to be
    the sender's own, becomes the account's phone; a typed one is a contact (issue 12)."""
    if answer.contact_phone:
        phone = normalize_phone(answer.contact_phone)
        _keep(ctx, "proven_phone", phone, instead_of="phone")
    elif answer.text:
        phone = normalize_phone(answer.text)
        _keep(ctx, "phone", phone, instead_of="proven_phone")
    else:
        return Invalid(ctx.t("Please share your contact or type your phone number."))
    ctx.state.data["phone"] = phone
    return await advance(ctx)


async def email_prompt(ctx: Ctx) -> Reply:
    return ctx.reply(
        ctx.t("Your email address for the invoice? (optional)"),
        [(ctx.button(ctx.t("Skip"), "skip"),), ctx.nav_row()],
    )


async def email_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "skip":
        ctx.state.data["email"] = None
        return await advance(ctx)
    if not answer.text:
        return Invalid(ctx.t("Please type your email address, or tap Skip."))
    email = normalize_email(answer.text)  # refused with the reason, translated, by the engine
    ctx.state.data["email"] = email
    # For the invoice of later bookings too; an email joins no accounts (unlike a proven phone).
    _keep(ctx, "email", email)
    return await advance(ctx)


def _keep(ctx: Ctx, field: str, value: str, *, instead_of: str | None = None) -> None:
    kept = ctx.state.data.setdefault(KEPT, {})
    kept[field] = value
    if instead_of:
        kept.pop(instead_of, None)


def kept_contact(ctx: Ctx) -> KeptContact:
    """What the sent form leaves on the account for the next booking (written with the
    request: core/people/users.py, keep_contact)."""
    kept = ctx.state.data.get(KEPT, {})
    return KeptContact(
        name=kept.get("name"),
        email=kept.get("email"),
        typed_phone=kept.get("phone"),
        proven_phone=kept.get("proven_phone"),
    )
