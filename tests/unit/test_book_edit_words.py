"""The booking summary's field named in words (dialogs/client/book_edit_words.py), in each
language with the summary's own translated names."""

import pytest

from dialogs.client.book import _FIELD_NAMES, EDITABLE
from dialogs.client.book_edit_words import typed_field
from dialogs.i18n.translator import translator


@pytest.mark.parametrize(
    ("locale", "text", "field"),
    [
        ("fr", "modifier les invités", "guests"),
        ("fr", "le nombre d'invités", "guests"),
        ("fr", "changer la date", "date"),
        ("fr", "l'e-mail", "email"),
        ("fr", "Modifier le lieu", "venue"),
        ("en", "change the date", "date"),
        ("en", "edit my email", "email"),
        ("en", "number of guests", "guests"),
        ("ar", "بدل التاريخ", "date"),
        ("ar", "تعديل عدد الضيوف", "guests"),
        ("ar", "تغيير الهاتف", "phone"),
        # Nothing named, or no field: the summary asks again.
        ("fr", "modifier", None),
        ("fr", "Rabat", None),
        ("en", "please", None),
        ("ar", "بدل", None),
    ],
)
def test_the_field_a_client_names(locale: str, text: str, field: str | None) -> None:
    t = translator(locale)
    assert typed_field(text, EDITABLE, lambda f: t(_FIELD_NAMES[f])) == field


def test_only_a_field_the_summary_offers() -> None:
    t = translator("en")
    offered = [f for f in EDITABLE if f != "hours"]  # a service of fixed length
    assert typed_field("change the duration", offered, lambda f: t(_FIELD_NAMES[f])) is None
    assert typed_field("change the duration", EDITABLE, lambda f: t(_FIELD_NAMES[f])) == "hours"
