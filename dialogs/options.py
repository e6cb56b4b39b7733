"""Typed answers to buttons: "2" or "Rabat" picks the option shown as such.

WhatsApp has no inline buttons, so options are listed as numbers; people also type a
label instead of tapping on Telegram. The last prompt's options are kept in the state.
"""

from __future__ import annotations

import unicodedata

from dialogs.replies import Reply
from dialogs.state import DialogState

MAX_OPTIONS = 40


def option_list(reply: Reply) -> list[list[str]]:
    return [[b.label, b.payload] for b in reply.all_buttons()][:MAX_OPTIONS]


def remember_options(state: DialogState, replies: list[Reply]) -> None:
    """Keep the options of the last reply (none when it asks for typed text)."""
    if replies:
        state.options = option_list(replies[-1])
        state.options_last = True


def chosen_option(options: list[list[str]], text: str) -> str | None:
    """The payload the typed text names, by label or by position; None if it names none."""
    if not options or len(text) > 80:
        return None
    wanted = _fold(text)
    for label, payload in options:
        if wanted and _fold(label) == wanted:
            return payload
    digits = text.strip().translate(_ARABIC_DIGITS)
    # Where labels are numbers themselves (guests: 50, 100…), a number is a value, not a rank.
    numeric_labels = any(_fold(label).isdecimal() for label, _ in options)
    if digits.isdecimal() and not numeric_labels and 1 <= int(digits) <= len(options):
        return options[int(digits) - 1][1]
    return None


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _fold(text: str) -> str:
    """Lower case, no accents, no emoji or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LN" else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())
