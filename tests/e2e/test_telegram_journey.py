"""A client books through the Telegram client bot, the provider accepts from the provider bot.

Everything goes through the real webhook routes of our app over loopback HTTP: the fake
Bot API posts the users' updates to ``/webhooks/telegram/{client,provider}`` with the secret
header, our bots answer by calling the fake back as they would call Telegram, and the
app's own outbox worker delivers the notifications.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.db.tables import Booking, ChannelIdentity, OutboxMessage, User
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import translator
from dialogs.notifications.render import CLIENT_TEXT, NEW_REQUEST
from tests.fakes import FakeUser
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    PROVIDER_TOKEN,
    TelegramApp,
    assert_wire_clean,
    eventually,
)

SALMA = FakeUser(id=2001, first_name="Salma", language_code="fr", username="salma")
KARIM = FakeUser(id=3001, first_name="Karim", language_code="fr")
OMAR = FakeUser(id=2002, first_name="Omar", language_code="en")
USER_HTML = "<b>hi</b> & co"  # typed by the client: must come back as text, not markup


@pytest.fixture
def tg_options() -> dict[str, Any]:
    return {"paging": 7}  # the results' pages as the tests page them


async def client_user(tg: TelegramApp, user: FakeUser) -> User:
    identities = await tg.rows(
        ChannelIdentity,
        ChannelIdentity.channel == "telegram_client",
        ChannelIdentity.external_id == str(user.id),
    )
    assert len(identities) == 1
    found = await tg.rows(User, User.id == identities[0].user_id)
    return found[0]


async def test_deep_link_booking_accepted_in_french(tg: TelegramApp) -> None:
    fake, fr = tg.fake, translator("fr")

    # The provider connects his Telegram account by sharing the phone of his account.
    await tg.say(KARIM, "/start", bot="provider")
    ask = fake.calls("sendMessage", bot=PROVIDER_TOKEN)[-1].params["reply_markup"]
    assert ask["keyboard"][0][0]["request_contact"] is True
    await tg.share(KARIM, "212661234567", bot="provider")  # Telegram's form: no "+"
    assert fr("Your account is connected.") in tg.texts(KARIM, bot="provider")

    # The client opens the site's deep link: the provider's profile, the source recorded.
    await tg.say(SALMA, f"/start p-{tg.provider.slug}__s-site")
    assert (tg.last(SALMA).text or "").startswith("✦ studio-atlas")
    assert (await client_user(tg, SALMA)).source == "site"

    # The form, by buttons and by text.
    pressed = [
        await tg.tap(SALMA, f"book:{tg.provider.service_id}"),
        await tg.tap(SALMA, "evt:wedding"),
    ]
    await tg.say(SALMA, "14 juin")
    pressed += [await tg.tap(SALMA, "gst:100"), await tg.tap(SALMA, "city:rabat")]
    await tg.say(SALMA, USER_HTML)
    await tg.say(SALMA, "Photos de famille aussi")
    assert (
        fr("Which phone number can the provider call? Share your contact or type it.")
        in (tg.texts(SALMA)[-2])
    )
    contact = fake.calls("sendMessage", bot=CLIENT_TOKEN)[-1].params["reply_markup"]
    assert contact["keyboard"][0][0]["request_contact"] is True
    await tg.share(SALMA, "212612345678")
    pressed.append(await tg.tap(SALMA, "skip"))  # no email
    summary = tg.last(SALMA)
    assert summary.text is not None and fr("Please check your request:") in summary.text
    assert f"{fr('Place')}: {USER_HTML}\n" in summary.text  # escaped on the way, shown as typed
    assert summary.entities == []  # and no bold came out of it
    pressed.append(await tg.tap(SALMA, "confirm"))

    [booking] = await tg.rows(Booking)
    client = await client_user(tg, SALMA)
    assert (booking.state, booking.client_id, booking.venue) == ("requested", client.id, USER_HTML)
    assert (booking.guests, booking.contact_phone, client.locale) == (100, "+212612345678", "fr")
    sent = fr(
        "Your request {ref} has been sent ({state}). We will tell you here as soon as the "
        "provider answers.",
        ref=booking.reference,
        state=state_label("requested", fr),
    )
    assert sent in tg.texts(SALMA)

    # The outbox worker brings the request to the provider bot, with Accept / Decline.
    def request_arrived() -> bool:
        return any(
            (m.text or "").startswith(fr(NEW_REQUEST))
            for m in fake.sent_to(KARIM.id, bot=PROVIDER_TOKEN)
        )

    await eventually(request_arrived, what="the request on the provider bot")
    request = tg.last(KARIM, bot="provider")
    assert request.text is not None and booking.reference in request.text
    assert request.callback_data() == [
        f"g|pacc:{booking.id}",
        f"g|pdec:{booking.id}",
        f"g|ppro:{booking.id}",
    ]

    accepted = await tg.tap(KARIM, f"pacc:{booking.id}", bot="provider", message=request)
    pressed.append(accepted)
    [booking] = await tg.rows(Booking)
    assert booking.state == "accepted"
    confirmation = fr(
        "You accepted {ref}. The client has been asked to pay the deposit.", ref=booking.reference
    )
    assert confirmation in tg.texts(KARIM, bot="provider")
    # The press was answered once: by the webhook's reply (no round trip of its own), or
    # over HTTP when the step took longer than EARLY_ANSWER_AFTER (a loaded machine);
    # test_telegram_adapter pins down which path when.
    calls = fake.calls(bot=PROVIDER_TOKEN)
    answers = [
        c.source
        for c in calls
        if c.method == "answerCallbackQuery"
        and c.params["callback_query_id"] == accepted.callback_query_id
    ]
    assert answers in (["webhook-reply"], ["http"]), answers

    # The client hears it, in French, with a button to the booking.
    news = fr(
        CLIENT_TEXT["booking_accepted"],
        provider="studio-atlas",
        ref=booking.reference,
        deposit=fr.money(booking.deposit_minor, booking.currency),
    )
    await eventually(
        lambda: tg.texts(SALMA)[-1].startswith(news), what="the acceptance for the client"
    )
    assert news.startswith("Bonne nouvelle")
    pay_here = fr("Pay here: {url}", url=f"{tg.url}/pay/")
    assert pay_here in tg.texts(SALMA)[-1]  # the deposit link (offline gateway: no Stripe key)
    assert tg.last(SALMA).callback_data() == [f"g|pay:{booking.id}", f"g|bk:{booking.id}"]

    # The worker records "sent" just after the fake has the message: wait for the record.
    async def news_recorded_sent() -> bool:
        rows = await tg.rows(OutboxMessage)
        statuses = {m.kind: m.status for m in rows if m.kind != "direct_reply"}
        return statuses == {"booking_requested": "sent", "booking_accepted": "sent"}

    await eventually(news_recorded_sent, what="both news recorded as sent")
    rows = await tg.rows(OutboxMessage)
    # Every answer was kept with its step, sent at once and marked so (or is being marked).
    assert {m.status for m in rows if m.kind == "direct_reply"} <= {"sent", "sending"}

    # Every press got its answerCallbackQuery; every call was valid Telegram.
    answered_ids = sorted(a.query_id for a in fake.callback_answers())
    assert answered_ids == sorted(d.callback_query_id for d in pressed)
    assert_wire_clean(fake)


async def test_paging_edits_the_results_in_place(tg: TelegramApp) -> None:
    fake, en = tg.fake, translator("en")
    await tg.say(OMAR, "/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await tg.tap(OMAR, code)
    results = tg.last(OMAR)
    assert results.text is not None and en("Page {page} of {pages}", page=1, pages=2) in (
        results.text
    )
    sends, edits = len(fake.calls("sendMessage")), len(fake.edits(OMAR.id))

    await tg.tap(OMAR, "page:next", message=results)
    assert len(fake.calls("sendMessage")) == sends  # no new message...
    [edit] = fake.edits(OMAR.id)[edits:]
    assert (edit.method, edit.message_id) == ("editMessageText", results.message_id)  # ...an edit
    assert tg.last(OMAR).text is not None
    assert en("Page {page} of {pages}", page=2, pages=2) in (tg.last(OMAR).text or "")

    await tg.tap(OMAR, "page:prev", message=tg.last(OMAR))
    assert len(fake.edits(OMAR.id)) == edits + 2 and len(fake.calls("sendMessage")) == sends
    assert en("Page {page} of {pages}", page=1, pages=2) in (tg.last(OMAR).text or "")
    assert len(fake.callback_answers()) == 6
    assert_wire_clean(fake)


async def test_a_search_typed_on_a_profile_lists_its_results(tg: TelegramApp) -> None:
    """The navigation benchmark's last move (bench/telegram_mixes.py): a client on a
    provider's profile types a new search, and gets its results (discover.mmd draws
    profile --> results), from the first page and with what the text asked."""
    en = translator("en")
    await tg.say(OMAR, "/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any", "page:next"):
        await tg.tap(OMAR, code)
    assert en("Page {page} of {pages}", page=2, pages=2) in (tg.last(OMAR).text or "")
    opened = next(d for d in tg.last(OMAR).callback_data() if "|open:" in d)
    await tg.tap(OMAR, opened.partition("|")[2])
    assert any("|book:" in d for d in tg.last(OMAR).callback_data())  # the profile

    await tg.say(OMAR, "photographer in Rabat for 200 guests")
    results = tg.last(OMAR).text or ""
    head = en("{category} in {city}", category=en("Photographer"), city="Rabat")
    assert head + " (" + en("{n} guests", n="200") + ")" in results
    assert en("Page {page} of {pages}", page=1, pages=2) in results  # a new search: page 1
    assert_wire_clean(tg.fake)
