"""The provider's own profile: every field the onboarding asked can be changed here, the
photos added or taken off, and a preview shows the profile as clients see it (the client
bot's own rendering, dialogs/client/profile.py)."""

from __future__ import annotations

from pathlib import Path

from core.catalog.photo_store import thumbnail_url
from core.catalog.provider_editing import (
    OwnProfile,
    change_phone,
    own_preview,
    own_profile,
    rename,
    set_bio,
    set_choice,
)
from core.catalog.provider_photos import MAX_PHOTOS, add_photo, remove_photo
from core.catalog.vocabulary import LANGUAGES
from dialogs.client.profile import profile_text
from dialogs.framework.context import Ctx
from dialogs.framework.flow import (
    ATTACHMENT_UNAVAILABLE,
    WRITES,
    Answer,
    Flow,
    Go,
    Invalid,
    Outcome,
    Step,
)
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator
from dialogs.labels import LANGUAGE_NAMES
from dialogs.provider.choices import (
    CONTINUE,
    labels_of,
    photo_refusal,
    question,
    toggle_rows,
    toggled,
)

DIAGRAM = Path(__file__).with_name("profile_editor.mmd")
STATUS = {
    "pending": N_("waiting for our team's check: clients cannot find you yet"),
    "active": N_("verified: clients can find you"),
    "suspended": N_("suspended: clients cannot find you"),
}
CHOICE_KINDS = ("category", "city", "language")
SAVED = N_("Saved.")


def status_label(status: str, t: Translator) -> str:
    return t(STATUS.get(status, status))


async def _profile(ctx: Ctx) -> OwnProfile | None:
    return await own_profile(ctx.uow, ctx.user.id)


def _home_row(ctx: Ctx) -> tuple[Button, ...]:
    return (ctx.button("🏠 " + ctx.t("Home"), "home"),)


async def menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await _profile(ctx)
    if profile is None:
        return ctx.reply(t("You do not have a provider account yet."), [_home_row(ctx)])
    bio = t.join(LANGUAGE_NAMES[code] for code in profile.bio if code in LANGUAGE_NAMES)
    lines = [
        t("Your profile: {status}.", status=status_label(profile.status, t)),
        "",
        t("Name") + ": " + profile.name,
        t("Services") + ": " + labels_of("category", profile.categories, t),
        t("Cities") + ": " + labels_of("city", profile.cities, t),
        t("Languages") + ": " + labels_of("language", profile.languages, t),
        t("Phone") + ": " + (t.isolate(profile.phone) if profile.phone else "—"),
        t("Description") + ": " + (bio or "—"),
        t("Photos") + ": " + t.number(len(profile.photos)),
    ]
    rows = [
        (ctx.button("👁 " + t("Preview as a client"), "pv"),),
        (ctx.button(t("Name"), "name"), ctx.button(t("Description"), "bio")),
        (ctx.button(t("Services"), "k:category"), ctx.button(t("Cities"), "k:city")),
        (ctx.button(t("Languages"), "k:language"), ctx.button(t("Phone"), "phone")),
        (ctx.button("📷 " + t("Photos"), "photos"),),
        _home_row(ctx),
    ]
    return ctx.reply("\n".join(lines), rows)


async def menu_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if code == "home":
        return Go("home", "phome", reset=True)
    profile = await _profile(ctx)
    if profile is None:
        return Go("home", "phome", reset=True)
    simple = {"pv": "preview", "name": "name", "bio": "bio_lang", "phone": "phone"}
    if code in simple or code == "photos":
        return Go(simple.get(code, code))
    kind = code.removeprefix("k:")
    if code.startswith("k:") and kind in CHOICE_KINDS:
        current = {"category": profile.categories, "city": profile.cities}
        ctx.state.data["kind"] = kind
        ctx.state.data["chosen"] = list(current.get(kind, profile.languages))
        return Go("choice")
    return Invalid(ctx.t("Please choose what to change."))


async def preview_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await own_preview(ctx.uow, ctx.user.id, now=ctx.now)
    back: list[tuple[Button, ...]] = [(ctx.button("« " + t("Back to my profile"), "back"),)]
    if profile is None:
        return ctx.reply(t("You do not have a provider account yet."), back)
    text = t("This is how clients see your profile:") + "\n\n" + profile_text(profile, t)
    return ctx.reply(text, back, photos=profile.photos[:10])


async def back_to_menu(ctx: Ctx, answer: Answer) -> Outcome:
    return Go("menu")


async def name_prompt(ctx: Ctx) -> Reply:
    profile = await _profile(ctx)
    text = ctx.t(
        "Your business name is: {name}. Type the new name.", name=profile.name if profile else "—"
    )
    return ctx.reply(text, [ctx.nav_row()])


async def name_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.is_text:
        return Invalid(ctx.t("Please type the name of your business."))
    await rename(ctx.uow, ctx.user.id, answer.text or "")
    return Go("menu", before=(ctx.reply(ctx.t(SAVED)),))


async def bio_lang_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await _profile(ctx)
    written = profile.bio if profile else {}
    rows = [
        (ctx.button(("✓ " if code in written else "") + LANGUAGE_NAMES[code], f"bl:{code}"),)
        for code in LANGUAGES
    ]
    text = t("Your description can be in Arabic, French and English. Which one do you change?")
    return ctx.reply(text, [*rows, ctx.nav_row()])


async def bio_lang_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("bl:")
    if code not in LANGUAGES:
        return Invalid(ctx.t("Please choose a language."))
    ctx.state.data["bio_lang"] = code
    return Go("bio_text")


