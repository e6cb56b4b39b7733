"""One step per question of the services editor. A new service asks them in order; an
existing one is changed one field at a time from its summary, the new value saved at once.
Every answer is checked with core's rules and a refusal says why, in the provider's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.booking.policy import PolicyPreset
from core.booking.quote import PricingModel
from core.catalog import service_rules as rules
from core.catalog.service_editor import save_service
from core.catalog.vocabulary import CATEGORIES, LANGUAGES
from dialogs import labels
from dialogs.framework.context import Ctx
from dialogs.framework.errors import FALLBACK
from dialogs.framework.flow import WRITES, Answer, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_
from dialogs.nlu.builtin import shared_lexicon
from dialogs.nlu.normalize import normalize
from dialogs.provider import typed_numbers as typed
from dialogs.provider.owner import own_provider
from dialogs.provider.service_draft import FIELDS, Draft, pricing_of, spec_from
from dialogs.provider.service_text import (
    PRESET_LABELS,
    PRICING_LABELS,
    duration_text,
    guests_text,
    policy_text,
    price_text,
    problem_text,
    texts_text,
)


@dataclass(frozen=True, slots=True)
class Given:
    """A readable answer's value (None is one: a full day, no guest limit)."""

    value: Any


Parsed = Given | rules.Problem | None  # None: the answer can't be read


@dataclass(frozen=True, slots=True)
class Question:
    """A question answered by a button or by typing."""

    ask: str  # msgid
    unreadable: str  # msgid: what to say to a typed answer that can't be read
    choices: Callable[[Ctx], list[tuple[str, str]]]  # (label, value code) pairs
    from_code: Callable[[Ctx, str], Parsed]
    from_text: Callable[[Ctx, str], Parsed]
    shown: Callable[[Ctx, Any], str]  # the current value, as the summary shows it
    details: Callable[[Ctx], str] | None = None  # said under the question


OWN_CATEGORIES = "own_categories"  # the provider's, in the state of a new service


def draft(ctx: Ctx) -> Draft:
    found: Draft = ctx.state.data.setdefault("draft", {})
    return found


def editing(ctx: Ctx) -> bool:
    return bool(ctx.state.data.get("sid"))


async def store(ctx: Ctx, field: str, value: Any) -> Outcome:
    """Take a checked answer: saved at once for an existing service, else ask on."""
    trial = {**draft(ctx), field: value}
    spec = spec_from(trial)
    # An existing service is checked for what changes (core's rule for saving it too).
    since = spec_from(draft(ctx)) if editing(ctx) else None
    problem = rules.spec_problem(spec, since=since) if spec is not None else None
    if problem is not None:
        return Invalid(problem_text(problem, ctx.t))
    ctx.state.data["draft"] = trial
    if not editing(ctx):
        # A new service: the next question in order, or its summary once all are answered.
        return Go("svc" if spec is not None else FIELDS[FIELDS.index(field) + 1])
    if spec is None:  # an existing service's draft is whole: only a forged state gets here
        return Invalid(ctx.t(QUESTIONS[field].unreadable if field in QUESTIONS else FALLBACK))
    owner = await own_provider(ctx)
    await save_service(ctx.uow, owner.id, spec, service_id=int(ctx.state.data["sid"]))
    return Go("svc", before=(ctx.reply(ctx.t("Saved.")),))


def checked(value: Any, problem: rules.Problem | None) -> Parsed:
    return problem if problem is not None else Given(value)


def question_step(field: str, q: Question) -> Step:
    async def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        text = t(q.ask)
        if q.details is not None:
            text += "\n\n" + q.details(ctx)
        if field in draft(ctx):
            text += "\n" + t("Now: {value}", value=q.shown(ctx, draft(ctx)[field]))
        rows: list[tuple[Button, ...]] = [
            (ctx.button(label, f"v:{code}"),) for label, code in q.choices(ctx)
        ]
        if field in draft(ctx):  # asked again after Back: the answer given can stand
            rows.append((ctx.button("➡ " + t("Keep it"), "keep"),))
        return ctx.reply(text, [*rows, ctx.nav_row()])

    async def answer(ctx: Ctx, given: Answer) -> Outcome:
        code = given.code or ""
        if code == "keep" and field in draft(ctx):
            return await store(ctx, field, draft(ctx)[field])
        if code.startswith("v:"):
            parsed = q.from_code(ctx, code[2:])
        elif given.text:
            parsed = q.from_text(ctx, given.text)
        else:
            parsed = None
        if parsed is None:
            return Invalid(ctx.t(q.unreadable))
        if isinstance(parsed, rules.Problem):
            return Invalid(problem_text(parsed, ctx.t))
        return await store(ctx, field, parsed.value)

    return Step(prompt, answer, WRITES)


