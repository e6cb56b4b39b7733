"""Issue 19 on Telegram: navigation edits the screen in place, and the contact keyboard goes.

Through the fake Bot API behind our real webhook: the fake keeps each message as edited and
the custom keyboard the user's app shows, as Telegram does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.clock import FixedClock
from core.db.tables import OutboxMessage
from core.notifications.outbox import OutboxStatus
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    PROVIDER_TOKEN,
    TelegramApp,
    assert_wire_clean,
    eventually,
)

SALMA = FakeUser(id=2101, first_name="Salma", language_code="fr")
OMAR = FakeUser(id=2102, first_name="Omar", language_code="en")
KARIM = FakeUser(id=3101, first_name="Karim", language_code="fr")
FR, EN = translator("fr"), translator("en")
ASK_PHONE = "Which phone number can the provider call? Share your contact or type it."


@pytest.fixture
def tg_options() -> dict[str, Any]:
    return {"paging": 7}  # the results' pages as the tests page them


async def to_phone_step(tg: TelegramApp, user: FakeUser) -> None:
    await tg.say(user, f"/start p-{tg.provider.slug}")
    await tg.tap(user, f"book:{tg.provider.service_id}")
    await tg.tap(user, "evt:wedding")
    await tg.say(user, "14 juin")
    await tg.tap(user, "gst:100")
    await tg.tap(user, "city:rabat")
    await tg.say(user, "Salle des fêtes")
    await tg.say(user, "Rien de plus")
    assert FR(ASK_PHONE) in (tg.texts(user)[-2])


def keyboard_shown(tg: TelegramApp, user: FakeUser, bot: str = CLIENT_TOKEN) -> bool:
    shown = tg.fake.reply_keyboard(user.id, bot=bot) or {}
    return any(b.get("request_contact") for row in shown.get("keyboard", []) for b in row)


# ---- the contact keyboard ------------------------------------------------------------------


async def test_sharing_the_phone_removes_the_contact_keyboard(tg: TelegramApp) -> None:
    await to_phone_step(tg, SALMA)
    assert keyboard_shown(tg, SALMA)
    before = len(tg.fake.calls("sendMessage", bot=CLIENT_TOKEN))

    await tg.share(SALMA, "212612345678")
    after = tg.fake.calls("sendMessage", bot=CLIENT_TOKEN)[before:]
    # The next bot message takes the keyboard away; the email question keeps its buttons.
    assert after[0].params["reply_markup"] == {"remove_keyboard": True}
    assert not keyboard_shown(tg, SALMA)
    assert tg.fake.reply_keyboard(SALMA.id, bot=CLIENT_TOKEN) is None
    email = tg.last(SALMA)
    assert email.text == FR("Your email address for the invoice? (optional)")
    assert any(d.endswith("|skip") for d in email.callback_data())
    assert_wire_clean(tg.fake)


async def test_a_typed_phone_removes_it_too_and_it_does_not_come_back(tg: TelegramApp) -> None:
    await to_phone_step(tg, SALMA)
    await tg.say(SALMA, "0612345678")
    assert not keyboard_shown(tg, SALMA)
    removals = [
        c
        for c in tg.fake.calls("sendMessage", bot=CLIENT_TOKEN)
        if c.params.get("reply_markup") == {"remove_keyboard": True}
    ]
    await tg.tap(SALMA, "skip")  # no email: the summary, and no second removal
    assert len(removals) == 1
    later = [
        c
        for c in tg.fake.calls("sendMessage", bot=CLIENT_TOKEN)
        if c.params.get("reply_markup") == {"remove_keyboard": True}
    ]
    assert later == removals
    assert_wire_clean(tg.fake)


async def test_a_wrong_phone_keeps_the_keyboard_to_try_again(tg: TelegramApp) -> None:
    await to_phone_step(tg, SALMA)
    await tg.say(SALMA, "pas de téléphone")
    assert keyboard_shown(tg, SALMA)  # asked again, with the button still there


async def test_the_provider_bot_removes_it_once_connected(tg: TelegramApp) -> None:
    await tg.say(KARIM, "/start", bot="provider")
    assert keyboard_shown(tg, KARIM, PROVIDER_TOKEN)
    await tg.share(KARIM, "212661234567", bot="provider")
    assert FR("Your account is connected.") in tg.texts(KARIM, bot="provider")
    assert not keyboard_shown(tg, KARIM, PROVIDER_TOKEN)
    assert_wire_clean(tg.fake)


# ---- navigation in place -------------------------------------------------------------------


async def test_menu_items_back_filters_and_paging_edit_the_same_message(tg: TelegramApp) -> None:
    fake = tg.fake
    await tg.say(OMAR, "/start")
    screen = tg.last(OMAR)
    count = len(fake.sent_to(OMAR.id))

    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await tg.tap(OMAR, code, message=screen)
    assert EN("Page {page} of {pages}", page=1, pages=2) in (screen.text or "")
    await tg.tap(OMAR, "page:next", message=screen)
    await tg.tap(OMAR, "flt:budget", message=screen)  # a filter's own screen
    assert "budget" in (screen.text or "").lower()
    await tg.tap(OMAR, "nav:back", message=screen)  # and back to the results, on page 2
    assert EN("Page {page} of {pages}", page=2, pages=2) in (screen.text or "")

    assert len(fake.sent_to(OMAR.id)) == count  # not one new message...
    edits = fake.edits(OMAR.id)
    assert len(edits) == 7 and {e.message_id for e in edits} == {screen.message_id}  # ...edits
    assert all(e.method == "editMessageText" for e in edits)
    assert len(fake.callback_answers()) == 7
    assert_wire_clean(fake)


async def test_cancel_says_so_below_and_takes_the_old_buttons_away(tg: TelegramApp) -> None:
    fake = tg.fake
    await tg.say(OMAR, "/start")
    await tg.tap(OMAR, "m:find")
    screen = tg.last(OMAR)
    count = len(fake.sent_to(OMAR.id))

    await tg.tap(OMAR, "nav:cancel", message=screen)
    # "Cancelled." is news: it and the menu come as new messages, under the old screen,
    # whose buttons go so that only one menu is live.
    texts = [m.text for m in fake.sent_to(OMAR.id)[count:]]
    assert texts[0] == EN("Cancelled.") and len(texts) == 2
    assert screen.callback_data() == []
    assert [e.method for e in fake.edits(OMAR.id)][-1] == "editMessageReplyMarkup"
    assert tg.last(OMAR).callback_data()  # the new menu has its buttons
    assert_wire_clean(fake)


async def test_help_keeps_the_screen_and_its_buttons(tg: TelegramApp) -> None:
    await tg.say(OMAR, "/start")
    await tg.tap(OMAR, "m:find")
    screen = tg.last(OMAR)
    edits = len(tg.fake.edits(OMAR.id))
    await tg.say(OMAR, "/help")  # typed: a new message, the screen above is untouched
    assert len(tg.fake.edits(OMAR.id)) == edits
    assert any(d.endswith("|cat:photographer") for d in screen.callback_data())


async def test_a_screen_older_than_48_hours_is_answered_below(
    tg: TelegramApp, clock: FixedClock
) -> None:
    fake = tg.fake
    await tg.say(OMAR, "/start")
    menu = tg.last(OMAR)
    count = len(fake.sent_to(OMAR.id))

    # The menu's kept reply is recorded sent by the chat journal's next batch: jumping 49
    # hours before that (a loaded machine) makes its hold look run out, and the outbox
    # worker sends the menu again. Real time never jumps; this test's clock does.
    async def menu_recorded_sent() -> bool:
        return await tg.count(OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0

    await eventually(menu_recorded_sent, what="the menu's reply recorded as sent")
    clock.advance(timedelta(hours=49))

    await tg.tap(OMAR, "m:find", message=menu)
    assert fake.calls("editMessageText") == [] and fake.calls("editMessageReplyMarkup") == []
    assert len(fake.sent_to(OMAR.id)) == count + 1
    assert tg.last(OMAR).text == EN("What are you looking for?")
    assert_wire_clean(fake)
