"""The sandbox page's own words, in the language chosen on the page (issue 14): the page
asks for them (``/sandbox/api/labels``) and puts them in place of its English ones."""

from __future__ import annotations

from bots.sandbox.time_travel import TIME_LABELS
from dialogs.i18n.translator import N_, translator

PAGE_LABELS: dict[str, str] = {
    "intro": N_(
        "The real client and provider bots, chatting locally. Nothing leaves this machine."
    ),
    "client": N_("Client"),
    "provider": N_("Provider"),
    "language": N_("Language"),
    "new_client": N_("New client"),
    "new_client_hint": N_("Start over as a new client"),
    "act_as": N_("Act as"),
    "choose_provider": N_("Choose a provider…"),
    "new_provider": N_("A new provider (sign up)"),
    "start": N_("Start"),
    "send": N_("Send"),
    "type_client": N_("Type a message, or /start"),
    "type_provider": N_("Choose a provider, then press Start"),
    "choose_first": N_("Choose a provider first."),
    "attach_photo": N_("Send a photo"),
    # The inline form standing in for Telegram's "share contact" button.
    "share_phone": N_("Share my phone number"),
    "phone_to_share": N_("Phone number to share"),
    "share": N_("Share"),
    "photo_failed": N_("The photo could not be sent:"),
    **TIME_LABELS,
}


def page_labels(locale: str) -> dict[str, object]:
    """The page's words in ``locale``, and which way its text runs."""
    t = translator(locale)
    return {
        "language": t.locale,
        "dir": "rtl" if t.rtl else "ltr",
        "labels": {key: t(msgid) for key, msgid in PAGE_LABELS.items()},
    }
