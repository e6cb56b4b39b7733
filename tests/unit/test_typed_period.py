"""A period typed at once (dialogs/provider/typed_period.py): its two days' texts, and a
first day given by its number alone."""

from datetime import date

import pytest

from dialogs.provider.typed_period import day_before, period_parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # Normalized, as the NLU reads them: lower case, no accents.
        ("du 1er au 10 août", ("1er", "10 aout")),
        ("from 28 July to 3 August", ("28 july", "3 august")),
        ("من 1 حتى 5 دجنبر", ("1", "5 دجنبر")),
        ("من 1 إلى 10 غشت", ("1", "10 غشت")),
        ("1-10/08", ("1", "10/08")),
        ("1er février", None),
        ("14/06", None),
        ("au", None),
    ],
)
def test_the_two_days_of_a_period(text: str, parts: tuple[str, str] | None) -> None:
    assert period_parts(text) == parts


def test_a_first_day_by_its_number_takes_the_last_day_s_month_or_the_one_before() -> None:
    assert day_before("1er", date(2026, 8, 10)) == date(2026, 8, 1)
    assert day_before("28", date(2026, 8, 3)) == date(2026, 7, 28)  # "du 28 au 3 août"
    assert day_before("31", date(2026, 3, 2)) is None  # no 31 February, nor 31 March before
    assert day_before("1er août", date(2026, 8, 10)) is None  # more than a number: the NLU's
