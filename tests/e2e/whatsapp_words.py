"""A French client's request typed on WhatsApp, word by word, for the walks through the
webhook that start from one (tests/e2e/test_whatsapp_*_words.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

# From the greeting to the request's summary: a photographer in Rabat, its one service.
TO_THE_SUMMARY = (
    "Salut", "1", "photographe", "rabat", "dans deux semaines", "1", "1", "mariage", "150",
    "Salle Al Amal", "rien", "foo@example.ma",
)  # fmt: skip
A_REQUEST = (*TO_THE_SUMMARY, "envoyer")


def texts_of(says: Callable[[str], Awaitable[Sequence[Any]]]) -> Callable[[str], Awaitable[str]]:
    """``says`` (World.client_says, World.provider_says) as the bodies of what came back."""

    async def said(text: str) -> str:
        return "\n".join(m.body or "" for m in await says(text))

    return said
