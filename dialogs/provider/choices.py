"""What the onboarding and the profile editor share: picking several codes of a
vocabulary with toggles, and explaining a photo we cannot take."""

from __future__ import annotations

from core.catalog.photo_checks import MAX_PHOTO_BYTES
from core.catalog.provider_registration import VOCABULARIES
from dialogs import labels
from dialogs.framework.context import Ctx
from dialogs.framework.flow import ATTACHMENT_NOT_PHOTO, ATTACHMENT_TOO_BIG, Answer
from dialogs.framework.options import chosen_options
from dialogs.framework.replies import Button
from dialogs.i18n.translator import N_, Translator
from dialogs.labels import LANGUAGE_NAMES
from dialogs.nlu.builtin import shared_lexicon
from dialogs.nlu.normalize import normalize

CONTINUE = "next"
TOGGLE = "t:"
QUESTIONS = {
    "category": N_("Which services do you offer? Choose up to three, then choose Continue."),
    "city": N_("In which cities do you work? Choose all that apply, then choose Continue."),
    "language": N_(
        "Which languages do you speak with clients? Choose all that apply, then choose Continue."
    ),
}
SEVERAL_TYPED = N_("You can write several numbers at once, for example: 1, 3.")
NOT_A_PHOTO = N_("This is not a photo. Please send a picture (JPEG, PNG or WebP), or choose Done.")
PHOTO_TOO_BIG = N_("This file is too big: a photo can be at most {max_mb} MB.")
PHOTO_UNAVAILABLE = N_("We could not receive this photo. Please send it again.")


def code_label(kind: str, code: str, t: Translator) -> str:
    if kind == "category":
        return labels.category(code, t)
    if kind == "city":
        return labels.city(code, t)
    return LANGUAGE_NAMES.get(code, code)


def labels_of(kind: str, codes: list[str] | tuple[str, ...], t: Translator) -> str:
    return t.join(code_label(kind, c, t) for c in codes) if codes else "—"


def question(ctx: Ctx, kind: str) -> str:
    """The question; on WhatsApp, where the options are numbers, how to give several."""
    text = ctx.t(QUESTIONS[kind])
    return text + "\n" + ctx.t(SEVERAL_TYPED) if ctx.channel == "whatsapp" else text


def toggle_rows(ctx: Ctx, kind: str, chosen: list[str]) -> list[tuple[Button, ...]]:
    """The vocabulary as buttons, two a row, the chosen ones ticked; Continue below."""
    t = ctx.t
    buttons = [
        ctx.button(("✓ " if code in chosen else "") + code_label(kind, code, t), TOGGLE + code)
        for code in VOCABULARIES[kind]
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [*rows, (ctx.button(t("Continue") + " »", CONTINUE),)]


def toggled(ctx: Ctx, chosen: list[str], answer: Answer, kind: str) -> list[str] | None:
    """The choice after a toggle button, or after several options typed in one message
    ("1, 3", "Rabat et Fès": each ticked, none unticked); None when it is neither."""
    if answer.is_text:
        typed = answer.text or ""
        return _ticked(chosen, _typed_codes(ctx, typed), kind) or _named(chosen, typed, kind)
    code = (answer.code or "").removeprefix(TOGGLE)
    if not (answer.code or "").startswith(TOGGLE) or code not in VOCABULARIES[kind]:
        return None
    return [c for c in chosen if c != code] if code in chosen else [*chosen, code]


def _typed_codes(ctx: Ctx, text: str) -> list[str]:
    payloads = chosen_options(ctx.state.options, text) or []
    return [payload.partition("|")[2] for payload in payloads]


def _named(chosen: list[str], text: str, kind: str) -> list[str] | None:
    """``chosen`` with the cities, categories or languages the text names as people name
    them ("كازا و الرباط", "traiteur et pâtisserie", "العربية و الفرنسية": the search's
    lexicon); None if none."""
    lexicon = shared_lexicon()
    matcher = {
        "city": lexicon.cities,
        "category": lexicon.categories,
        "language": lexicon.languages,
    }.get(kind)
    named = matcher.every(normalize(text)) if matcher else []
    return _ticked(chosen, [TOGGLE + code for code in named], kind)


def _ticked(chosen: list[str], codes: list[str], kind: str) -> list[str] | None:
    """``chosen`` with every code of a typed list ticked; None unless each is a choice."""
    ticked = [code.removeprefix(TOGGLE) for code in codes if code.startswith(TOGGLE)]
    if not codes or len(ticked) < len(codes) or not set(ticked) <= set(VOCABULARIES[kind]):
        return None  # Continue or something else named among them: not a list of choices
    return [*chosen, *(code for code in ticked if code not in chosen)]


def photo_refusal(answer: Answer, t: Translator) -> str:
    """Why an answer with an attachment but no photo cannot be taken."""
    if answer.attachment == ATTACHMENT_NOT_PHOTO:
        return t(NOT_A_PHOTO)
    if answer.attachment == ATTACHMENT_TOO_BIG:
        return t(PHOTO_TOO_BIG, max_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    return t(PHOTO_UNAVAILABLE)
