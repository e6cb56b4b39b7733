"""Issue 19: payment and invoice links are buttons that open the page on Telegram, and no
typed option on WhatsApp (the link is in the text)."""

from __future__ import annotations

from pathlib import Path

from bots.telegram.render import keyboard
from bots.whatsapp.render import text_pages
from dialogs.framework.options import option_list
from dialogs.framework.replies import Button, Reply, link_button, reply_from_json

PAGE = "https://checkout.stripe.com/c/pay/cs_test_a1"


def paying(url: str) -> Reply:
    text = f"Payez ici: {url}"
    pay = link_button("💳 Payer l'acompte", url, "g|pay:7")
    return Reply(text, ((pay,), (Button("Voir la réservation", "g|bk:7"),)), meta={"locale": "fr"})


def test_telegram_opens_the_payment_page_from_a_url_button() -> None:
    markup = keyboard(paying(PAGE))
    assert markup == {
        "inline_keyboard": [
            [{"text": "💳 Payer l'acompte", "url": PAGE}],
            [{"text": "Voir la réservation", "callback_data": "g|bk:7"}],
        ]
    }


def test_a_local_http_link_is_asked_for_by_the_button_instead() -> None:
    markup = keyboard(paying("http://127.0.0.1:8080/pay/cs_1"))
    assert markup == {
        "inline_keyboard": [
            [{"text": "💳 Payer l'acompte", "callback_data": "g|pay:7"}],
            [{"text": "Voir la réservation", "callback_data": "g|bk:7"}],
        ]
    }
    invoice = Reply("Facture", ((link_button("📄 Ouvrir la facture", "http://x/1.pdf"),),))
    assert keyboard(invoice) is None  # nothing to press: the document itself is sent


def test_whatsapp_numbers_no_link_and_shows_it_in_the_text(tmp_path: Path) -> None:
    reply = paying(PAGE)
    assert option_list(reply) == [["Voir la réservation", "g|bk:7"]]
    (page,) = text_pages(reply)
    assert page == f"Payez ici: {PAGE}\n\n1. Voir la réservation"


def test_a_link_button_survives_the_outbox() -> None:
    reply = paying(PAGE)
    assert reply_from_json(reply.to_json()).buttons == reply.buttons
