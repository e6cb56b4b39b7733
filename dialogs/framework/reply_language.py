"""The reply follows the language of the message when it is clear (issue 14): Arabic
script typed while French or English is chosen is answered in Arabic, and a button offers
to keep Arabic. Latin script says too little (French, English and Darija share it).

The chat stays in the language it is written in (DialogState.written_in): the presses and
numbers that follow an Arabic message are answered in Arabic too, and the offer is made
once, when the chat turns to it. A message in Latin script, or a language chosen, ends it.
"""

from __future__ import annotations

from dataclasses import replace

from dialogs.framework.context import Ctx, global_button
from dialogs.framework.options import is_navigation
from dialogs.framework.replies import Reply
from dialogs.labels import LANGUAGE_NAMES
from dialogs.nlu.normalize import detect_script, normalize

# The global action (flow.Action) that switches the language, "g|lang:<code>"; an app that
# has none is not switched per message (both bots have it).
SWITCH = "lang"
MIN_LETTERS = 2  # a lone letter or an emoji says nothing of a language


def message_script(text: str) -> str | None:
    """'ar' or 'latin' for a message written in that script, None when it says too little
    (a lone letter, digits, an emoji)."""
    norm = normalize(text)
    if sum(ch.isalpha() for ch in norm) < MIN_LETTERS:
        return None
    return detect_script(norm)


def chosen_language(ctx: Ctx) -> None:
    """A language chosen now wins over the one the chat was written in, even the same
    language chosen again (French chosen after Arabic was typed: French)."""
    ctx.state.written_in = ctx.state.written_over = None
    ctx.locale_override = None


def follow_message_language(ctx: Ctx, text: str | None) -> Reply | None:
    """Answer this update in the language the chat is written in, and offer to keep it the
    first time it differs from the chosen one. A press follows the last message's language:
    a chat typed in Arabic does not turn French at the first button."""
    state, chosen = ctx.state, ctx.user.locale
    words = text if text and not text.startswith("/") else None  # a command says nothing
    script = message_script(words) if words else None
    if script == "latin":
        state.written_in = state.written_over = None  # French or English: the chosen one
        return None
    language = "ar" if script == "ar" else None
    if language is not None:
        if language == chosen:
            state.written_in = state.written_over = None
            return None
        offered = (state.written_in, state.written_over) == (language, chosen)
        state.written_in, state.written_over = language, chosen
        ctx.locale_override = language
        if offered:  # said once, when the chat turned to it; the Language menu stays
            return None
        offer = ctx.t("You wrote in Arabic. Shall we continue in Arabic?")
        return ctx.reply(
            offer, [(global_button(LANGUAGE_NAMES[language], f"{SWITCH}:{language}"),)]
        )
    # A press, a number picked on WhatsApp, an emoji: in the chat's last written language,
    # unless a language was chosen since (that choice wins).
    if state.written_in and state.written_over == chosen:
        ctx.locale_override = state.written_in
    return None


def with_offer(replies: list[Reply], offer: Reply | None) -> list[Reply]:
    """The offer goes at the end of the screen it came with, its button above the screen's
    Back and Cancel: sent apart, on WhatsApp its one numbered option stood for the
    screen's, and "7" typed for the screen's seventh option was not understood. Apart only
    from a reply whose buttons can't be joined (Telegram's contact keyboard, a document)."""
    if offer is None or not replies:
        return replies
    last = replies[-1]
    if last.request_contact or last.document is not None:
        return [*replies, offer]
    rows = list(last.buttons)
    at = len(rows)
    while at and all(is_navigation(b.payload) for b in rows[at - 1]):
        at -= 1
    rows[at:at] = offer.buttons
    text = f"{last.text}\n\n{offer.text}" if last.text else offer.text
    joined = replace(last, text=text, buttons=tuple(rows))
    return [*replies[:-1], joined]
