"""Becoming a provider in the provider bot: business name, categories, cities, languages,
phone, a short description in one or more languages; then the account exists, pending
our team's check, and photos can be added (dialogs/provider/profile_editor.py).

Each answer is checked as it comes, by the rules core applies again when the account is
made (core/catalog/provider_registration.py), and explained in the provider's language.
"""

from __future__ import annotations

from pathlib import Path

from core.catalog.provider_registration import (
    BIO_LENGTH,
    Registration,
    clean_bio,
    clean_choice,
    clean_name,
    register_provider,
)
from core.catalog.vocabulary import LANGUAGES
from core.people.provider_accounts import connect_provider
from core.people.users import join_by_phone
from dialogs.framework.context import Ctx
from dialogs.framework.flow import (
    WRITES,
    Answer,
    Flow,
    Go,
    Handler,
    Invalid,
    Outcome,
    Prompt,
    Step,
)
from dialogs.framework.replies import Reply
from dialogs.labels import LANGUAGE_NAMES
from dialogs.provider.choices import CONTINUE, labels_of, question, toggle_rows, toggled

DIAGRAM = Path(__file__).with_name("onboarding.mmd")
# The channel proves the sender's number itself: WhatsApp's sender is the phone.
PHONE_PROVEN_BY_CHANNEL = frozenset({"whatsapp"})
NEXT_STEP = {"category": "cities", "city": "languages"}


async def name_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    text = t("Let's create your provider account. First, what is the name of your business?")
    return ctx.reply(text, [ctx.nav_row(back=False)])


async def name_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.is_text:
        return Invalid(ctx.t("Please type the name of your business."))
    ctx.state.data["name"] = clean_name(answer.text or "")
    return Go("categories")


def _choice_prompt(kind: str) -> Prompt:
    async def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        chosen = list(ctx.state.data.get(kind, []))
        text = question(ctx, kind)
        if chosen:
            text += "\n" + t("Chosen: {list}", list=labels_of(kind, chosen, t))
        return ctx.reply(text, [*toggle_rows(ctx, kind, chosen), ctx.nav_row()])

    return prompt


def _choice_answer(kind: str, here: str) -> Handler:
    async def answer_(ctx: Ctx, answer: Answer) -> Outcome:
        chosen = list(ctx.state.data.get(kind, []))
        if answer.code == CONTINUE:
            ctx.state.data[kind] = list(clean_choice(kind, chosen))
            return await _after_choice(ctx, kind)
        changed = toggled(ctx, chosen, answer, kind)
        if changed is None:
            return Invalid(ctx.t("Please choose from the list, then Continue."))
        ctx.state.data[kind] = changed
        return Go(here)

    return answer_


async def _after_choice(ctx: Ctx, kind: str) -> Outcome:
    if kind in NEXT_STEP:
        return Go(NEXT_STEP[kind])
    if ctx.user.phone_e164 is not None or ctx.channel in PHONE_PROVEN_BY_CHANNEL:
        return Go("bio")  # the number is proven already: nothing to ask
    return Go("phone")


async def phone_prompt(ctx: Ctx) -> Reply:
    text = ctx.t(
        "Share your phone number with the button below: clients and our team will call you "
        "on it. Sharing it this way proves it is yours."
    )
    return ctx.reply(text, [ctx.nav_row()], request_contact=True)


async def phone_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.contact_phone:
        return Invalid(ctx.t("Please use the button to share your phone number."))
    # The channel proved the number is the sender's: one person, one account (and, if
    # that account runs a provider already, its waiting news is released, as on connecting).
    ctx.user, provider = await connect_provider(
        ctx.uow,
        ctx.user,
        channel=ctx.channel,
        external_id=ctx.external_id,
        raw_phone=answer.contact_phone,
        now=ctx.now,
    )
    if provider is not None:
        connected = ctx.reply(
            ctx.t("This number belongs to a provider account: you are connected.")
        )
        return Go("home", "phome", reset=True, before=(connected,))
    return Go("bio")


async def bio_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    bio: dict[str, str] = ctx.state.data.get("bio", {})
    language = _bio_language(ctx)
    lines = [
        t(
            "Describe your business for clients in a few sentences ({min} to {max} "
            "characters). You are writing in: {language}.",
            min=BIO_LENGTH[0],
            max=BIO_LENGTH[1],
            language=LANGUAGE_NAMES[language],
        )
    ]
    if bio:
        written = t.join(LANGUAGE_NAMES[code] for code in bio)
        added = t("Written in: {list}. Add another language or choose Continue.", list=written)
        lines.append(added)
    others = [
        ctx.button(t("Write in {language}", language=LANGUAGE_NAMES[code]), f"bl:{code}")
        for code in LANGUAGES
        if code != language
    ]
    rows = [tuple(others)]
    if bio:
        rows.append((ctx.button(t("Continue") + " »", CONTINUE),))
    return ctx.reply("\n\n".join(lines), [*rows, ctx.nav_row()])


async def bio_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if code.startswith("bl:") and code[3:] in LANGUAGES:
        ctx.state.data["bio_lang"] = code[3:]
        return Go("bio")
    if code == CONTINUE and ctx.state.data.get("bio"):
        return await _register(ctx)
    if not answer.is_text:
        return Invalid(ctx.t("Please type a short description of your business."))
    bio = dict(ctx.state.data.get("bio", {}))
    bio[_bio_language(ctx)] = clean_bio(answer.text or "")
    ctx.state.data["bio"] = bio
    return Go("bio")


def _bio_language(ctx: Ctx) -> str:
    chosen = ctx.state.data.get("bio_lang")
    return chosen if chosen in LANGUAGES else ctx.user.locale


async def _register(ctx: Ctx) -> Outcome:
    data = ctx.state.data
    if ctx.user.phone_e164 is None and ctx.channel in PHONE_PROVEN_BY_CHANNEL:
        # Known before WhatsApp proved numbers at first contact: the sender's number it is.
        ctx.user = await join_by_phone(
            ctx.uow,
            ctx.user,
            channel=ctx.channel,
            external_id=ctx.external_id,
            raw_phone=ctx.external_id,
        )
    answers = Registration(
        name=str(data.get("name", "")),
        categories=tuple(data.get("category", [])),
        cities=tuple(data.get("city", [])),
        languages=tuple(data.get("language", [])),
        bio=dict(data.get("bio", {})),
    )
    await register_provider(ctx.uow, ctx.user, answers, now=ctx.now)
    done = ctx.reply(
        ctx.t(
            "Thank you! Your provider account is created. Our team will check it and tell you "
            "here when it is verified; until then clients cannot find you."
        )
    )
    return Go("photos", "pprofile", reset=True, before=(done,))


FLOW = Flow(
    "onboard",
    "name",
    {
        "name": Step(name_prompt, name_answer, WRITES, content=True),
        "categories": Step(
            _choice_prompt("category"), _choice_answer("category", "categories"), WRITES
        ),
        "cities": Step(_choice_prompt("city"), _choice_answer("city", "cities"), WRITES),
        "languages": Step(
            _choice_prompt("language"), _choice_answer("language", "languages"), WRITES
        ),
        "phone": Step(phone_prompt, phone_answer, WRITES),
        "bio": Step(bio_prompt, bio_answer, WRITES, content=True),
    },
    on_cancel=("phome", "home"),
    diagram=DIAGRAM,
)
