"""What payments needs from the translation layer, injected by the composition root.

``payments`` and ``dialogs`` sit side by side and may not import each other; the bots
hand us ``dialogs.i18n.translator.translator``. Strings here are still extracted into
the catalogs: the extractor looks for ``t(...)`` and ``N_(...)`` calls in payments/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol


class Translate(Protocol):
    locale: str

    def __call__(self, msgid: str, **params: object) -> str: ...

    @property
    def rtl(self) -> bool: ...

    def date(self, value: date, fmt: str = "full") -> str: ...

    def time(self, value: datetime) -> str: ...

    def money(self, amount_minor: int, currency: str = "MAD") -> str: ...

    def pick(self, texts: dict[str, str] | None) -> str: ...


Translations = Callable[[str], Translate]


def N_(msgid: str) -> str:
    """Marks a string for extraction where it is translated later."""
    return msgid
