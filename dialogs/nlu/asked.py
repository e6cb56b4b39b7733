"""What kind of message a client typed besides a search (issue 14): a question, one of the
FAQ's topics, a complaint. Cue phrases in ar/fr/en/Darija over normalised text, as the
intent cues (intents.py); the caller decides what to do with it (dialogs/client/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from dialogs.nlu.intents import INTENT_CUES
from dialogs.nlu.model import Intent
from dialogs.nlu.normalize import TermMatcher, normalize, words

# Earlier topics win: "payer l'acompte" is about the deposit, "rembourser" is cancelling.
TOPIC_CUES: Final[dict[str, tuple[str, ...]]] = {
    "deposit": words(
        "deposit, down payment, advance payment, acompte, avance, arrhes, عربون, العربون,"
        "تسبيق, التسبيق, دفعة مسبقة, tasbi9, tasbiq, 3arboun, l3arboun, arboun"
    ),
    "cancellation": words(
        "cancel, cancelling, cancellation, refund, refunded, annuler, annulation, annule,"
        "rembourser, remboursement, remboursé, إلغاء, ألغي, نلغي, استرجاع, استرداد, nlghi,"
        "lghi, nbattal"
    ),
    "human": words(
        "human, real person, a person, someone, agent, operator, advisor, talk to, speak to,"
        "call you, contact you, humain, quelqu'un, conseiller, conseillere, parler a,"
        "parler avec, vous appeler, vous contacter, vous joindre, بشري, موظف, شخص, نتكلم,"
        "أتكلم, نهضر, نتواصل, التواصل معكم, nhder, nhdar, ntkellem, nt9ad, m3a chi wa7ed"
    ),
    "payment": words(
        "pay, paying, payment, payments, cash, card, credit card, bank transfer, cheque,"
        "payer, paie, paye, paiement, paiements, especes, liquide, carte, carte bancaire,"
        "virement, cheque, الدفع, دفع, ندفع, أدفع, نقدا, نقدي, كاش, بطاقة, تحويل, نخلص, خلاص,"
        "الخلاص, nkhles, nkhless, nkhalles, khlas, lkhlas"
    ),
    # Last: "combien pour l'acompte ?" is about the deposit. A price question naming what
    # to look for ("combien coûte un DJ à Fès ?") is a search (free_text.route_text).
    "price": words(
        "price, prices, pricing, cost, costs, how much, rates, prix, tarif, tarifs, cout,"
        "coute, ca coute, combien ca coute, c'est combien, الثمن, ثمن, السعر, الأسعار, أسعار,"
        "التكلفة, بشحال, شحال الثمن, شحال كيسوا, شحال كيكلف, taman, tamane, tman, ch7al taman,"
        "chhal taman, bch7al, bchhal, ch7al kayswa, chhal kayswa"
    ),
}
COMPLAINT_CUES: Final = words(
    "never came, never showed, never showed up, did not come, didn't come, didn't show,"
    "no show, did not show up, complaint, complain, jamais venu, jamais venue, pas venu,"
    "pas venue, n est pas venu, n est pas venue, ne s est pas presente, plainte,"
    "reclamation, me plaindre, لم يحضر, لم يأت, لم ياتي, ما جاش, ماجاش, شكوى, شكاية,"
    "ma jach, majach, ma jatch, chikaya, chkaya"
)
# "Actually", "rather": the client changes their mind about what they are looking for.
CHANGE_CUES: Final = words(
    "actually, instead, rather, i prefer, i'd rather, changed my mind, change of plan,"
    "en fait, finalement, plutot, je prefere, on prefere, j ai change d avis, au lieu,"
    "بالأحرى, بدلا, بدل, أفضل, نفضل, غيرت رأيي, بغيت غير, fdel, kanfdel, nfdel, bdel"
)
# How questions open, once normalised (accents and apostrophes folded, "؟" is "?", "متى"
# is "متي").
QUESTION_START: Final = re.compile(
    r"^(?:est ce qu|peut on|peut il|puis je|peux je|comment|pourquoi|quand|quel|quelle|"
    r"quels|quelles|ou |combien de temps|can i|can we|could i|how|what|why|when|where|"
    r"do you|does|is it|is there|are you|هل|كيف|متي|لماذا|ماذا|واش|wach|kifach|kifash|"
    r"chno|ach|imta|3lach)(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Asked:
    question: bool  # phrased as a question
    topic: str | None  # one of TOPIC_CUES, if the message is about one
    complaint: bool  # about a provider or a booking that went wrong
    wants_search: bool  # says it is looking for something ("je cherche", "bghit")
    changed_mind: bool = False  # "en fait", "plutôt", "instead"


class AskedReader:
    """The cue patterns, compiled once."""

    def __init__(self) -> None:
        self._topics = TermMatcher(TOPIC_CUES, inflect=True)
        self._complaint = TermMatcher({"complaint": COMPLAINT_CUES}, inflect=True)
        self._search = TermMatcher({"search": INTENT_CUES[Intent.SEARCH]}, inflect=True)
        self._change = TermMatcher({"change": CHANGE_CUES}, inflect=False)

    def read(self, text: str) -> Asked:
        norm = normalize(text)
        return Asked(
            question="?" in norm or QUESTION_START.search(norm) is not None,
            topic=self._topics.first(norm),
            complaint=self._complaint.found(norm),
            wants_search=self._search.found(norm),
            changed_mind=self._change.found(norm),
        )


@lru_cache(maxsize=1)
def _reader() -> AskedReader:
    return AskedReader()


def read_asked(text: str) -> Asked:
    """``AskedReader().read``, with the patterns compiled on first use."""
    return _reader().read(text)
