"""A Babel extraction method for Python that reads the syntax tree, not the tokens.

Babel's own Python extractor scans tokens: it takes any name that matches a keyword and
is followed by a bracket for a call. Since Babel 2.19 that includes subscripts, so
`t["min_days_before"]` on a dict that happens to be named `t` became a msgid. Here only a
real call expression counts — `t("…")`, `ctx.t("…")`, `t.plural("…", "…", n)` — so a
subscript, an attribute read or a variable that shares a keyword's name never does.
"""

from __future__ import annotations

import ast
import tokenize
from collections.abc import Collection, Iterator, Mapping
from io import BytesIO
from typing import IO, Any

# (line, keyword, one entry per positional argument: the literal or None, comments)
Found = tuple[int, str, tuple[str | None, ...], list[str]]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Found]:
    """Babel's extraction-method signature; Babel applies each keyword's argument spec."""
    source = fileobj.read()
    tree = ast.parse(source, type_comments=False)
    comments = _tagged_comments(source, comment_tags)
    for node in ast.walk(tree):
        name = _callee_name(node)
        if name is None or name not in keywords:
            continue
        assert isinstance(node, ast.Call)
        args = tuple(_literal(arg) for arg in node.args)
        if any(arg is not None for arg in args):
            yield node.lineno, name, args, comments.get(node.lineno - 1, [])


def _callee_name(node: ast.AST) -> str | None:
    """`t` for `t(…)` and `ctx.t(…)`; None for anything that is not a call."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    """A plain string literal (implicit concatenation included); f-strings are not msgids."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _tagged_comments(source: bytes, tags: Collection[str]) -> dict[int, list[str]]:
    """`# i18n: note` on the line above a call becomes a note for translators."""
    notes: dict[int, list[str]] = {}
    if not tags:
        return notes
    for token in tokenize.tokenize(BytesIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string.lstrip("#").strip()
        if any(text.startswith(tag) for tag in tags):
            notes.setdefault(token.start[0], []).append(text)
    return notes
