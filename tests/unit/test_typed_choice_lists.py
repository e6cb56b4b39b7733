"""Several options typed in one message ("1, 3", "Rabat et Fès") for the steps that take
several choices (dialogs/framework/options.chosen_options)."""

from __future__ import annotations

import pytest

from dialogs.framework.options import chosen_option, chosen_options

OPTIONS = [
    ["Casablanca", "5|t:casablanca"],
    ["✓ Rabat", "5|t:rabat"],
    ["Fès", "5|t:fes"],
    ["El Jadida", "5|t:el_jadida"],
    ["Continuer »", "5|next"],
    ["« Retour", "5|nav:back"],
    ["✖ Annuler", "5|nav:cancel"],
]


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("1, 3", ["casablanca", "fes"]),
        ("1,3", ["casablanca", "fes"]),
        ("1 3", ["casablanca", "fes"]),
        ("1 ; 2 ; 4", ["casablanca", "rabat", "el_jadida"]),
        ("1/3", ["casablanca", "fes"]),
        ("١، ٣", ["casablanca", "fes"]),  # Arabic-Indic digits, Arabic comma
        ("Rabat et Fès", ["rabat", "fes"]),
        ("rabat and fes", ["rabat", "fes"]),
        ("Casablanca و El Jadida", ["casablanca", "el_jadida"]),
        ("El Jadida, 1", ["el_jadida", "casablanca"]),
        ("3, 3, 1", ["fes", "casablanca"]),  # a repeat counts once
        ("2, 5", ["rabat", "next"]),  # Continue is an option: the step decides
    ],
)
def test_a_typed_list_names_each_option_by_number_or_label(typed: str, codes: list[str]) -> None:
    payloads = chosen_options(OPTIONS, typed)
    assert payloads is not None
    assert [p.partition("|")[2].removeprefix("t:") for p in payloads] == codes


@pytest.mark.parametrize(
    "typed",
    [
        "1",  # one option: chosen_option's business
        "Rabat",
        "El Jadida",  # a label with a space is one option, not two
        "1, 9",  # past the end: nothing is taken
        "1, Tanger",  # a city not shown
        "1, retour",  # Back or Cancel in a list is no choice
        "1 2 trois",
        ", ,",
        "1, " + "2, " * 120,  # too long to be a list of choices
    ],
)
def test_anything_else_is_no_list(typed: str) -> None:
    assert chosen_options(OPTIONS, typed) is None


def test_without_options_shown_nothing_is_a_list() -> None:
    assert chosen_options([], "1, 2") is None


ARABIC = [
    ["الحلويات", "3|t:pastry"],
    ["الرباط", "3|t:rabat"],
    ["مصور فوتوغرافي", "3|t:photographer"],
    ["متابعة »", "3|next"],
]


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("حلويات", "3|t:pastry"),  # the label without its article
        ("الحلويات", "3|t:pastry"),
        ("رباط", "3|t:rabat"),
        ("المصور فوتوغرافي", "3|t:photographer"),  # with one it did not have
        ("حلوى", None),  # another word is still none of them
    ],
)
def test_an_arabic_label_is_read_with_or_without_its_article(typed: str, payload: str) -> None:
    assert chosen_option(ARABIC, typed) == payload


def test_a_typed_list_of_arabic_labels_without_articles() -> None:
    assert chosen_options(ARABIC, "حلويات و رباط") == ["3|t:pastry", "3|t:rabat"]
