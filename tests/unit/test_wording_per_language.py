"""Lines each language words its own way (walks of 2026-12-06).

The line "My bookings" shows under a booking with new terms proposed: its parts are
clauses that hold commas of their own (Arabic dates do), so they are set apart as each
language does, "؛" in Arabic where French and English write ";". A cancellation policy
says when its refund applies, its number agreeing with "days" in Arabic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.booking.proposals import ProposalTerms
from dialogs.client.mybookings import PROPOSAL_WAITING, proposal_summary
from dialogs.i18n.translator import translator
from dialogs.provider.service_text import policy_text

TERMS = ProposalTerms(
    id=1,
    booking_id=1,
    reference="MSB-7K3Q",
    old_date=date(2027, 6, 14),
    new_date=date(2027, 6, 20),
    old_total=500_000,
    new_total=450_000,
    currency="MAD",
    status="pending",
    created_at=datetime(2027, 1, 5, tzinfo=UTC),
)


@pytest.mark.parametrize(("language", "between"), [("ar", "؛ "), ("fr", "; "), ("en", "; ")])
def test_the_proposed_terms_are_set_apart_as_the_language_does(language: str, between: str) -> None:
    t = translator(language)
    date_line = (
        t("Date")
        + ": "
        + t("{old} → {new}", old=t.date(TERMS.old_date), new=t.date(TERMS.new_date))
    )
    total_line = (
        t("Total")
        + ": "
        + t("{old} → {new}", old=t.money(500_000, "MAD"), new=t.money(450_000, "MAD"))
    )
    summary = proposal_summary(TERMS, t)
    assert summary == t(PROPOSAL_WAITING) + " " + date_line + between + total_line
    assert (";" in summary) == (language != "ar")


def test_a_providers_cancellation_policy_says_when_the_refund_applies() -> None:
    """The service card said "100 % back from 30 days before" (Arabic: "ابتداءً من",
    "starting from", and "7 يومًا" against the grammar): now worded as the site's, with
    the number agreeing."""
    assert policy_text("moderate", translator("en")) == (
        "Moderate: 100 % back if cancelled 30 days or more before, "
        "50 % back if cancelled 7 days or more before, nothing later"
    )
    arabic = policy_text("moderate", translator("ar"))
    assert "ابتداءً" not in arabic
    assert "بـ\u206830\u2069 يومًا أو أكثر" in arabic and "بـ\u20687\u2069 أيام أو أكثر" in arabic
