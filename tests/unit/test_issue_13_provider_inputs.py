"""Issue 13: what a provider types for a proposal's total and a delivery's proof."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.booking.delivery_proof import Proof, proof_from_url
from core.errors import InvalidValue
from dialogs.i18n.translator import translator
from dialogs.provider.booking_card import time_left
from dialogs.provider.propose import parse_amount


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("4500", 450_000),
        ("4 500", 450_000),
        ("4\u202f500 DH", 450_000),  # a narrow no-break space, as French formats it
        ("4.500", 450_000),  # three digits after a separator: thousands
        ("4,500", 450_000),
        ("12.000.000", 1_200_000_000),
        ("4500,50", 450_050),
        ("4500.5", 450_050),
        ("4500 MAD", 450_000),
        ("4500 درهم", 450_000),
        ("١٢٠٠", 120_000),  # Arabic-Indic digits
        ("4500,555", None),  # neither thousands nor cents
        ("4,500.50", None),  # two conventions at once: ask again rather than guess
        ("-5", None),
        ("1e5", None),
        ("abc", None),
        ("", None),
    ],
)
def test_totals_as_people_type_them(typed: str, minor: int | None) -> None:
    assert parse_amount(typed, "MAD") == minor


@pytest.mark.parametrize(
    ("typed", "proof"),
    [
        (
            "https://photos.example.com/a/final.JPG",
            Proof("photo", "https://photos.example.com/a/final.JPG"),
        ),
        (" http://example.com/x.webp ", Proof("photo", "http://example.com/x.webp")),
        (
            "https://gallery.example.com/wedding",
            Proof("link", "https://gallery.example.com/wedding"),
        ),
        (
            "https://example.com/video.mp4?x=.jpg",
            Proof("link", "https://example.com/video.mp4?x=.jpg"),
        ),
    ],
)
def test_a_link_is_a_proof_and_a_picture_link_a_photo(typed: str, proof: Proof) -> None:
    assert proof_from_url(typed) == proof


@pytest.mark.parametrize(
    "typed",
    [
        "photos.example.com/a.jpg",
        "ftp://example.com/a.jpg",
        "javascript:alert(1)",
        "https://",
        "https://exa mple.com/a.jpg",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        proof_from_url(typed)
    assert refused.value.key == "proof_not_a_link"


def test_time_left_never_goes_below_zero_and_reads_in_the_language() -> None:
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    fr, en = translator("fr"), translator("en")
    assert "3" in time_left(now + timedelta(hours=3), now, en) and "hour" in time_left(
        now + timedelta(hours=3), now, en
    )
    assert "heure" in time_left(now + timedelta(hours=3), now, fr)
    assert time_left(now - timedelta(hours=1), now, en) == time_left(now, now, en)
    assert time_left(None, now, en) == "—"
