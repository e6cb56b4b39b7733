"""The reply follows the language of the message when it is clear (issue 14): Arabic
script typed while French or English is chosen is answered in Arabic, and a button offers
to keep Arabic. Latin script says too little (French, English and Darija share it)."""

from __future__ import annotations

from dialogs.framework.context import Ctx, global_button
from dialogs.framework.replies import Reply
from dialogs.labels import LANGUAGE_NAMES
from dialogs.nlu.normalize import detect_script, normalize

# The global action (flow.Action) that switches the language, "g|lang:<code>"; an app that
# has none is not switched per message (the provider bot keeps its account's language).
SWITCH = "lang"
MIN_LETTERS = 2  # a lone letter or an emoji says nothing of a language


def message_language(text: str) -> str | None:
    """'ar' for a message in Arabic script, None when its language is not clear."""
    norm = normalize(text)
    if sum(ch.isalpha() for ch in norm) < MIN_LETTERS:
        return None
    return "ar" if detect_script(norm) == "ar" else None


def follow_message_language(ctx: Ctx, text: str | None) -> Reply | None:
    """Answer this update in the message's language; the offer to keep it, if it differs
    from the chosen one."""
    if not text or text.startswith("/"):
        return None
    language = message_language(text)
    if language is None or language == ctx.user.locale:
        return None
    ctx.locale_override = language
    t = ctx.t
    offer = t("You wrote in Arabic. Shall we continue in Arabic?")
    return ctx.reply(offer, [(global_button(LANGUAGE_NAMES[language], f"{SWITCH}:{language}"),)])
