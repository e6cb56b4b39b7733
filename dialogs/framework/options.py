"""Typed answers to buttons: "2" or "Rabat" picks the option shown as such, and so do
the first words of one option alone ("حجز" for "حجز: تغطية", the profile's only service).

WhatsApp has no inline buttons, so options are listed as numbers; people also type a
label instead of tapping on Telegram, or its last words ("même date" for "Garder la même
date"). The last prompt's options are kept in the state.

Back and Cancel are words, not numbers (issue 19): they come last, take no number, and
"retour", "back", "رجوع" (or "annuler", "cancel", "إلغاء") pick them in any language. So
do the words for Skip, Yes, No and Confirm where a step offers them: "بدون" or "rien" at
an optional question is no answer to store, "لا" at the email question is no address.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from dialogs.framework.replies import Button, Reply
from dialogs.framework.state import DialogState

MAX_OPTIONS = 40
MIN_OPENING = 3  # letters typed of an option's first words: "حجز", "book", not "a"
NAVIGATION = ("nav:back", "nav:cancel")
BACK_MARKS = ("«", "🏠")  # what a button that goes back starts with ("« Menu", "🏠 Home")
# Typed in any of our languages and Darija (folded: lower case, no accents or hamza marks),
# for the option whose code is the key (a flow's own code: "skip", "yes"...).
NO = ("no", "non", "nope", "لا", "la", "lla")
DONE = {"done", "fini", "termine", "c'est bon", "safi", "صافي", "سالينا", "salina", "انتهيت"}
OPTION_WORDS = {
    "nav:back": frozenset({"back", "retour", "رجوع", "عودة", "ارجع", "رجع", "precedent"}),
    "nav:cancel": frozenset({"cancel", "annuler", "الغاء", "إلغاء", "stop", "الغي"}),
    "skip": frozenset(
        {"skip", "passer", "تخطي", "none", "nothing", "rien", "aucun", "aucune", "sans", "بدون"}
        | {"لا شيء", "لاشيء", "والو", "walo", "walou", "ما كاين والو", "makayn walo", *NO}
    ),
    "no": frozenset(NO),
    "yes": frozenset({"yes", "oui", "ouais", "نعم", "اه", "آه", "ايه", "iyeh", "wakha", "واخا"}),
    "confirm": frozenset({"confirm", "confirmer", "je confirme", "valider", "تأكيد", "أكد"}),
    # Continue after ticking choices; Done with photos or texts.
    "next": frozenset({"continue", "continuer", "suivant", "next", "ok", "تم", "التالي"} | DONE),
    "done": frozenset({"continue", "continuer", "ok", "تم", "متابعة", *DONE}),
    # The provider's home: what providers write for its options rather than their labels
    # ("mes services" for "My services", "gains" for "Earnings").
    "svcs": frozenset(
        {"services", "mes services", "my services", "prestations", "mes prestations", "tarifs"}
        | {"mes tarifs", "prix", "prices", "خدماتي", "الخدمات", "خدمات", "الأسعار"}
    ),
    "pearn": frozenset(
        {"gains", "mes gains", "revenus", "mes revenus", "earnings", "my earnings", "argent"}
        | {"paiements", "mes paiements", "payments", "الأرباح", "أرباحي", "المداخيل", "مداخيلي"}
    ),
    "pdash": frozenset(
        {"reservations", "mes reservations", "bookings", "my bookings", "حجوزاتي", "الحجوزات"}
    ),
    "avail": frozenset(
        {"disponibilite", "disponibilites", "mes disponibilites", "horaires", "mes horaires"}
        | {"availability", "hours", "opening hours", "أوقات العمل", "الأوقات", "التوفر"}
    ),
    "cal": frozenset({"calendrier", "mon calendrier", "agenda", "calendar", "التقويم"}),
    "profile": frozenset(
        {"profil", "mon profil", "profile", "my profile", "الملف", "ملفي", "البروفايل"}
    ),
    # A client's answer to other terms ("Do you accept?" under them).
    "cpa": frozenset(
        # Not "ok": said to anything, and this one agrees to pay what is proposed.
        {"yes", "oui", "نعم", "واخا", "wakha", "j'accepte", "i accept", "d'accord"}
        | {"موافق", "موافقة", "قبلت"}
    ),
    "cpr": frozenset({*NO, "je refuse", "i refuse", "non merci", "no thanks", "رفضت", "ما بغيتش"}),
}


def _word_key(payload: str) -> str:
    code = payload.partition("|")[2]
    return code if code in _FOLDED_WORDS else code.partition(":")[0]


def is_navigation(payload: str) -> bool:
    return payload.partition("|")[2] in NAVIGATION


def ordered_buttons(reply: Reply) -> list[Button]:
    """The options in the order they are numbered: choices first, Back and Cancel last;
    link buttons are no options (their link is in the text)."""
    buttons = [b for b in reply.all_buttons() if not b.url]  # links are opened, not typed
    return [b for b in buttons if not is_navigation(b.payload)] + [
        b for b in buttons if is_navigation(b.payload)
    ]


def option_list(reply: Reply) -> list[list[str]]:
    return [[b.label, b.payload] for b in ordered_buttons(reply)][:MAX_OPTIONS]


def remember_options(state: DialogState, replies: list[Reply]) -> None:
    """Keep the options of the last reply (none when it asks for typed text)."""
    if replies:
        state.options = option_list(replies[-1])
        state.options_last = True


def chosen_option(options: list[list[str]], text: str) -> str | None:
    """The payload the typed text names, by label or by position; None if it names none."""
    if not options or len(text) > 80:
        return None
    wanted = fold(text)
    for label, payload in options:
        if wanted and folded_label(label) == wanted:
            return payload
    bare = without_article(wanted)
    for label, payload in options:  # "حلويات" for "الحلويات", "رباط" for "الرباط"
        if bare and without_article(folded_label(label)) == bare:
            return payload
    # A word of an option's code ("oui" for Yes); "cpa" stands for "cpa:12", the Accept of
    # proposal 12. One such option only: two proposals to accept, "oui" names neither.
    worded = [p for _, p in options if wanted in _FOLDED_WORDS.get(_word_key(p), ())]
    if len(worded) == 1:
        return worded[0]
    if wanted in _FOLDED_WORDS["nav:back"]:
        # A screen with a way back of its own instead of Back ("« Menu", "🏠 Home"):
        # "retour" takes it, as Back elsewhere. One only: two would be a guess.
        own_ways_back = [p for label, p in options if label.startswith(BACK_MARKS)]
        if len(own_ways_back) == 1:
            return own_ways_back[0]
    if len(wanted) >= MIN_OPENING:
        opened = [p for label, p in options if folded_label(label).startswith(wanted + " ")]
        if len(opened) == 1:  # two services to book: "Book" names neither
            return opened[0]
        # Or its last words: "même date" for "Garder la même date", "reportage" for
        # "Réserver: Reportage". One option only, as above.
        ending = [p for label, p in options if folded_label(label).endswith(" " + wanted)]
        if len(ending) == 1:
            return ending[0]
    numbered = [payload for _, payload in options if not is_navigation(payload)]
    digits = text.strip().translate(_ARABIC_DIGITS)
    # Where labels are numbers themselves (guests: 50, 100…), a number is a value, not a rank.
    numeric_labels = any(folded_label(label).isdecimal() for label, _ in options)
    if digits.isdecimal() and not numeric_labels and 1 <= int(digits) <= len(numbered):
        return numbered[int(digits) - 1]
    return None


# Between the options of a typed list: "1, 3", "1،3", "1;3", "Rabat et Fès", "1 و 2", "fr/en".
# On the text as typed (not normalized): the Arabic comma is written as its escape, \u060c.
_LIST_SEPARATOR = re.compile(r"\s*[,\u060c;/+&]\s*|\s+(?:et|and|w|و)\s+", re.IGNORECASE)


def chosen_options(options: list[list[str]], text: str) -> list[str] | None:
    """The payloads a typed list names ("1, 3", "Rabat et Fès", "1 2"), each part by label
    or by rank as ``chosen_option`` reads one; None unless it names two or more options,
    every part one of them and none Back or Cancel. For steps that take several choices:
    on WhatsApp people type them in one message rather than one number at a time."""
    if not options or len(text) > 200:
        return None
    parts = [part for part in _LIST_SEPARATOR.split(text.strip()) if part]
    if len(parts) == 1 and all(typed_number(word) for word in parts[0].split()):
        parts = parts[0].split()  # "1 2 3": numbers apart by spaces only
    if len(parts) < 2:
        return None
    chosen = [chosen_option(options, part) for part in parts]
    if any(payload is None or is_navigation(payload) for payload in chosen):
        return None
    return list(dict.fromkeys(p for p in chosen if p is not None))


def means_back(text: str) -> bool:
    """The text is a word for Back ("retour", "رجوع"), in any of our languages."""
    return fold(text) in _FOLDED_WORDS["nav:back"]


def typed_number(text: str) -> bool:
    """The text is a number (in Latin or Arabic digits): it picks an option by rank."""
    return text.strip().translate(_ARABIC_DIGITS).isdecimal()


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(text: str) -> str:
    """Lower case, no accents, no emoji or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LN" else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


# The labels of buttons are few (translated texts, provider and city names) and are folded
# again at every typed answer: each process keeps the last ones it folded.
LABELS_KEPT = 2048


@lru_cache(maxsize=LABELS_KEPT)
def folded_label(label: str) -> str:
    return fold(label)


def without_article(folded: str) -> str:
    """Folded text without the Arabic article on its words: people type a label with or
    without it. Only on words long enough to keep a stem ("الى" stays)."""
    return " ".join(
        word[2:] if word.startswith("ال") and len(word) > 4 else word for word in folded.split()
    )


_FOLDED_WORDS = {code: frozenset(map(fold, words)) for code, words in OPTION_WORDS.items()}
