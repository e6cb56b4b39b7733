"""The ar, fr and en catalogs: complete, placeholders intact, compiled, .mo never committed.

A failure here usually means a string was added or changed in the code: run
`python -m dialogs.i18n.extract`, translate the new msgids in the three .po files
(dialogs/i18n/README.md), then `python -m dialogs.i18n.build`.
"""

from __future__ import annotations

import shutil
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from core.catalog.vocabulary import LANGUAGES
from dialogs.i18n import translator as translator_module
from dialogs.i18n.build import compile_catalogs
from dialogs.i18n.extract import (
    LOCALES_DIR,
    ROOT,
    extract_template,
    po_path,
    problems,
    read_catalog,
    render,
    updated,
)
from dialogs.i18n.translator import Translator


@pytest.fixture(scope="module")
def template() -> Catalog:
    """What the code asks to translate right now, extracted in memory."""
    return extract_template()


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {locale: read_catalog(po_path(locale), locale) for locale in LANGUAGES}


def ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, list | tuple):
        return tuple(message.string)
    return (message.string or "",)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_msgid_in_the_code_is_translated_in_every_locale(
    template: Catalog, catalogs: dict[str, Catalog]
) -> None:
    gaps = []
    for locale, catalog in catalogs.items():
        for wanted in template:
            if not wanted.id:
                continue
            found = catalog.get(wanted.id, wanted.context)
            if found is None:
                gaps.append(f"{locale}: missing {ids(wanted)[0]!r}")
            elif found.fuzzy or not all(strings(found)):
                gaps.append(f"{locale}: untranslated {ids(wanted)[0]!r}")
    assert not gaps, "run `python -m dialogs.i18n.extract`, then translate:\n" + "\n".join(gaps)


def test_translations_keep_the_placeholders_of_their_msgid(catalogs: dict[str, Catalog]) -> None:
    wrong = []
    for locale, catalog in catalogs.items():
        for message in catalog:
            if not message.id or not all(strings(message)):
                continue
            # A plural form may leave out {n} ("one booking"); a singular string may not.
            optional = {"n"} if len(ids(message)) > 1 else set()
            try:
                expected = set().union(*(fields(text) for text in ids(message)))
                for text in strings(message):
                    got = fields(text)
                    if got - expected or expected - optional - got:
                        wrong.append(f"{locale}: {ids(message)[0]!r} -> {text!r}")
            except ValueError as error:  # a lone { or } that str.format would choke on
                wrong.append(f"{locale}: {ids(message)[0]!r}: {error}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_extraction_reads_every_translation_call(tmp_path: Path) -> None:
    source = tmp_path / "dialogs" / "flows"
    source.mkdir(parents=True)
    (source / "sample.py").write_text(
        "LABEL = N_('Marked')\n"
        "def f(ctx, t, n, name):\n"
        "    ctx.t('Through the context', x=t('Nested'))\n"
        "    t.plural('One booking', '{n} bookings', n)\n"
        "    t(name)  # not a literal: nothing to extract\n",
        encoding="utf-8",
    )
    found = {message.id for message in extract_template(tmp_path) if message.id}
    assert found == {"Marked", "Through the context", "Nested", ("One booking", "{n} bookings")}
    assert extract_template(tmp_path)["Marked"].locations == [("dialogs/flows/sample.py", 1)]


def test_only_real_calls_become_msgids(tmp_path: Path) -> None:
    """Babel 2.19's token scanner took `t["min_days_before"]` for a call of `t`."""
    source = tmp_path / "core" / "domain"
    source.mkdir(parents=True)
    (source / "sample.py").write_text(
        "def f(t, rows):\n"
        "    days = t['min_days_before']\n"
        "    share = t ['refund_bp'] + rows[0]['x']\n"
        "    t = 'a local named t'\n"
        "    pair = (t, 'next to t, not called')\n"
        "    for t in rows: print(t, 'loop variable named t')\n"
        "    lookup = {'t': 'a dict key'}.get('t')\n"
        "    return ctx.t('Called through the context'), t('Called')\n",
        encoding="utf-8",
    )

    found = {message.id for message in extract_template(tmp_path) if message.id}

    assert found == {"Called through the context", "Called"}


def test_the_check_names_the_untranslated_msgid_and_its_locale(template: Catalog) -> None:
    french = Catalog(locale="fr")
    for message in template:
        if message.id and message.id != "Cancel":
            french.add(message.id, "x", context=message.context)
    french.add("{n} guests", "{count} invités")

    found = list(problems(template, {"fr": french}))

    assert "fr: untranslated: 'Cancel'" in found
    assert "fr: placeholders differ: '{n} guests'" in found


def test_update_keeps_translations_and_guesses_none(tmp_path: Path) -> None:
    old = Catalog(locale="fr")
    old.add("Cancel", "Annuler")
    old.add("Please choose a city", "Choisissez une ville")  # the msgid has since changed
    old.obsolete["Back"] = Message("Back", "Retour")  # removed once, now used again
    po_path("fr", tmp_path).parent.mkdir(parents=True)
    po_path("fr", tmp_path).write_bytes(render(old))
    template = Catalog()
    for msgid in ("Cancel", "Back", "Please choose a city."):
        template.add(msgid, locations=[("dialogs/x.py", 1)])

    new = updated("fr", template, tmp_path)

    assert {m.id: m.string or "" for m in new if m.id} == {
        "Cancel": "Annuler",
        "Back": "Retour",
        "Please choose a city.": "",
    }
    assert not any(m.fuzzy for m in new if m.id)
    assert list(new.obsolete) == ["Please choose a city"]


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The catalogs compiled into a copy, and the translator pointed at it."""
    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root, ignore=shutil.ignore_patterns("*.mo"))
    compile_catalogs(root)
    monkeypatch.setattr(translator_module, "LOCALES_DIR", root)
    translator_module._load.cache_clear()
    yield root
    translator_module._load.cache_clear()
    translator_module.translator.cache_clear()


def test_compiled_catalogs_speak_arabic_french_and_english(
    compiled: Path, catalogs: dict[str, Catalog]
) -> None:
    assert sorted(p.parent.parent.name for p in compiled.glob("*/LC_MESSAGES/messages.mo")) == [
        "ar",
        "en",
        "fr",
    ]
    ar, fr, en = Translator("ar"), Translator("fr"), Translator("en")

    assert ar("Cancel") == catalogs["ar"]["Cancel"].string
    assert any("\u0600" <= ch <= "\u06ff" for ch in ar("Cancel"))
    assert fr("Cancel") == catalogs["fr"]["Cancel"].string != "Cancel"
    assert en("Cancel") == "Cancel"
    assert fr("{n} guests", n=120) == str(catalogs["fr"]["{n} guests"].string).format(n=120)
    assert "120" in ar("{n} guests", n=120)
    assert ar.rtl
    assert not fr.rtl
    assert not en.rtl


def test_no_compiled_catalog_is_committed() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        [git, "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert tracked.split() == [], ".mo files are build products: `git rm --cached` them"
