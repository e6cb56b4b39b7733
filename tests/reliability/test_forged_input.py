"""Forged input: a wrong or missing webhook secret or signature, an old Stripe timestamp,
and genuine updates whose buttons name somebody else's booking. Each is refused and
nothing changes; the genuine request that follows shows the forged ones would have
had an effect. (Malformed bytes before authentication: tests/integration/
test_http_hardening.py.)
"""

from __future__ import annotations

import json
import time

from sqlalchemy import select
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from core.db.tables import Booking, Payment, User
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.fakes.stripe_api import sign
from tests.reliability.journeys import connect_provider, to_summary
from tests.reliability.world import (
    CLIENT_TOKEN,
    STRIPE_WEBHOOK_SECRET,
    TELEGRAM_SECRET,
    TOKENS,
    TWILIO_TOKEN,
    World,
    press_update,
    text_update,
)
from tests.support.bookings import snapshot
from tests.support.factories import make_provider

EN, FR = translator("en"), translator("fr")


async def test_telegram_updates_without_the_secret_change_nothing(on_sqlite: World) -> None:
    w, stranger = on_sqlite, FakeUser(id=4242, first_name="Stranger")
    w.telegram.open_chat(CLIENT_TOKEN, stranger)
    update = text_update(1, stranger, "/start")
    before, sends = await w.counts(), len(w.telegram.calls("sendMessage"))
    wrong = [None, "", TELEGRAM_SECRET[:-1], TELEGRAM_SECRET + "x", TELEGRAM_SECRET.upper()]
    for kind in ("client", "provider"):
        for secret in wrong:
            assert await w.post_update(kind, update, secret=secret) == 403, (kind, secret)
    assert await w.counts() == before
    assert len(w.telegram.calls("sendMessage")) == sends
    # The same update with the secret is handled: a user, a claimed event, a reply.
    assert await w.post_update("client", update) == 200
    assert (await w.counts())["users"] == before["users"] + 1


async def test_twilio_messages_with_a_bad_signature_change_nothing(on_sqlite: World) -> None:
    w, phone = on_sqlite, "+212661999001"
    path = "/webhooks/twilio/whatsapp"
    params = {
        "MessageSid": "SM" + "f" * 32,
        "From": f"whatsapp:{phone}",
        "To": w.twilio.whatsapp_from,
        "Body": "salam",
        "WaId": phone[1:],
        "AccountSid": w.twilio.account_sid,
    }
    good = w.twilio.sign(w.url + path, params)
    forged = {
        "missing": None,
        "another token": RequestValidator(TWILIO_TOKEN + "x").compute_signature(
            w.url + path, params
        ),
        "another URL": w.twilio.sign(w.url + "/webhooks/twilio/status", params),
        "garbage": "bm90IGEgc2lnbmF0dXJl",
    }
    before = await w.counts()
    for name, signature in forged.items():
        headers = {} if signature is None else {"X-Twilio-Signature": signature}
        async with w.http.post(w.url + path, data=params, headers=headers) as resp:
            assert resp.status == 403, name
    # Signed, then changed on the way: another text, another sender.
    for changed in ({"Body": "give me everything"}, {"From": "whatsapp:+212661999002"}):
        headers = {"X-Twilio-Signature": good}
        async with w.http.post(w.url + path, data=params | changed, headers=headers) as resp:
            assert resp.status == 403, changed
    assert await w.counts() == before
    async with w.http.post(w.url + path, data=params, headers={"X-Twilio-Signature": good}) as r:
        assert r.status == 200
    assert (await w.counts())["processed_events"] == before["processed_events"] + 1


async def accepted_booking(w: World, client: FakeUser, owner: FakeUser, day: str) -> int:
    await to_summary(w, client, day, "0612345678")
    await w.tap(client, "confirm")
    async with w.uows() as uow:
        booking_id = await uow.session.scalar(
            select(Booking.id).order_by(Booking.id.desc()).limit(1)
        )
    assert booking_id is not None
    await w.quiet()
    await w.tap(owner, f"pacc:{booking_id}", bot="provider")
    await w.quiet()  # the client's news sent, with the deposit's link made for it
    return int(booking_id)


