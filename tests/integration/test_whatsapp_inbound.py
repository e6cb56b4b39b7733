"""Reading Twilio's inbound form, guessing a newcomer's language, and template settings."""

from __future__ import annotations

import pytest

from bots.whatsapp.addresses import chat_key, phone_of
from bots.whatsapp.channel import as_command, guess_language, parse_inbound
from bots.whatsapp.templates import TemplateBook

SID = "SM" + "3" * 32


def test_a_text_message_is_read_with_its_sender_in_e164() -> None:
    message = parse_inbound(
        {
            "MessageSid": SID,
            "From": "whatsapp:+212 6 12 34 56 78",
            "Body": "Bonjour",
            "ProfileName": "Salma",
            "NumMedia": "0",
            "SomethingTwilioAddedLater": "x",
        }
    )
    assert message is not None
    assert (message.sid, message.phone, message.text, message.payload) == (
        SID,
        "+212612345678",
        "Bonjour",
        None,
    )
    assert message.profile_name == "Salma"


@pytest.mark.parametrize("field", ["ButtonPayload", "ListId"])
def test_a_tapped_button_or_list_item_brings_back_its_payload(field: str) -> None:
    form = {"MessageSid": SID, "From": "whatsapp:+212612345678", "Body": "Rabat"}
    message = parse_inbound(form | {field: "4|city:rabat"})
    assert message is not None and (message.payload, message.text) == ("4|city:rabat", None)


def test_media_urls_are_kept_and_non_whatsapp_senders_ignored() -> None:
    form = {"MessageSid": SID, "From": "whatsapp:+212612345678", "NumMedia": "2"}
    form |= {"MediaUrl0": "https://api.twilio.com/m0", "MediaUrl1": "https://api.twilio.com/m1"}
    message = parse_inbound(form)
    assert message is not None
    assert message.media == ("https://api.twilio.com/m0", "https://api.twilio.com/m1")
    assert parse_inbound({"MessageSid": SID, "From": "+212612345678", "Body": "sms"}) is None
    assert parse_inbound({"MessageSid": SID, "From": "whatsapp:not-a-number"}) is None
    assert parse_inbound({"From": "whatsapp:+212612345678"}) is None


def test_phone_numbers_and_conversation_keys() -> None:
    assert phone_of("whatsapp:+33612345678") == "+33612345678"
    assert phone_of("whatsapp:+999123456789") == "+999123456789"  # unknown range, E.164 shape
    assert chat_key("+212612345678", "client") == "+212612345678"
    assert chat_key("+212612345678", "provider") == "provider:+212612345678"


def test_a_newcomers_language_comes_from_the_script_then_the_country() -> None:
    def guess(phone: str, text: str) -> str:
        message = parse_inbound({"MessageSid": SID, "From": f"whatsapp:{phone}", "Body": text})
        assert message is not None
        return guess_language(message)

    assert guess("+212612345678", "السلام عليكم") == "ar"
    assert guess("+212612345678", "Salam") == "fr"
    assert guess("+447911123456", "Hello") == "en"


def test_a_wa_me_code_opens_like_a_telegram_deep_link() -> None:
    assert as_command("p-studio-atlas__s-site") == "/start p-studio-atlas__s-site"
    assert as_command("Bonjour") == "Bonjour"
    assert as_command("photographe à Rabat") == "photographe à Rabat"


@pytest.mark.parametrize(
    "text",
    [
        "بغيت نسجل كمقدم خدمة",  # "I want to register as a provider" (Darija)
        "Je voudrais m'inscrire comme prestataire",
        "je veux devenir prestataire",
        "How do I register as a provider?",
        "inscription",
    ],
)
def test_i_want_to_register_as_a_provider_opens_the_sign_up(text: str) -> None:
    """Said in a sentence, it got "I didn't understand" (walk of 2026-12-06)."""
    assert as_command(text) == "/register"


@pytest.mark.parametrize(
    "text",
    [
        "comment joindre le prestataire ?",  # reaching one, not becoming one
        "the provider did not register my booking",
        "photographe à Rabat",
    ],
)
def test_a_provider_named_without_signing_up_is_no_sign_up(text: str) -> None:
    assert as_command(text) == text


def test_template_settings_are_checked_when_the_app_starts() -> None:
    book = TemplateBook(
        {
            "booking_accepted:fr": "HX1",
            "provider.booking_cancelled": {"sid": "HX2", "variables": ["ref", "date"]},
        }
    )
    assert book.find("booking_accepted", "client", "fr") is not None
    assert book.find("booking_accepted", "client", "ar") is None
    found = book.find("booking_cancelled", "provider", "ar")
    assert found is not None and (found.sid, found.variables) == ("HX2", ("ref", "date"))
    assert book.find("booking_cancelled", "client", "fr") is None
    with pytest.raises(ValueError, match="HX"):
        TemplateBook({"booking_accepted": "SM123"})
    with pytest.raises(ValueError, match="unknown variables"):
        TemplateBook({"booking_accepted": {"sid": "HX1", "variables": ["iban"]}})