async def bio_text_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await _profile(ctx)
    language = str(ctx.state.data.get("bio_lang", ctx.user.locale))
    current = profile.bio.get(language) if profile else None
    lines = [t("Type your description in {language}.", language=LANGUAGE_NAMES.get(language, ""))]
    rows = []
    if current:
        lines.insert(0, t("Now:") + "\n" + current)
        rows.append((ctx.button("🗑 " + t("Remove this language"), "del"),))
    return ctx.reply("\n\n".join(lines), [*rows, ctx.nav_row()])


async def bio_text_answer(ctx: Ctx, answer: Answer) -> Outcome:
    language = str(ctx.state.data.get("bio_lang", ctx.user.locale))
    if answer.code == "del":
        await set_bio(ctx.uow, ctx.user.id, language, "")
    elif answer.is_text:
        await set_bio(ctx.uow, ctx.user.id, language, answer.text or "")
    else:
        return Invalid(ctx.t("Please type a short description of your business."))
    return Go("menu", before=(ctx.reply(ctx.t(SAVED)),))


async def choice_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    kind = str(ctx.state.data.get("kind", "category"))
    chosen = list(ctx.state.data.get("chosen", []))
    text = question(ctx, kind) + "\n" + t("Chosen: {list}", list=labels_of(kind, chosen, t))
    return ctx.reply(text, [*toggle_rows(ctx, kind, chosen), ctx.nav_row()])


async def choice_answer(ctx: Ctx, answer: Answer) -> Outcome:
    kind = str(ctx.state.data.get("kind", "category"))
    chosen = list(ctx.state.data.get("chosen", []))
    if answer.code == CONTINUE:
        await set_choice(ctx.uow, ctx.user.id, kind, chosen)
        return Go("menu", before=(ctx.reply(ctx.t(SAVED)),))
    changed = toggled(ctx, chosen, answer, kind)
    if changed is None:
        return Invalid(ctx.t("Please choose from the list, then Continue."))
    ctx.state.data["chosen"] = changed
    return Go("choice")


async def phone_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    if ctx.channel == "whatsapp":
        text = t(
            "On WhatsApp, your phone is the number you write from: {phone}.", phone=ctx.external_id
        )
        return ctx.reply(text, [(ctx.button(t("Use this number"), "wa"),), ctx.nav_row()])
    text = t("Share your new phone number with the button below: it proves the number is yours.")
    return ctx.reply(text, [ctx.nav_row()], request_contact=True)


async def phone_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "wa" and ctx.channel == "whatsapp":
        phone = ctx.external_id  # WhatsApp's sender: the channel proves it
    elif answer.contact_phone:
        phone = answer.contact_phone
    else:
        return Invalid(ctx.t("Please use the button to share your phone number."))
    await change_phone(ctx.uow, ctx.user, phone)
    return Go("menu", before=(ctx.reply(ctx.t(SAVED)),))


async def photos_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await _profile(ctx)
    count = len(profile.photos) if profile else 0
    text = t(
        "Send photos of your work here, one or several (JPEG, PNG or WebP, at most {max} in "
        "all): they show on your profile. You have {n}.",
        max=MAX_PHOTOS,
        n=count,
    )
    rows = [(ctx.button("🗑 " + t("Remove a photo"), "rm"),)] if count else []
    # Photos are optional: without any yet, the way on says so.
    done = ctx.button("✓ " + t("Done"), "done") if count else ctx.button(t("Skip for now"), "done")
    return ctx.reply(text, [*rows, (done,)])


async def photos_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "done":
        return Go("menu")
    if answer.code == "rm":
        return Go("remove")
    if answer.photo is not None:
        if ctx.deps.photos is None:
            return Invalid(photo_refusal(Answer(attachment=ATTACHMENT_UNAVAILABLE), ctx.t))
        count = await add_photo(ctx.uow, ctx.user.id, answer.photo, ctx.deps.photos)
        saved = ctx.t("Photo saved ({n} of {max}).", n=count, max=MAX_PHOTOS)
        return Go("photos", before=(ctx.reply(saved),))
    if answer.attachment:
        return Invalid(photo_refusal(answer, ctx.t))
    return Invalid(ctx.t("Please send a photo, or choose Done."))


async def remove_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    profile = await _profile(ctx)
    photos = profile.photos if profile else ()
    rows = [(ctx.button(t("Remove photo {n}", n=i + 1), f"rm:{i}"),) for i in range(len(photos))]
    thumbs = tuple(thumbnail_url(url) for url in photos)
    text = t("Which photo do you take off your profile? They are shown in order above.")
    return ctx.reply(text, [*rows, ctx.nav_row()], photos=thumbs)


async def remove_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("rm:")
    if not (answer.code or "").startswith("rm:") or not code.isdigit():
        return Invalid(ctx.t("Please choose a photo."))
    await remove_photo(ctx.uow, ctx.user.id, int(code))
    return Go("photos", before=(ctx.reply(ctx.t("Photo removed.")),))


FLOW = Flow(
    "pprofile",
    "menu",
    {
        "menu": Step(menu_prompt, menu_answer, WRITES),
        "preview": Step(preview_prompt, back_to_menu, WRITES),
        "name": Step(name_prompt, name_answer, WRITES, content=True),
        "bio_lang": Step(bio_lang_prompt, bio_lang_answer, WRITES),
        "bio_text": Step(bio_text_prompt, bio_text_answer, WRITES, content=True),
        "choice": Step(choice_prompt, choice_answer, WRITES),
        "phone": Step(phone_prompt, phone_answer, WRITES),
        "photos": Step(photos_prompt, photos_answer, WRITES),
        "remove": Step(remove_prompt, remove_answer, WRITES),
    },
    on_cancel=("pprofile", "menu"),
    diagram=DIAGRAM,
)
