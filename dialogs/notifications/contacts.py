"""Each side's contact for the other, in chat, from the deposit on (issue 14).

The phone goes in the text in its international form: Telegram and WhatsApp both make
such a number tappable to call (a Telegram URL button can't hold a ``tel:`` link).
"""

from __future__ import annotations

from core.booking.contacts import PartyContact
from core.notifications.outbox import Envelope
from dialogs.i18n.translator import N_, Translator

# The news that hands each side the other's contact, and how it is introduced.
CONTACT_KINDS = frozenset({"deposit_paid"})
INTRODUCTIONS = {
    "client": N_("Your provider: {name}. Phone: {phone}"),
    "provider": N_("Your client: {name}. Phone: {phone}"),
}
# A party without a phone (a provider who signed up without sharing one): no "Phone: —".
WITHOUT_PHONE = {
    "client": N_("Your provider: {name}. Our support team can put you in touch."),
    "provider": N_("Your client: {name}. Our support team can put you in touch."),
}


def contact_audience(envelope: Envelope) -> str | None:
    """Whose contact this news carries: the other party's, for its audience."""
    if envelope.kind not in CONTACT_KINDS:
        return None
    audience = envelope.payload.get("audience")
    return str(audience) if audience in INTRODUCTIONS else None


def party_name(party: PartyContact, t: Translator) -> str:
    return party.name or t.pick(party.names) or "—"


def party_phone(party: PartyContact, t: Translator) -> str:
    # Isolated: in Arabic text the "+" stays on the number's left.
    return t.isolate(party.phone) if party.phone else "—"


def contact_line(audience: str, party: PartyContact | None, t: Translator) -> str:
    """The line to add under the news, or "" when there is no contact to give."""
    if audience not in INTRODUCTIONS or party is None:
        return ""
    if not party.phone:
        return "\n\n" + t(WITHOUT_PHONE[audience], name=party_name(party, t))
    return "\n\n" + t(
        INTRODUCTIONS[audience], name=party_name(party, t), phone=party_phone(party, t)
    )
