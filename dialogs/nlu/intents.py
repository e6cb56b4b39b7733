"""Intent cue phrases (ar/fr/en/Darija) and the rule that turns cues into an intent."""

from __future__ import annotations

import re
from typing import Final

from dialogs.nlu.model import Intent
from dialogs.nlu.normalize import TermMatcher, words

INTENT_CUES: Final[dict[Intent, tuple[str, ...]]] = {
    Intent.CANCEL: words(
        "cancel, cancelled, canceled, cancelling, cancellation, call off, annuler, annule,"
        "annulez, annulation, annulé, annulée, annuli, nannuli, n'annuler, décommander,"
        "إلغاء, ألغي, ألغ, ألغوا, نلغي, يلغي, تلغي, ألغيت, فسخ, نبطل, nlghi, lghi, lghiha,"
        "nlghiha, lghiwha, nbattal, nbtal, لغي, نلغيها"
    ),
    Intent.SUPPORT: words(
        "problem, problems, issue, complaint, complain, refund, money back, support,"
        "customer service, customer care, human, real person, agent, operator, scam, fraud,"
        "dispute, no show, didn't show, never showed, never came, didn't come, did not come,"
        "not responding, no response, didn't answer, doesn't answer, not answering, no reply,"
        "charged, overcharged, unprofessional, talk to someone, speak to someone,"
        "talk to a person, speak to a person, talk to your team, speak to your team,"
        "problème, souci, réclamation, plainte, remboursement, rembourser, remboursé, litige,"
        "arnaque, escroquerie, service client, service clientèle, conseiller, conseillère,"
        "un humain, pas venu, pas venue, ne répond pas, ne repond plus, aucune réponse,"
        "pas de réponse, débité, prélevé, signaler, parler à quelqu'un, parler a quelqu'un,"
        "parler à une personne, parler à votre équipe, parler à l'équipe,"
        "contacter l'équipe, joindre l'équipe,"
        "مشكل, مشكلة, مشاكل, شكوى, شكاية, استرجاع, استرداد, خدمة العملاء, خدمة الزبناء,"
        "الدعم, الدعم الفني, لم يحضر, لم يأت, لم يرد, لا يرد, احتيال, نصب, تعويض, نزاع, بلاغ,"
        "موظف, mochkil, mochkila, mouchkil, muchkil, mushkil, moshkil, machakil, chikaya,"
        "chkaya, ma jach, majach, ma jawch, makayjawbch, nsab, flousi, ما جاش, ما كيجاوبش,"
        "فلوسي, نصاب, مشكيل, نهضر مع شي واحد, نتكلم مع شي واحد, نتواصل معكم,"
        "nhder m3a chi wa7ed, nhdar m3a chi wahed, ntkelem m3a chi wa7ed"
    ),
    Intent.MY_BOOKINGS: words(
        "booking status, reservation status, status of my, upcoming bookings,"
        "suivi de réservation, statut de ma, حجوزاتي, حجزي, طلباتي, طلبي, حالة الحجز,"
        "حالة حجزي"
    ),
    Intent.HELP: words(
        "help, how does it work, how does this work, how it works, how do i, how can i,"
        "how to, what can you do, what do you do, instructions, guide, menu,"
        "i don't understand, confused, explain, tutorial, faq, aide, aidez, aider,"
        "au secours, comment ça marche, comment ça fonctionne, comment faire, comment,"
        "je ne comprends, je comprends rien, que puis je faire, qu'est-ce que je peux faire,"
        "qu'est-ce que tu peux faire, mode d'emploi, assistance, expliquer, مساعدة, ساعدني,"
        "ساعدوني, كيف, كيفية, شرح, لا أفهم, ماذا يمكنك, دليل, تعليمات, 3awni, 3awnini,"
        "3awnoni, m3awna, kifach, kifash, ma fhemtch, mafhmtch, chno ndir, ach ndir, عاوني,"
        "عاونوني, معاونة, كيفاش, ما فهمتش, شنو ندير, اش ندير"
    ),
    Intent.SEARCH: words(
        "looking for, look for, search, searching, find, need, i want, i would like,"
        "i'd like, book, hire, available, availability, recommend, how much, price, cost,"
        "quote, rent, cherche, recherche, chercher, je veux, je voudrais, il me faut, besoin,"
        "réserver, disponible, dispo, trouver, combien, prix, tarif, devis, louer, avez vous,"
        "vous avez, أبحث, نبحث, أريد, نريد, أحتاج, نحتاج, هل يوجد, هل لديكم, هل عندكم, متاح,"
        "متوفر, بكم, سعر, ثمن, تكلفة, أسعار, حجز, bghit, bghina, kan9leb, kanqleb, kan9alleb,"
        "kanqelleb, wach kayn, kayn chi, chhal, ch7al, taman, nreserver, reserver, بغيت,"
        "بغينا, كنقلب, واش كاين, كاين شي, شحال, بشحال"
    ),
    Intent.GREETING: words(
        "hi, hello, hey, good morning, good afternoon, good evening, greetings, howdy,"
        "thanks, thank you, bonjour, bonsoir, salut, coucou, bjr, bsr, merci, bonne journée,"
        "السلام عليكم, سلام, مرحبا, أهلا, أهلا وسهلا, صباح الخير, مساء الخير, صباح النور,"
        "شكرا, وعليكم السلام, salam, slm, salam 3likom, salamo 3alaykom, salamou alaykoum,"
        "assalamu alaikum, labas, la bas, ahlan, marhba, sbah lkhir, msa lkhir, choukran,"
        "chokran, لاباس, مرحبا بيك"
    ),
}

