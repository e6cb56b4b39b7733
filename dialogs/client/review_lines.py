"""The latest reviews as lines of the chat's provider profile."""

from __future__ import annotations

from collections.abc import Iterable

from core.booking.review_reads import ReviewLine
from dialogs.client.review import stars
from dialogs.i18n.translator import Translator


def review_lines(reviews: Iterable[ReviewLine], t: Translator) -> list[str]:
    """``★★★★☆ Nadia B., 3 June 2026: "Lovely photos"`` and the provider's reply under it."""
    lines = []
    for review in reviews:
        who = review.author or t("a client")
        when = t.date(review.day, "medium")
        line = f"{stars(review.stars)} {who}, {when}"
        if review.comment:
            line += f": “{review.comment}”"
        lines.append(line)
        if review.reply:
            lines.append("   ↳ " + t("Reply: {text}", text=review.reply))
    return lines
