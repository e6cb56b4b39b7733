"""The provider's availability: weekly opening hours, closed days and vacations, summed
up as a person would write it (dialogs/provider/availability.mmd)."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, time
from pathlib import Path

from core.catalog.availability_editor import (
    close_days,
    closed_days,
    hours_problem,
    opening_windows,
    reopen_days,
    run_problem,
    set_hours,
)
from core.catalog.service_rules import Problem
from core.people.provider_accounts import provider_of_user
from core.rows import Provider
from dialogs.client.event_date import date_problem
from dialogs.framework.context import Ctx
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_
from dialogs.nlu.dates import WEEKDAYS, WEEKEND
from dialogs.nlu.normalize import TermMatcher, normalize, words
from dialogs.nlu.times import read_span
from dialogs.provider.availability_text import (
    availability_summary,
    closed_runs,
    day_name,
    day_span,
    run_text,
)
from dialogs.provider.owner import own_provider
from dialogs.provider.typed_period import RANGE_WORDS, day_before, period_parts

DIAGRAM = Path(__file__).with_name("availability.mmd")
# Sets of weekdays offered in one press (0 = Monday), besides each day alone.
DAY_SETS = {
    "0-4": (0, 1, 2, 3, 4),
    "5-6": (5, 6),
    "0-5": (0, 1, 2, 3, 4, 5),
    "0-6": tuple(range(7)),
}
# On normalized text: "إلى" and "الى" are "الي" there.
SPAN = re.compile(
    r"(\d{1,2})(?:[:h.](\d{2}))?\s*h?\s*(?:-|–|—|a|to|الي)\s*(\d{1,2})(?:[:h.](\d{2}))?\s*h?"
)
# What may stand between and before ranges: "10-14, 16-22", "10-14 et 16-22",
# "10-14 و 16-22", "de 10h à 14h et de 16h à 22h", "من 16 إلى 23".
SEPARATORS = re.compile(r"(?:[\s,;/&+]|\bet\b|\band\b|و|\bde\b|\bfrom\b|\bmn\b|من)+")
SHOWN_REOPEN = 8  # closed periods offered as buttons to open again
# "Every day", as a provider types it on the week's screen ("كل يوم من 9 حتى 20").
EVERY_DAY = TermMatcher(
    {
        "0-6": words(
            "every day, everyday, all week, daily, tous les jours, toute la semaine, 7j/7,"
            "7 jours sur 7, 7/7, كل يوم, كل الأيام, طول الأسبوع, طوال الأسبوع, كل نهار,"
            "kol nhar, kol yom, koll nhar, ga3 l iyam"
        )
    },
    inflect=False,
)
PROBLEMS = {
    "hours_too_many": N_("Please give at most {max} time ranges for a day."),
    "hours_empty_span": N_("A time range must not start and end at the same time."),
    "hours_overlap": N_(
        "These time ranges overlap. Please give them in order, e.g. 10:00-14:00, 16:00-22:00."
    ),
    "closed_run_backwards": N_(
        "The last day comes before the first one. Please type the last day again."
    ),
    "closed_run_too_long": N_("A vacation can last at most {max} days."),
}


def problem_text(problem: Problem, ctx: Ctx) -> str:
    return ctx.t(PROBLEMS[problem.key], **problem.params)


async def summary(ctx: Ctx, owner: Provider) -> str:
    windows = await opening_windows(ctx.uow, owner.id)
    closed = await closed_days(ctx.uow, owner.id, since=ctx.today)
    return availability_summary(windows, closed, ctx.t, today=ctx.today)


def one_stop(sentence: str) -> str:
    """ "fermé 28 sept. – 2 oct.." ends with one full stop: a month's short name may end
    with its own (CLDR's French "oct.")."""
    return DOUBLE_STOP.sub(".", sentence)


DOUBLE_STOP = re.compile(r"(?<=\w)\.\.(?!\.)")


async def week_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    owner = await own_provider(ctx)
    text = "\n\n".join(
        [
            one_stop(t("Your availability: {summary}.", summary=await summary(ctx, owner))),
            t("Choose days to set their hours, or close dates."),
        ]
    )
    days = [ctx.button(day_name(d, t), f"d:{d}") for d in range(7)]
    sets = [ctx.button(day_span(list(v), t), f"d:{k}") for k, v in DAY_SETS.items()]
    rows: list[tuple[Button, ...]] = [
        tuple(days[:4]),
        tuple(days[4:]),
        tuple(sets[:2]),
        tuple(sets[2:]),
    ]
    rows.append(
        (ctx.button("🚫 " + t("Close a day"), "close"), ctx.button("🏖 " + t("Vacation"), "vac"))
    )
    if await closed_days(ctx.uow, owner.id, since=ctx.today):
        rows.append((ctx.button("🔓 " + t("Open closed days again"), "reopen"),))
    rows.append((ctx.button("« " + t("Menu"), "home"),))
    return ctx.reply(text, rows)


# Between two days typed, what makes them a range ("lundi au vendredi", "من الاثنين إلى
# الجمعة"), on normalized text ("إلى" is "الي" there); "et", "and", "و" list them.
DAY_RANGE = re.compile(rf"{RANGE_WORDS}|-")
# A day typed rather than its button ("samedi" for "sam.", "السبت"), or the weekend.
TYPED_DAYS = TermMatcher(
    {
        **{d: [w for w in names if w not in WEEKEND] for d, names in WEEKDAYS.items()},
        "5-6": WEEKEND,
    },
    inflect=False,
    strip_article=False,
)


def typed_days(text: str) -> tuple[int, ...] | None:
    """The weekdays typed ("samedi et dimanche", "le weekend", "every day"), or None."""
    normal = normalize(text)
    if EVERY_DAY.found(normal):
        return DAY_SETS["0-6"]
    found = list(TYPED_DAYS.pattern.finditer(normal))
    codes = TYPED_DAYS.every(normal)
    if len(found) == 2 and all(c.isdigit() for c in codes) and len(codes) == 2:
        between = normal[found[0].end() : found[1].start()]
        if DAY_RANGE.fullmatch(between.strip()):  # "du lundi au vendredi", wrapping too
            first, last = int(codes[0]), int(codes[1])
            return tuple(sorted((first + n) % 7 for n in range((last - first) % 7 + 1)))
    days = sorted({d for code in codes for d in weekdays_of(code) or ()})
    return tuple(days) or None


def weekdays_of(code: str) -> tuple[int, ...] | None:
    if code in DAY_SETS:
        return DAY_SETS[code]
    return (int(code),) if code.isdigit() and int(code) < 7 else None


async def week_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    moves = {"close": "closeday", "vac": "vacfrom", "reopen": "reopen"}
    if code in moves:
        return Go(moves[code])
    if code == "home":
        return Go("home", "phome", reset=True)
    days = weekdays_of(code[2:]) if code.startswith("d:") else None
    if days is None and answer.text:
        days = typed_days(answer.text)
        if days is not None and typed_spans(answer.text) is not None:
            # "كل يوم من 9 حتى 20", "samedi 10h-18h": the hours too
            ctx.state.data["days"] = list(days)
            return await hours_answer(ctx, answer)
    if days is None:
        return Invalid(ctx.t("Please choose an option."))
    ctx.state.data["days"] = list(days)
    return Go("hours")


async def hours_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    days = list(ctx.state.data.get("days", []))
    text = t(
        "Opening hours for {days}? Type them like 10:00-22:00, or two ranges like"
        " 10:00-14:00, 16:00-23:00. A range ending after midnight: 20:00-02:00.",
        days=day_span(days, t)
        if days == list(range(days[0], days[-1] + 1))
        else t.join(day_name(d, t) for d in days),
    )
    return ctx.reply(text, [(ctx.button("🚫 " + t("Closed"), "closed"),), ctx.nav_row()])


def parse_spans(text: str) -> list[tuple[time, time]] | None:
    """ "10:00-14:00, 16h-23h" -> [(10:00, 14:00), (16:00, 23:00)]; None if unreadable."""
    cleaned = normalize(text)
    spans = []
    for match in SPAN.finditer(cleaned):
        h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            return None
        spans.append((time(h1 % 24, m1), time(h2 % 24, m2)))
    leftover = SEPARATORS.sub("", SPAN.sub("", cleaned))
    return spans if spans and not leftover else None


def typed_spans(text: str) -> list[tuple[time, time]] | None:
    """Ranges as written ("10:00-14:00, 16h-23h"), or one said as people say the time
    ("من 9 ديال الصباح حتى 8 ديال الليل", "de 9h du matin à 8h du soir"); None if neither."""
    written = parse_spans(EVERY_DAY.pattern.sub(" ", normalize(text)))
    if written is not None:
        return written
    said = read_span(text)
    return [said] if said is not None else None


async def hours_answer(ctx: Ctx, answer: Answer) -> Outcome:
    days = [int(d) for d in ctx.state.data.get("days", [])]
    if answer.code == "closed":
        spans: list[tuple[time, time]] = []
    else:
        parsed = typed_spans(answer.text or "")
        if parsed is None:
            return Invalid(ctx.t("Please type the hours like 10:00-22:00."))
        spans = parsed
        problem = hours_problem(spans)
        if problem is not None:
            return Invalid(problem_text(problem, ctx))
    await set_hours(ctx.uow, (await own_provider(ctx)).id, days, spans)
    return Go("week", before=(ctx.reply(ctx.t("Saved.")),))


async def typed_day(ctx: Ctx, answer: Answer) -> date | str:
    """The date typed (ar/fr/en, via the NLU's date parser), or why it can't be used."""
    if not answer.text:
        return ctx.t("Please type a date, for example 14 June or 14/06.")
    parsed = await ctx.deps.nlu.parse(answer.text, today=ctx.today, locale=ctx.user.locale)
    if parsed.date is None:
        return ctx.t("I could not read that date. Try for example: 14 June, or 14/06/2027.")
    return date_problem(ctx, parsed.date) or parsed.date


async def ask_day(ctx: Ctx) -> Reply:
    return ctx.reply(
        ctx.t("Which day do you close? Type it, for example: 14 June or 14/06."), [ctx.nav_row()]
    )


async def closeday_answer(ctx: Ctx, answer: Answer) -> Outcome:
    day = await typed_day(ctx, answer)
    if isinstance(day, str):
        return Invalid(day)
    await close_days(ctx.uow, (await own_provider(ctx)).id, day, day)
    said = ctx.t("Closed on {day}. Clients can't book that day.", day=ctx.t.date(day))
    return Go("week", before=(ctx.reply(said),))


async def ask_first_day(ctx: Ctx) -> Reply:
    return ctx.reply(
        ctx.t("Vacation: what is the first day you are away? For example: 1 February."),
        [ctx.nav_row()],
    )


async def vacfrom_answer(ctx: Ctx, answer: Answer) -> Outcome:
    period = await _typed_period(ctx, answer.text or "")
    if period is not None and period[1] < period[0]:  # asked the first day: say it so
        return Invalid(ctx.t("The last day comes before the first one. Please type them again."))
    if period is not None:  # "du 1er au 10 août": the whole vacation at once
        return await _close_period(ctx, *period)
    day = await typed_day(ctx, answer)
    if isinstance(day, str):
        return Invalid(day)
    ctx.state.data["from"] = day.isoformat()
    return Go("vacto")


async def _typed_period(ctx: Ctx, text: str) -> tuple[date, date] | None:
    parts = period_parts(text)
    if parts is None:
        return None
    last = (await ctx.deps.nlu.parse(parts[1], today=ctx.today, locale=ctx.user.locale)).date
    if last is None:
        return None
    first = day_before(parts[0], last)
    if first is None:
        first = (await ctx.deps.nlu.parse(parts[0], today=ctx.today, locale=ctx.user.locale)).date
    return None if first is None else (first, last)


async def ask_last_day(ctx: Ctx) -> Reply:
    first = date.fromisoformat(ctx.state.data["from"])
    text = ctx.t("And the last day you are away (from {first})?", first=ctx.t.date(first))
    return ctx.reply(text, [ctx.nav_row()])


async def vacto_answer(ctx: Ctx, answer: Answer) -> Outcome:
    last = await typed_day(ctx, answer)
    if isinstance(last, str):
        return Invalid(last)
    return await _close_period(ctx, date.fromisoformat(ctx.state.data["from"]), last)


async def _close_period(ctx: Ctx, first: date, last: date) -> Outcome:
    for day in (first, last):
        if (past := date_problem(ctx, day)) is not None:
            return Invalid(past)
    problem = run_problem(first, last)
    if problem is not None:
        return Invalid(problem_text(problem, ctx))
    await close_days(ctx.uow, (await own_provider(ctx)).id, first, last)
    period = run_text(first, last, ctx.t, this_year=ctx.today.year)
    said = one_stop(ctx.t("Closed {period}. Clients can't book those days.", period=period))
    return Go("week", before=(ctx.reply(said),))


async def reopen_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    runs = closed_runs(await closed_days(ctx.uow, (await own_provider(ctx)).id, since=ctx.today))
    rows = [
        (ctx.button(run_text(a, b, t, this_year=ctx.today.year), f"r:{a:%Y%m%d}{b:%Y%m%d}"),)
        for a, b in runs[:SHOWN_REOPEN]
    ]
    return ctx.reply(t("Which closed days do you open again?"), [*rows, ctx.nav_row()])


def day_of(digits: str) -> date | None:
    """ "20270201" -> 1 Feb 2027; None for what names no real day (a forged payload)."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]):
        return None
    return date(year, month, day)


def run_of(code: str) -> tuple[date, date] | None:
    digits = code.removeprefix("r:")
    if not code.startswith("r:") or len(digits) != 16 or not digits.isdigit():
        return None
    first, last = day_of(digits[:8]), day_of(digits[8:])
    return (first, last) if first and last else None


async def reopen_answer(ctx: Ctx, answer: Answer) -> Outcome:
    run = run_of(answer.code or "")
    if run is None or run_problem(*run) is not None:
        return Invalid(ctx.t("Please choose an option."))
    await reopen_days(ctx.uow, (await own_provider(ctx)).id, *run)
    return Go("week", before=(ctx.reply(ctx.t("Open again: clients can book those days.")),))


async def open_availability(ctx: Ctx, _: str) -> Outcome:
    """/availability and the home menu's button: only a connected provider gets there."""
    if await provider_of_user(ctx.uow, ctx.user.id) is None:
        return Go("home", "phome", reset=True)
    return Go("week", "pavail", reset=True)


AVAILABILITY_FLOW = Flow(
    "pavail",
    "week",
    {
        "week": Step(week_prompt, week_answer, WRITES),
        "hours": Step(hours_prompt, hours_answer, WRITES),
        "closeday": Step(ask_day, closeday_answer, WRITES),
        "vacfrom": Step(ask_first_day, vacfrom_answer, WRITES),
        "vacto": Step(ask_last_day, vacto_answer, WRITES),
        "reopen": Step(reopen_prompt, reopen_answer, WRITES),
    },
    on_cancel=("pavail", "week"),
    diagram=DIAGRAM,
)
