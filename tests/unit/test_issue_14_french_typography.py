"""Issue 14 polish: French typography is one rule across the fr catalog. The code joins a
translated label and its value with ": " ("Prestataire: Studio Atlas"), so the catalog
writes no space before ":" "?" "!" ";" either: never "Note : 4,9/5" beside "Note: 4,9/5"."""

from __future__ import annotations

import re

from dialogs.i18n.extract import po_path, read_catalog

SPACE_BEFORE_HIGH_PUNCTUATION = re.compile(r"[ \u00a0\u202f]+[:?!;]")


def test_no_space_before_colon_question_or_exclamation_mark_in_french() -> None:
    catalog = read_catalog(po_path("fr"), "fr")
    found = []
    for message in catalog:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, list | tuple) else (message.string,)
        found += [text for text in texts if text and SPACE_BEFORE_HIGH_PUNCTUATION.search(text)]
    assert found == [], f"{len(found)} French strings space their punctuation, e.g. {found[:3]}"


def test_the_rule_sees_every_kind_of_space() -> None:
    for text in ("Note : 4,9/5", "Note\u00a0: 4,9/5", "Merci\u202f!", "Prêt ?"):
        assert SPACE_BEFORE_HIGH_PUNCTUATION.search(text)
    assert not SPACE_BEFORE_HIGH_PUNCTUATION.search("Note: 4,9/5 à 20:30, « Studio »")
