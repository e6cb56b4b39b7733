"""A field of the booking summary named in words: "modifier les invités", "changer la
date", "the email", "بدل التاريخ". On WhatsApp the summary's "Edit: Guests" is option 4 of
ten, and people write what they want changed instead; the option's own label, typed
exactly, is read by dialogs/framework/options.py already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dialogs.framework.options import fold, without_article

# Words around a field's name that say nothing of which field: the verb asking for the
# change and the articles and possessives before the name (folded, see options.fold).
EDIT_VERBS = frozenset(
    {"modifier", "modifie", "changer", "change", "corriger", "edit", "modify", "fix", "correct"}
    | {"update", "تعديل", "عدل", "غير", "تغيير", "بدل", "bdel", "bddel", "badel"}
)
FILLERS = frozenset(
    {"le", "la", "les", "l", "mon", "ma", "mes", "de", "du", "des", "d", "nombre", "svp"}
    | {"the", "my", "number", "of", "please", "a", "an", "dyal", "ديال", "عدد"}
)


def typed_field(text: str, fields: Iterable[str], name_of: Callable[[str], str]) -> str | None:
    """The one field among ``fields`` whose (translated) name ``text`` is, once the verb
    and the articles are left out; None when it names none, or only a verb."""
    words = [w for w in without_article(fold(text)).split() if w not in FILLERS]
    named = "".join(w for w in words if w not in EDIT_VERBS)
    if not named:
        return None
    found = [f for f in fields if _squeezed(name_of(f)) == named]
    return found[0] if len(found) == 1 else None


def _squeezed(name: str) -> str:
    """ "E-mail" and "email" alike: folded, articles and spaces left out."""
    return "".join(without_article(fold(name)).split())