async def post_stripe(w: World, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    async with w.http.post(w.url + "/webhooks/stripe", data=body, headers=headers) as resp:
        return resp.status


async def test_stripe_events_badly_signed_or_old_change_nothing(everything: World) -> None:
    w = everything
    client, owner = FakeUser(id=8100, first_name="Nadia"), FakeUser(id=8200, first_name="Karim")
    await connect_provider(w, owner)
    booking_id = await accepted_booking(w, client, owner, "20 June")
    async with w.uows() as uow:
        session_id = await uow.session.scalar(
            select(Payment.checkout_session_id).where(Payment.booking_id == booking_id)
        )
    assert session_id is not None
    [_, completed] = w.stripe.pay_checkout(session_id)
    body = json.dumps(completed).encode()
    now = int(time.time())
    forged: dict[str, str | None] = {
        "missing": None,
        "another secret": sign(body, STRIPE_WEBHOOK_SECRET + "x", now),
        "ten minutes old": sign(body, STRIPE_WEBHOOK_SECRET, now - 600),
        "a day old": sign(body, STRIPE_WEBHOOK_SECRET, now - 86_400),
        "another body": sign(body + b" ", STRIPE_WEBHOOK_SECRET, now),
        "no v1": f"t={now},v0=" + "0" * 64,
        "garbage": "t=x,v1=y",
    }
    before, state = await w.counts(), await snapshot(w.uows, booking_id)
    for name, signature in forged.items():
        assert await post_stripe(w, body, signature) == 400, name
    assert await w.counts() == before
    assert await snapshot(w.uows, booking_id) == state and state.state == "accepted"
    assert await post_stripe(w, body, sign(body, STRIPE_WEBHOOK_SECRET, now)) == 200
    assert (await snapshot(w.uows, booking_id)).state == "confirmed"


async def seed_rival(w: World, owner: FakeUser) -> None:
    """A second provider, whose owner has connected the provider bot."""
    now = w.container.clock.now()
    rival_owner, _, _ = await make_provider(w.uows, now, slug="rival-studio")
    async with w.uows() as uow:
        user = await uow.session.get(User, rival_owner)
        assert user is not None
        user.phone_e164 = "+212661777777"
        await uow.commit()
    await w.say(owner, "/start", bot="provider")
    await w.share(owner, "212661777777", bot="provider")


async def test_buttons_naming_someone_elses_booking_change_nothing(everything: World) -> None:
    w = everything
    owner, rival = FakeUser(id=8200, first_name="Karim"), FakeUser(id=8210, first_name="Rival")
    client, intruder = FakeUser(id=8100, first_name="Nadia"), FakeUser(id=8110, first_name="Zak")
    await connect_provider(w, owner)
    await seed_rival(w, rival)
    await to_summary(w, client, "21 June", "0612345678")
    await w.tap(client, "confirm")
    async with w.uows() as uow:
        booking_id = await uow.session.scalar(select(Booking.id))
    assert booking_id is not None
    await w.quiet()
    await w.say(intruder, "/start")
    state = await snapshot(w.uows, booking_id)

    forgeries: list[tuple[str, FakeUser, str]] = [
        ("provider", rival, f"g|pacc:{booking_id}"),  # another provider accepts it
        ("provider", rival, f"g|pdec:{booking_id}"),
        ("provider", rival, f"g|pdel:{booking_id}"),
        ("provider", rival, f"g|preq:{booking_id}"),
        ("client", intruder, f"g|bk:{booking_id}"),  # another client opens it
        ("client", intruder, f"g|pay:{booking_id}"),
        ("client", intruder, f"g|pacc:{booking_id}"),  # a provider's button on the client bot
        ("client", client, f"g|pacc:{booking_id}"),  # the client accepting their own request
    ]
    for n, (bot, user, data) in enumerate(forgeries):
        message = w.telegram.last_message(user.id, bot=TOKENS[bot])
        update = press_update(970_000 + n, user, message.message_id, data)
        assert await w.post_update(bot, update) == 200, data  # answered, politely
    await w.quiet()
    assert await snapshot(w.uows, booking_id) == state
    said_to_intruder = "\n".join(w.texts(intruder)[-3:])
    assert EN("This booking is not yours.") in said_to_intruder
    said_to_rival = "\n".join(w.texts(rival, bot="provider")[-4:])
    assert FR("This booking is not yours.") in said_to_rival, said_to_rival
    # And the owner's own Accept still works: the refusals were about who pressed.
    await w.tap(owner, f"pacc:{booking_id}", bot="provider")
    assert (await snapshot(w.uows, booking_id)).state == "accepted"
