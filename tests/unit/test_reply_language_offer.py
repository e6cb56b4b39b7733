"""The offer to keep the language a message was written in goes with the screen it came
with (dialogs/framework/reply_language.py, `with_offer`)."""

from __future__ import annotations

from dialogs.framework.replies import Button, Document, Reply
from dialogs.framework.reply_language import with_offer

OFFER = Reply("كتبتم بالعربية. هل نواصل بالعربية؟", ((Button("العربية", "g|lang:ar"),),))
SCREEN = Reply(
    "الطلبات",
    ((Button("الحجوزات", "1|pdash"),), (Button("رجوع", "1|nav:back"),)),
)


def test_the_offer_ends_the_last_screen_its_button_above_back_and_cancel() -> None:
    first = Reply("تم")
    joined = with_offer([first, SCREEN], OFFER)
    assert joined[0] is first and len(joined) == 2
    assert joined[1].text == SCREEN.text + "\n\n" + OFFER.text
    choices, navigation = SCREEN.buttons
    assert joined[1].buttons == (choices, *OFFER.buttons, navigation)
    bare = Reply("الرئيسية", ((Button("الحجوزات", "1|pdash"),),))  # no navigation: last
    assert with_offer([bare], OFFER)[0].buttons == (*bare.buttons, *OFFER.buttons)


def test_apart_from_a_contact_keyboard_or_a_document() -> None:
    asking = Reply("شاركوا رقمكم", request_contact=True)
    assert with_offer([asking], OFFER) == [asking, OFFER]
    invoice = Reply("الفاتورة", document=Document("invoice.pdf", "https://x/i.pdf"))
    assert with_offer([invoice], OFFER) == [invoice, OFFER]


def test_a_reply_without_text_takes_the_offer_as_its_text() -> None:
    photos = Reply("", photos=("https://x/1.jpg",))
    assert with_offer([photos], OFFER)[0].text == OFFER.text


def test_no_offer_or_no_screen_changes_nothing() -> None:
    assert with_offer([SCREEN], None) == [SCREEN]
    assert with_offer([], OFFER) == []