# ---- texts per language (title, description) ------------------------------------------


def texts_step(field: str, ask: str, *, description: bool) -> Step:
    """Typed in one language at a time; buttons pick the language of the next message."""

    def language(ctx: Ctx) -> str:
        return str(ctx.state.data.get("lang") or ctx.user.locale)

    def written(ctx: Ctx) -> dict[str, str]:
        return dict(ctx.state.data.get(f"{field}_new") or draft(ctx).get(field) or {})

    async def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        lang = language(ctx)
        texts = written(ctx)
        lines = [t(ask), t("Send it in {language}.", language=labels.LANGUAGE_NAMES[lang])]
        if texts:
            lines += [t("Written so far:"), texts_text(texts)]
        others = [
            (ctx.button(t("Write in {language}", language=labels.LANGUAGE_NAMES[c]), f"lg:{c}"),)
            for c in LANGUAGES
            if c != lang
        ]
        done = [(ctx.button("✅ " + t("Done"), "done"),)] if texts else []
        return ctx.reply("\n".join(lines), [*others, *done, ctx.nav_row()])

    async def answer(ctx: Ctx, given: Answer) -> Outcome:
        code = given.code or ""
        if code.startswith("lg:") and code[3:] in LANGUAGES:
            ctx.state.data["lang"] = code[3:]
            return Go(field)
        texts = written(ctx)
        if code == "done":
            ctx.state.data.pop(f"{field}_new", None)
            ctx.state.data.pop("lang", None)
            problem = rules.text_problem(texts, description=description)
            if problem is not None:
                return Invalid(problem_text(problem, ctx.t))
            return await store(ctx, field, texts)
        if not given.text or not given.text.strip():
            return Invalid(ctx.t("Please type the text, or press Done."))
        texts[language(ctx)] = given.text.strip()
        problem = rules.text_problem(texts, description=description)
        if problem is not None:
            return Invalid(problem_text(problem, ctx.t))
        ctx.state.data[f"{field}_new"] = texts
        return Go(field)

    return Step(prompt, answer, WRITES, content=True)


# ---- the questions ------------------------------------------------------------------------


def _category(code: str) -> Parsed:
    return checked(code, rules.category_problem(code))


def _pricing(code: str) -> Parsed:
    return Given(code) if code in {p.value for p in PricingModel} else None


def _price(ctx: Ctx, text: str) -> Parsed:
    minor = typed.price_minor(text)
    if minor is None:
        return None
    return checked(minor, rules.price_problem(pricing_of(draft(ctx)), minor))


def _deposit(value: int | None) -> Parsed:
    return None if value is None else checked(value * 100, rules.deposit_problem(value * 100))


def _duration(ctx: Ctx, minutes: int | None) -> Parsed:
    return checked(minutes, rules.duration_problem(minutes, pricing_of(draft(ctx))))


def _duration_code(ctx: Ctx, code: str) -> Parsed:
    """A duration button: minutes, or "full" (a full day), checked against the pricing."""
    if code == "full":
        return _duration(ctx, None)
    minutes = _int(code)
    return None if minutes is None else _duration(ctx, minutes)


def _capacity(value: int | None) -> Parsed:
    return None if value is None else checked(value, rules.capacity_problem(value))


def _guests(found: tuple[int | None, int | None] | None) -> Parsed:
    if found is None:
        return None
    return checked(list(found), rules.guests_problem(*found))


