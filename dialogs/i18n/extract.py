"""Extract the translatable strings into messages.pot and merge them into the ar, fr, en catalogs.

`python -m dialogs.i18n.extract` rewrites the template and updates the .po files;
`--check` writes nothing and exits 1 when a locale lacks a translation.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.catalog.vocabulary import LANGUAGES

I18N_DIR = Path(__file__).parent
ROOT = I18N_DIR.parents[1]
LOCALES_DIR = I18N_DIR / "locales"
POT_PATH = I18N_DIR / "messages.pot"
DOMAIN = "messages"
SOURCE_DIRS = ("core", "dialogs", "bots", "web", "payments", "admin_cli")
TEMPLATES_DIR = "web/templates"
# Python goes through our own method, which takes only real calls (see python_calls.py).
PYTHON_METHOD = "dialogs.i18n.python_calls:extract"
# `t` also matches `ctx.t(...)`: the last name of the callee counts, and only in a call.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "t": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "plural": (1, 2),
}
TEMPLATE_KEYWORDS = {**KEYWORDS, "_": None}
COMMENT_TAGS = ("i18n:",)  # `# i18n: ...` above a string becomes a note for translators
WIDTH = 100
PROJECT = "Mounasabet"
TEMPLATE_COMMENT = """\
# Translation template for Mounasabet, written by `python -m dialogs.i18n.extract`.
# Do not edit: change the strings in the code and run the extraction again."""
PO_COMMENT = """\
# Translations template for Mounasabet (see dialogs/i18n/README.md).
# Translate msgstr only; msgids and the list of entries come from the extraction."""


def extract_template(root: Path = ROOT) -> Catalog:
    """Every msgid in the sources and the Jinja templates, if any, in memory."""
    template = _new_catalog(None, TEMPLATE_COMMENT)
    for path, lineno, message, comments, context in _extract(root):
        template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def _extract(root: Path) -> Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    sources = [(name, [("**.py", PYTHON_METHOD)], KEYWORDS) for name in SOURCE_DIRS]
    if (root / TEMPLATES_DIR).is_dir():
        method = "jinja2.ext.babel_extract"
        templates = [("**.html", method), ("**.txt", method)]
        sources.append((TEMPLATES_DIR, templates, TEMPLATE_KEYWORDS))
    for name, method_map, keywords in sources:
        if not (root / name).is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            root / name,
            method_map=method_map,
            keywords=keywords,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        ):
            yield f"{name}/{Path(filename).as_posix()}", lineno, message, comments, context


def _new_catalog(locale: str | None, comment: str) -> Catalog:
    """An empty catalog; with a locale, Babel also fills in its Plural-Forms."""
    return Catalog(
        locale=locale,
        header_comment=comment,
        project=PROJECT,
        last_translator="Mounasabet team",
        language_team="Mounasabet",
        charset="utf-8",
        fuzzy=locale is None,
    )


def render(catalog: Catalog) -> bytes:
    """The file text: sorted, 100 columns, file names without line numbers (small diffs)."""
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, sort_output=True, include_lineno=False)
    return out.getvalue()


def po_path(locale: str, root: Path = LOCALES_DIR) -> Path:
    return root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def updated(locale: str, template: Catalog, root: Path = LOCALES_DIR) -> Catalog:
    """The locale's catalog merged with ``template``; translations are kept, never guessed."""
    path = po_path(locale, root)
    catalog = read_catalog(path, locale) if path.exists() else _new_catalog(locale, PO_COMMENT)
    for key, message in list(catalog.obsolete.items()):
        if template.get(message.id, message.context) is not None:
            del catalog.obsolete[key]  # a string that came back keeps its old translation
            catalog[message.id] = message
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def _keep_creation_date(template: Catalog) -> None:
    """Reuse the old POT-Creation-Date when nothing else changed, so reruns change no file."""
    if not POT_PATH.exists():
        return
    old_bytes = POT_PATH.read_bytes()
    now = template.creation_date
    template.creation_date = read_catalog(POT_PATH).creation_date
    if render(template) != old_bytes:
        template.creation_date = now


def write_all(template: Catalog) -> list[Path]:
    _keep_creation_date(template)
    POT_PATH.write_bytes(render(template))
    written = [POT_PATH]
    for locale in LANGUAGES:
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(updated(locale, template)))
        written.append(path)
    return written


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, list | tuple):
        return tuple(message.string)
    return (message.string or "",)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(template: Catalog, catalogs: dict[str, Catalog]) -> Iterable[str]:
    """One line per msgid that a locale lacks, leaves empty or fuzzy, or whose {fields} differ."""
    for locale, catalog in catalogs.items():
        for wanted in template:
            if not wanted.id:
                continue
            found = catalog.get(wanted.id, wanted.context)
            strings = _strings(found) if found is not None else ()
            if found is None or found.fuzzy or not all(strings):
                yield f"{locale}: untranslated: {_ids(wanted)[0]!r}"
                continue
            optional = {"n"} if len(_ids(wanted)) > 1 else set()  # "one booking" needs no {n}
            try:
                expected = set().union(*(fields(s) for s in _ids(wanted)))
                if any(fields(s) - expected or expected - optional - fields(s) for s in strings):
                    yield f"{locale}: placeholders differ: {_ids(wanted)[0]!r}"
            except ValueError:
                yield f"{locale}: unbalanced braces: {_ids(wanted)[0]!r}"


def check(root: Path = LOCALES_DIR) -> list[str]:
    catalogs = {locale: _existing(locale, root) for locale in LANGUAGES}
    return list(problems(extract_template(), catalogs))


def _existing(locale: str, root: Path) -> Catalog:
    path = po_path(locale, root)
    return read_catalog(path, locale) if path.exists() else Catalog(locale=locale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dialogs.i18n.extract", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; list the gaps")
    args = parser.parse_args(argv)
    if args.check:
        found = check()
        for line in found:
            print(line, file=sys.stderr)
        print(f"{len(found)} problem(s) in {', '.join(LANGUAGES)}", file=sys.stderr)
        return 1 if found else 0
    template = extract_template()
    for path in write_all(template):
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    print(f"{sum(1 for m in template if m.id)} msgids", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
