"""Arabic counts take six forms, each with its own grammar (dialogs/i18n/README.md):
0, 1 (واحد), 2 (the dual), 3–10 (plural, genitive: 3 أيام), 11–99 (singular, accusative:
11 يومًا, 11 حجزًا) and 100–102, 200–202… (singular, genitive: 100 يوم).

The catalog's Plural-Forms header puts 100–102 at index 4 and 11–99 at index 5 (Babel's
CLDR order has them the other way round): a translation written in CLDR order showed
"11 يوم" and "100 يومًا" (the policy line of the site's provider page).
"""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from dialogs.i18n.build import LOCALES_DIR
from dialogs.i18n.translator import FSI, PDI, translator

AR = translator("ar")
COUNTS = (0, 1, 2, 3, 11, 100)
IDS = [f"n={n}" for n in COUNTS]


def ar_plural(singular: str, plural: str, n: int, **params: object) -> str:
    # Numbers are wrapped in directional isolates in right-to-left text; not the point here.
    return AR.plural(singular, plural, n, **params).replace(FSI, "").replace(PDI, "")


@pytest.mark.parametrize(
    ("n", "expected"),
    list(
        zip(
            COUNTS,
            [
                "عند الإلغاء قبل المناسبة بـ0 يوم أو أكثر",
                "عند الإلغاء قبل المناسبة بيوم (1) أو أكثر",
                "عند الإلغاء قبل المناسبة بيومين (2) أو أكثر",
                "عند الإلغاء قبل المناسبة بـ3 أيام أو أكثر",
                "عند الإلغاء قبل المناسبة بـ11 يومًا أو أكثر",
                "عند الإلغاء قبل المناسبة بـ100 يوم أو أكثر",
            ],
            strict=True,
        )
    ),
    ids=IDS,
)
def test_days_before_the_event(n: int, expected: str) -> None:
    text = ar_plural(
        "Cancelled {n} day or more before the event: {share} of what you paid is refunded.",
        "Cancelled {n} days or more before the event: {share} of what you paid is refunded.",
        n,
        share="50 %",
    )
    assert text.startswith(expected + ":")


@pytest.mark.parametrize(
    ("n", "expected"),
    list(
        zip(
            COUNTS,
            [
                "ليس لهذه الخدمة أي حجز جارٍ",
                "لهذه الخدمة حجز جارٍ واحد",
                "لهذه الخدمة حجزان جاريان",
                "لهذه الخدمة 3 حجوزات جارية",
                "لهذه الخدمة 11 حجزًا جاريًا",
                "لهذه الخدمة 100 حجز جارٍ",
            ],
            strict=True,
        )
    ),
    ids=IDS,
)
def test_bookings_under_way(n: int, expected: str) -> None:
    text = ar_plural(
        "This service has {n} booking under way, so it can't be deleted. You can"
        " pause it instead: clients no longer see it, and your booking stays as it is.",
        "This service has {n} bookings under way, so it can't be deleted. You can"
        " pause it instead: clients no longer see it, and your bookings stay as they"
        " are.",
        n,
    )
    assert text.startswith(expected + "،")


@pytest.mark.parametrize(
    ("n", "expected"),
    list(
        zip(
            COUNTS,
            [
                "استرجاع كامل حتى 0 يوم قبلها",
                "استرجاع كامل حتى يوم (1) قبلها",
                "استرجاع كامل حتى يومين (2) قبلها",
                "استرجاع كامل حتى 3 أيام قبلها",
                "استرجاع كامل حتى 11 يومًا قبلها",
                "استرجاع كامل حتى 100 يوم قبلها",
            ],
            strict=True,
        )
    ),
    ids=IDS,
)
def test_full_refund_days(n: int, expected: str) -> None:
    text = ar_plural("full refund up to {n} day before", "full refund up to {n} days before", n)
    assert text == expected


def test_every_arabic_plural_has_six_forms_and_the_right_form_for_11_to_99() -> None:
    """Each msgid_plural of the ar catalog: six non-empty forms; the 11–99 form (index 5 in
    this catalog) differs from the 3–10 one (index 3), which takes the plural noun."""
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    plurals = [m for m in catalog if m.id and m.pluralizable]
    assert plurals
    for message in plurals:
        forms = message.string
        assert isinstance(forms, tuple | list), message.id
        assert len(forms) == 6 and all(forms), message.id
        assert forms[5] != forms[3], message.id
