"""Issue 12 item 7: the answer to "how many guests?" is one whole number or a reason."""

from __future__ import annotations

import pytest

from dialogs.nlu.guest_answer import GuestProblem, read_guest_answer, read_guest_code


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("200", 200),
        ("٢٠٠", 200),
        ("۲۰۰ شخص", 200),
        ("200 personnes", 200),
        ("150 ضيف", 150),
        ("environ 150 invités", 150),
        ("invités: 80", 80),
        ("1 200", 1200),
        ("1.200", 1200),
        ("0", 0),  # a number, refused by the bounds, not by the reader
        # round counts in words, as people answer
        ("mia", 100),
        ("une centaine", 100),
        ("environ une centaine de personnes", 100),
        ("تقريبا مية", 100),
        ("ميتين", 200),
        ("tlt mia", 300),
        ("khamsin nefer", 50),
    ],
)
def test_one_count(text: str, count: int) -> None:
    assert read_guest_answer(text).count == count


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-5", GuestProblem.UNREADABLE),
        ("+5", GuestProblem.UNREADABLE),
        ("10^9", GuestProblem.UNREADABLE),
        ("1e9", GuestProblem.UNREADABLE),
        ("10²", GuestProblem.UNREADABLE),
        ("12.5", GuestProblem.UNREADABLE),
        ("200+", GuestProblem.UNREADABLE),
        ("1234567", GuestProblem.UNREADABLE),
        ("06 61 23 45 67", GuestProblem.UNREADABLE),
        ("lots", GuestProblem.UNREADABLE),
        ("2-3", GuestProblem.RANGE),
        ("200 à 300", GuestProblem.RANGE),
        ("200 ou 300 invités", GuestProblem.RANGE),
        ("between 200 and 300", GuestProblem.RANGE),
        ("بين 200 و 300", GuestProblem.RANGE),
    ],
)
def test_not_one_count(text: str, problem: GuestProblem) -> None:
    assert read_guest_answer(text).count is None
    assert read_guest_answer(text).problem is problem


@pytest.mark.parametrize(
    ("payload", "count"),
    [("gst:150", 150), ("gst:-5", None), ("gst:٥", None), ("gst:", None), ("gst:1e3", None)],
)
def test_button_payloads(payload: str, count: int | None) -> None:
    assert read_guest_code(payload) == count
