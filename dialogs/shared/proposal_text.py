"""A counter-proposal's terms in words: what the provider changes, old and new. Shown to
both sides (the provider's card, the client's news and "My bookings"), so it is shared."""

from __future__ import annotations

from core.booking.proposals import ProposalTerms
from dialogs.i18n.translator import Translator


def proposal_lines(terms: ProposalTerms, t: Translator) -> list[str]:
    """Old and new terms, only what changes."""
    lines = []
    if terms.new_date != terms.old_date:
        lines.append(
            t("Date")
            + ": "
            + t("{old} → {new}", old=t.date(terms.old_date), new=t.date(terms.new_date))
        )
    if terms.new_total != terms.old_total:
        lines.append(
            t("Total")
            + ": "
            + t(
                "{old} → {new}",
                old=t.money(terms.old_total, terms.currency),
                new=t.money(terms.new_total, terms.currency),
            )
        )
    return lines


def proposal_note(terms: ProposalTerms, t: Translator, audience: str) -> list[str]:
    """The provider's words about the change, as typed (the client's answer may rest on
    them): "The provider's message" to the client, "Your message" to the provider."""
    if not terms.note:
        return []
    label = t("Your message") if audience == "provider" else t("The provider's message")
    return [label + ": " + t.isolate(terms.note)]


def answer_note(terms: ProposalTerms, t: Translator) -> list[str]:
    """The client's words when refusing, for the provider's history of the booking."""
    if not terms.answer_note:
        return []
    return [t("The client's answer") + ": " + t.isolate(terms.answer_note)]