def _hours(minutes: int | None) -> Parsed:
    if minutes is None:
        return None
    hours = -(-minutes // 60)  # "90 min" of notice is 2 hours: never less than asked
    return checked(hours, rules.notice_problem(hours))


def _buffer(minutes: int | None) -> Parsed:
    return None if minutes is None else checked(minutes, rules.buffer_problem(minutes))


def _own_first(ctx: Ctx) -> list[str]:
    """Every category, the provider's own first (those of its services, or the one of the
    service being changed)."""
    own = ctx.state.data.get(OWN_CATEGORIES) or [draft(ctx).get("category")]
    first = [c for c in own if c in CATEGORIES]
    return first + [c for c in CATEGORIES if c not in first]


def _typed_category(text: str) -> Parsed:
    """ "gâteaux", "negafa", "مصور": a category as clients search for it."""
    code = shared_lexicon().categories.first(normalize(text))
    return None if code is None else _category(code)


def _int(code: str) -> int | None:
    return int(code) if code.isdigit() else None


def _durations(ctx: Ctx) -> list[tuple[str, str]]:
    hourly = pricing_of(draft(ctx)) is PricingModel.PER_HOUR
    full = [] if hourly else [(ctx.t("Full day"), "full")]
    return full + [(duration_text(m, ctx.t), str(m)) for m in (60, 120, 180, 240, 360)]


QUESTIONS: dict[str, Question] = {
    "category": Question(
        N_("Which category is this service in?"),
        N_("Please choose a category from the list."),
        lambda ctx: [(labels.category(c, ctx.t), c) for c in _own_first(ctx)],
        lambda ctx, code: _category(code),
        lambda ctx, text: _typed_category(text),
        lambda ctx, v: labels.category(v, ctx.t),
    ),
    "pricing": Question(
        N_("How is it priced?"),
        N_("Please choose an option."),
        lambda ctx: [(ctx.t(label), code) for code, label in PRICING_LABELS.items()],
        lambda ctx, code: _pricing(code),
        lambda ctx, text: None,
        lambda ctx, v: ctx.t(PRICING_LABELS[v]),
    ),
    "price": Question(
        N_("What is the price, in dirhams (MAD)? For example: 2500"),
        N_("Please type the price as a number of dirhams, for example 2500 or 2 500,50."),
        lambda ctx: [],
        lambda ctx, code: None,
        _price,
        lambda ctx, v: price_text(pricing_of(draft(ctx)), v, ctx.t),
    ),
    "deposit": Question(
        N_("What share of the price do clients pay as a deposit to book? Type a percentage."),
        N_("Please type a percentage, for example 30."),
        lambda ctx: [(f"{p} %", str(p)) for p in (20, 30, 50)],
        lambda ctx, code: _deposit(_int(code)),
        lambda ctx, text: _deposit(typed.percent(text)),
        lambda ctx, v: f"{v // 100} %",
    ),
    "duration": Question(
        N_("How long does it last? Choose, or type it (for example 2h30 or 90 min)."),
        N_("Please type a duration, for example 3h, 2h30 or 90 min."),
        _durations,
        _duration_code,
        lambda ctx, text: _duration(ctx, typed.minutes(text, unit_minutes=60)),
        lambda ctx, v: duration_text(v, ctx.t),
    ),
    "capacity": Question(
        N_("How many events can you serve on the same day?"),
        N_("Please type a number, for example 2."),
        lambda ctx: [(ctx.t.number(n), str(n)) for n in (1, 2, 3)],
        lambda ctx, code: _capacity(_int(code)),
        lambda ctx, text: _capacity(typed.count(text)),
        lambda ctx, v: ctx.t.number(v),
    ),
    "guests": Question(
        N_("How many guests can it serve? Type a range such as 50-300, or only the most."),
        N_("Please type one or two numbers, for example 50-300."),
        lambda ctx: [(ctx.t("No limit"), "none")],
        lambda ctx, code: Given([None, None]) if code == "none" else None,
        lambda ctx, text: _guests(typed.guest_range(text)),
        lambda ctx, v: guests_text(v[0], v[1], ctx.t),
    ),
    "notice": Question(
        N_("How much notice do you need before an event? Type hours or days (e.g. 3 days)."),
        N_("Please type a number of hours or days, for example 48 or 3 days."),
        lambda ctx: [(labels.notice_text(h, ctx.t), str(h)) for h in (24, 48, 72, 168)],
        lambda ctx, code: _hours(None if _int(code) is None else int(code) * 60),
        lambda ctx, text: _hours(typed.minutes(text, unit_minutes=60)),
        lambda ctx, v: labels.notice_text(v, ctx.t),
    ),
    "buffer": Question(
        N_("How long a break do you need between two events? Type minutes (e.g. 30)."),
        N_("Please type a number of minutes, for example 30, or 1h."),
        lambda ctx: (
            [(ctx.t("No break"), "0")] + [(duration_text(m, ctx.t), str(m)) for m in (30, 60, 120)]
        ),
        lambda ctx, code: _buffer(_int(code)),
        lambda ctx, text: _buffer(typed.minutes(text, unit_minutes=1)),
        lambda ctx, v: duration_text(v, ctx.t) if v else ctx.t("none"),
    ),
    "policy": Question(
        N_("Which cancellation policy? It says what clients get back if they cancel."),
        N_("Please choose one of the policies."),
        lambda ctx: [(ctx.t(PRESET_LABELS[p]), p.value) for p in PolicyPreset],
        lambda ctx, code: Given(code) if code in {p.value for p in PolicyPreset} else None,
        lambda ctx, text: None,
        lambda ctx, v: ctx.t(PRESET_LABELS[v]),
        lambda ctx: "\n".join("• " + policy_text(p, ctx.t) for p in PolicyPreset),
    ),
}


def field_steps() -> dict[str, Step]:
    steps = {name: question_step(name, q) for name, q in QUESTIONS.items()}
    steps["title"] = texts_step("title", N_("What is the service called?"), description=False)
    steps["description"] = texts_step(
        "description", N_("Describe the service in a few sentences."), description=True
    )
    return steps
