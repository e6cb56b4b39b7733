"""WhatsApp addresses: Twilio's ``whatsapp:+E164``, our identity and conversation keys."""

from __future__ import annotations

import re

from core.errors import InvalidValue
from core.people.users import normalize_phone

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def phone_of(address: str) -> str | None:
    """The E.164 number of ``whatsapp:+212…``; None for anything else (SMS, garbage)."""
    if not address.startswith(PREFIX):
        return None
    raw = address[len(PREFIX) :].strip()
    try:
        return normalize_phone(raw)
    except InvalidValue:
        # Twilio vouches for the number; a range our phone library does not know yet
        # is still the sender's, as long as it has E.164's shape.
        return raw if _E164.fullmatch(raw) else None


def address_of(phone: str) -> str:
    return phone if phone.startswith(PREFIX) else PREFIX + phone


def chat_key(phone: str, audience: str) -> str:
    """One number, two conversations: a provider's menus never share a client's state."""
    return f"provider:{phone}" if audience == "provider" else phone