_BOOKING_NOUNS: Final = (
    r"(?:bookings?|reservations?|orders?|requests?|commandes?|demandes?|hajz|lhajz|7ajz|"
    r"l7ajz|talab|حجز|حجوزات|الحجز|الحجوزات|الطلب|الطلبات|الريزيرفاسيون|ريزيرفاسيون)"
)
# A possessive next to a booking noun ("my upcoming bookings", "الحجز ديالي") asks for the
# client's own bookings, whereas the bare noun usually means "make a booking".
_POSSESSIVE_BOOKING: Final = re.compile(
    rf"(?<!\w)(?:my|mes|ma|mon)\s+(?:[^\W\d]+\s+){{0,2}}?{_BOOKING_NOUNS}(?!\w)"
    rf"|(?<!\w){_BOOKING_NOUNS}\s+(?:[^\W\d]+\s+)?(?:dyali|dyawli|dyalna|ديالي|ديالنا)(?!\w)"
)

# Earlier intents win when several cue sets match: "annuler ma réservation" is a
# cancellation even though it names a booking, "problème avec mon traiteur" is support.
_PRIORITY: Final = (Intent.CANCEL, Intent.SUPPORT, Intent.MY_BOOKINGS)


class IntentMatcher:
    """Cue-phrase patterns compiled once; `classify` applies the priority rule."""

    def __init__(self) -> None:
        self._matchers = {
            intent: TermMatcher({intent.value: cues}, inflect=True)
            for intent, cues in INTENT_CUES.items()
        }

    def cues(self, text: str) -> set[Intent]:
        """Intents whose cue phrases occur in normalised text."""
        found = {intent for intent, m in self._matchers.items() if m.found(text)}
        if _POSSESSIVE_BOOKING.search(text):
            found.add(Intent.MY_BOOKINGS)
        return found

    def classify(self, text: str, *, has_slots: bool) -> tuple[Intent, float]:
        """Pick the intent for normalised text given whether any search slot was found."""
        cues = self.cues(text)
        for intent in _PRIORITY:
            if intent in cues:
                return intent, 0.9
        if has_slots:
            return Intent.SEARCH, 0.95 if Intent.SEARCH in cues else 0.8
        # Without a slot a "how do I ..." question is about using the service, not a search.
        if Intent.HELP in cues:
            return Intent.HELP, 0.85
        if Intent.SEARCH in cues:
            return Intent.SEARCH, 0.6
        if Intent.GREETING in cues:
            return Intent.GREETING, 0.9
        return Intent.UNKNOWN, 0.3
