"""The questions clients ask most, answered once for the site's FAQ page and the bot
(issue 14): both show these entries, so the site and the chat say the same thing. The
topics are those dialogs/nlu/asked.py recognises in a message."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.i18n.translator import N_


@dataclass(frozen=True, slots=True)
class FaqEntry:
    topic: str
    question: str  # msgids, translated where shown
    answer: str


FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        "booking",
        N_("How do I book?"),
        N_(
            "You can choose an option, or simply write what you need, for example: "
            '"photographer in Rabat on 14 June for 200 guests".'
        ),
    ),
    FaqEntry(
        "free_date",
        N_("Is the date really free?"),
        N_(
            "The dates shown come from the provider's calendar and bookings. The provider "
            "still accepts or declines your request, and the date is held while they decide."
        ),
    ),
    FaqEntry(
        "payment",
        N_("How do I pay? Can I pay in cash?"),
        N_(
            "You pay by card through a secure link: the deposit when the provider accepts, "
            "the balance after the event, each with an invoice. Payments are not made in "
            "cash: paying through Mounasabet is what protects your money if something goes "
            "wrong."
        ),
    ),
    FaqEntry(
        "deposit",
        N_("How does the deposit work?"),
        N_(
            "The deposit is a share of the total, shown before you send your request. Once "
            "it is paid the booking is confirmed and the date is yours; the rest is paid "
            "after the event, once you have confirmed it went well."
        ),
    ),
    FaqEntry(
        "cancellation",
        N_("Can I cancel?"),
        N_(
            "Yes, from your bookings in the chat. What is refunded follows the provider's "
            "cancellation policy, shown on their page."
        ),
    ),
    FaqEntry(
        "price",
        N_("How much does it cost?"),
        N_(
            "Each provider sets their own prices: you see them on their profile and in the "
            "search results. Before you send a request, its summary shows the total, the "
            "deposit and what is left to pay after the event. You can also give a budget "
            "when you search."
        ),
    ),
    FaqEntry(
        "human",
        N_("How do I talk to a person?"),
        N_(
            "Our team answers you in this chat: tap Support (or write /support), say what "
            "it is about, and describe it in a few words."
        ),
    ),
)
FAQ_BY_TOPIC = {entry.topic: entry for entry in FAQ}
