"""The "View booking" button under news: each side opens the booking in its own bot, the
client's under ``bk`` and the provider's under ``pbk`` (a code the other bot does not have
would be answered as a stale button)."""

from __future__ import annotations

from typing import Final, Literal

from core.rows import Booking
from dialogs.framework.context import global_button
from dialogs.framework.replies import Button
from dialogs.i18n.translator import Translator

Audience = Literal["client", "provider"]
VIEW_CODES: Final[dict[Audience, str]] = {"client": "bk", "provider": "pbk"}


def view_button(booking: Booking, t: Translator, audience: Audience = "client") -> Button:
    return global_button(t("View booking"), f"{VIEW_CODES[audience]}:{booking.id}")
