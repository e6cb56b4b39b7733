"""The WhatsApp channel over real HTTP: signed Twilio webhooks in, the outbox worker's
REST calls out to the fake Twilio API, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bots.outbox_router import ChannelRouter
from bots.rate_limit import SendLimiter
from bots.whatsapp.setup import WhatsApp, build_whatsapp
from bots.whatsapp.webhook import EMPTY_TWIML, INBOUND_PATH
from core.booking.actors import Actor
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import (
    Booking,
    ChannelIdentity,
    Conversation,
    Flag,
    OutboxMessage,
    Payment,
    ProcessedEvent,
    User,
)
from core.notifications.outbox import deliver_due
from core.payments.ports import Payments
from core.payments.sweeps import send_balance_reminders
from core.people.users import identified
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_dialogs
from dialogs.framework.confirm import NEWS_OVERLAP
from dialogs.framework.replies import Reply
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WHATSAPP_FROM,
    FakeTwilioAPI,
    SentMessage,
)
from tests.support.bookings import act, drive_to, request
from tests.support.factories import make_provider, make_user

PUBLIC = "https://mounasabet.example"  # what Twilio signs; the app listens on loopback
PHONE = "+212612345678"
PROVIDER_PHONE = "+212661000111"
TEMPLATE = "HX" + "a" * 32
DAY = date(2026, 6, 14)


@dataclass
class Stack:
    fake: FakeTwilioAPI
    whatsapp: WhatsApp
    uows: UnitOfWorkFactory
    clock: FixedClock
    router: ChannelRouter

    async def flush(self) -> int:
        """One round of the outbox worker."""
        return await deliver_due(self.uows, self.router, now=self.clock.now())

    async def say(self, phone: str, body: str = "", **kw: Any) -> list[SentMessage]:
        """``phone`` writes; returns what we sent back once the worker ran."""
        before = len(self.fake.messages)
        posted = await self.fake.user_sends(phone, body, **kw)
        assert posted.status == 200, posted.text
        await self.flush()
        return self.fake.messages[before:]

    async def count(self, table: type[Any]) -> int:
        async with self.uows() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)

    async def outbox(self) -> list[tuple[str, str, str | None, str | None]]:
        async with self.uows() as uow:
            rows = await uow.session.execute(
                select(
                    OutboxMessage.kind,
                    OutboxMessage.status,
                    OutboxMessage.external_id,
                    OutboxMessage.delivery_status,
                ).order_by(OutboxMessage.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]


@asynccontextmanager
async def whatsapp_stack(
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    tmp_path: Path,
    payments: Payments | None = None,
    **settings: Any,
) -> AsyncIterator[Stack]:
    async with FakeTwilioAPI(clock=clock, approved_templates={TEMPLATE}) as fake:
        config = Settings(
            _env_file=None,
            public_url=PUBLIC,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_from=WHATSAPP_FROM,
            twilio_api_url=fake.base_url,
            twilio_media_dir=str(tmp_path),
            **settings,
        )
        engines = build_dialogs(config, uows, clock, payments=payments).engines
        whatsapp = build_whatsapp(
            config, engines, uows, clock, limiter=SendLimiter(per_chat_interval=0)
        )
        app = web.Application()
        app.add_routes(whatsapp.routes())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        fake.connect(public_url=PUBLIC, local_url=f"http://{host}:{port}")
        router = ChannelRouter(uows, {"whatsapp": whatsapp.sender.deliver})
        try:
            yield Stack(fake, whatsapp, uows, clock, router)
        finally:
            await runner.cleanup()
            await whatsapp.close()


TEMPLATES = {"booking_accepted:fr": {"sid": TEMPLATE, "variables": ["ref", "provider", "deposit"]}}


@pytest.fixture
async def stack(uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Stack]:
    async with whatsapp_stack(uows, clock, tmp_path, twilio_templates=TEMPLATES) as s:
        yield s


async def user_by_phone(uows: UnitOfWorkFactory, phone: str) -> User:
    async with uows() as uow:
        user = await uow.session.scalar(select(User).where(User.phone_e164 == phone))
        assert user is not None
        uow.session.expunge(user)
        return user


async def test_a_signed_message_gets_empty_twiml_and_its_answer_through_the_outbox(
    stack: Stack,
) -> None:
    posted = await stack.fake.user_sends(PHONE, "Bonjour", profile_name="Amina")
    assert (posted.status, posted.text, posted.content_type) == (200, EMPTY_TWIML, "text/xml")
    # Nothing went to Twilio from the webhook: the answer waits in the outbox.
    assert stack.fake.messages == []
    assert [(k, s) for k, s, _, _ in await stack.outbox()] == [("direct_reply", "pending")]
    assert await stack.flush() == 1
    (answer,) = stack.fake.sent_to(PHONE)
    assert answer.body and "Mounasabet" in answer.body and "\n1. " in answer.body
    assert (await stack.outbox())[0][1:3] == ("sent", answer.sid)
    user = await user_by_phone(stack.uows, PHONE)
    assert (user.display_name, user.locale) == ("Amina", "fr")


@pytest.mark.parametrize("case", ["missing", "garbage", "tampered", "proxy_url", "other_token"])
async def test_a_bad_signature_gets_403_and_changes_nothing(stack: Stack, case: str) -> None:
    params = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{PHONE}",
        "To": WHATSAPP_FROM,
        "Body": "Bonjour",
        "NumMedia": "0",
    }
    signature = {
        "missing": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "tampered": stack.fake.sign(PUBLIC + INBOUND_PATH, params | {"Body": "Salut"}),
        # Signed for the address the proxy forwards to, not the one Twilio was given.
        "proxy_url": stack.fake.sign(stack.fake.webhooks.local_url + INBOUND_PATH, params)
        if stack.fake.webhooks
        else "",
        "other_token": FakeTwilioAPI(auth_token="another").sign(PUBLIC + INBOUND_PATH, params),
    }[case]
    posted = await stack.fake.post(INBOUND_PATH, params, signature=signature)
    status = await stack.fake.post("/webhooks/twilio/status", params, signature=signature)
    assert (posted.status, status.status) == (403, 403)
    for table in (User, ChannelIdentity, ProcessedEvent, OutboxMessage, Conversation):
        assert await stack.count(table) == 0, table


async def test_a_replayed_message_sid_changes_nothing(stack: Stack) -> None:
    sid = "SM" + "2" * 32
    await stack.say(PHONE, "Bonjour", sid=sid)
    await stack.say(PHONE, "1")  # into the search: the state moved on
    before = (await stack.outbox(), await stack.count(ProcessedEvent))
    async with stack.uows() as uow:
        version = await uow.session.scalar(select(Conversation.version))
    assert await stack.say(PHONE, "Bonjour", sid=sid) == []
    assert (await stack.outbox(), await stack.count(ProcessedEvent)) == before
    async with stack.uows() as uow:
        assert await uow.session.scalar(select(Conversation.version)) == version


async def test_the_same_number_on_telegram_and_whatsapp_is_one_user(
    stack: Stack, clock: FixedClock
) -> None:
    async with stack.uows() as uow:
        telegram = (
            await identified(
                uow,
                channel="telegram_client",
                external_id="1001",
                now=clock.now(),
                verified_phone=PHONE,
            )
        ).user
        await uow.commit()
        telegram_id = telegram.id
    await stack.say(PHONE, "Salam")
    async with stack.uows() as uow:
        rows = (
            await uow.session.execute(
                select(ChannelIdentity.channel, ChannelIdentity.external_id, User.id)
                .join(User, User.id == ChannelIdentity.user_id)
                .order_by(ChannelIdentity.channel)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("telegram_client", "1001", telegram_id),
        ("whatsapp", PHONE, telegram_id),
    ]
    assert await stack.count(User) == 1


async def provider_with_phone(stack: Stack) -> tuple[int, int, int]:
    owner, provider_id, service_id = await make_provider(stack.uows, stack.clock.now())
    async with stack.uows() as uow:
        user = await uow.session.get(User, owner)
        assert user is not None
        user.phone_e164 = PROVIDER_PHONE
        await uow.commit()
    return owner, provider_id, service_id


async def test_a_provider_gets_the_provider_menus_and_answers_a_request_by_number(
    stack: Stack,
) -> None:
    owner, _, service_id = await provider_with_phone(stack)
    (menu,) = await stack.say(PROVIDER_PHONE, "Salam")
    assert menu.body and menu.body.startswith("Bonjour studio-atlas.")
    async with stack.uows() as uow:
        keys = (await uow.session.scalars(select(Conversation.chat_key))).all()
        identity = await uow.session.scalar(select(ChannelIdentity))
        assert identity is not None and identity.user_id == owner
    assert keys == [f"provider:{PROVIDER_PHONE}"]

    client = await make_user(stack.uows, stack.clock.now())
    booking_id = await request(stack.uows, stack.clock.now(), client, service_id, DAY)
    await stack.flush()
    card = stack.fake.sent_to(PROVIDER_PHONE)[-1]
    assert card.body and "Nouvelle demande" in card.body
    assert card.body.endswith("1. ✅ Accepter\n2. ✖ Refuser\n3. ↪ Autres conditions")
    # The news is the list on screen now: "1", typed once the card is read, accepts it
    # (typed within seconds of its arrival, it could be for the menu: asked, issue 19).
    stack.clock.advance(NEWS_OVERLAP + timedelta(seconds=1))
    (answer, *_) = await stack.say(PROVIDER_PHONE, "1")
    assert answer.body and "Vous avez accepté" in answer.body
    async with stack.uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None and booking.state == "accepted"


async def test_a_quick_reply_button_brings_its_payload_back(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    async with whatsapp_stack(
        uows, clock, tmp_path, twilio_quick_reply_sids={3: "HX" + "3" * 32}
    ) as stack:
        _, _, service_id = await provider_with_phone(stack)
        await stack.say(PROVIDER_PHONE, "Salam")
        client = await make_user(uows, clock.now())
        booking_id = await request(uows, clock.now(), client, service_id, DAY)
        await stack.flush()
        card = stack.fake.sent_to(PROVIDER_PHONE)[-1]
        # Accept, Decline and Other terms: three titles short enough for the template.
        assert card.content_sid == "HX" + "3" * 32 and card.body is None
        variables = card.content_variables
        assert (variables["2"], variables["3"]) == ("✅ Accepter", f"g|pacc:{booking_id}")
        assert (variables["6"], variables["7"]) == ("↪ Autres conditions", f"g|ppro:{booking_id}")
        await stack.say(PROVIDER_PHONE, button=(variables["4"], variables["5"]))  # Decline
        reasons = stack.fake.sent_to(PROVIDER_PHONE)[-1]
        assert reasons.body and reasons.body.startswith("Pourquoi refusez-vous")


async def client_booking(stack: Stack) -> tuple[int, int]:
    """The WhatsApp client has a request with the provider; returns (booking, owner)."""
    await stack.say(PHONE, "Bonjour")
    owner, _, service_id = await make_provider(stack.uows, stack.clock.now())
    client = (await user_by_phone(stack.uows, PHONE)).id
    booking_id = await request(stack.uows, stack.clock.now(), client, service_id, DAY)
    await stack.flush()  # the provider has no chat yet: their news is held
    return booking_id, owner


async def test_news_outside_the_window_goes_as_an_approved_template(stack: Stack) -> None:
    booking_id, owner = await client_booking(stack)
    stack.clock.advance(timedelta(hours=25))
    await act(
        stack.uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=stack.clock.now()
    )
    assert await stack.flush() == 1
    news = stack.fake.sent_to(PHONE)[-1]
    async with stack.uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        reference = booking.reference
    assert news.content_sid == TEMPLATE and news.body is None
    assert news.content_variables == {"1": reference, "2": "studio-atlas", "3": "1 500,00 MAD"}
    for posted in await stack.fake.report(news):
        assert posted.status == 200
    *_, template_row, follow_up = await stack.outbox()
    assert template_row == ("booking_accepted", "sent", news.sid, "delivered")
    # The template cannot hold everything: the whole news waits for the client's next word.
    assert follow_up == ("booking_accepted", "held", None, None)


async def test_news_without_template_is_held_then_released_when_they_write(
    stack: Stack,
) -> None:
    booking_id, owner = await client_booking(stack)
    stack.clock.advance(timedelta(hours=25))
    await act(
        stack.uows,
        booking_id,
        Action.DECLINE,
        Actor(Role.PROVIDER, owner),
        now=stack.clock.now(),
        reason="fully booked",
    )
    sent_before = len(stack.fake.messages)
    assert await stack.flush() == 0
    assert len(stack.fake.messages) == sent_before
    assert ("booking_declined", "held", None, None) in await stack.outbox()
    # They write again: the window opens, the held news goes first, then the answer.
    news, answer = await stack.say(PHONE, "Bonjour")
    assert news.body and "fully booked" in news.body
    assert answer.body and "Mounasabet" in answer.body
    assert all(
        status == "sent"
        for kind, status, _, _ in await stack.outbox()
        if kind != "booking_requested"
    )


async def test_delivery_statuses_only_move_forward(stack: Stack) -> None:
    (message,) = await stack.say(PHONE, "Bonjour")
    for status, expected in [
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("sent", "delivered"),  # late: never back from delivered to sent
        ("read", "read"),
        ("delivered", "read"),
        ("failed", "read"),
    ]:
        posted = await stack.fake.send_status(message.sid, status)
        assert (posted.status, posted.text) == (200, EMPTY_TWIML)
        assert (await stack.outbox())[0][3] == expected
    assert await stack.count(Flag) == 0


async def test_an_unknown_message_sid_is_acknowledged_and_ignored(stack: Stack) -> None:
    await stack.say(PHONE, "Bonjour")
    before = await stack.outbox()
    posted = await stack.fake.send_status("SM" + "f" * 32, "failed", error_code=63016)
    assert posted.status == 200
    assert await stack.outbox() == before and await stack.count(Flag) == 0


async def test_a_failure_outside_the_window_flags_and_holds_the_message(stack: Stack) -> None:
    (message,) = await stack.say(PHONE, "Bonjour")
    await stack.fake.send_status(message.sid, "sent")
    await stack.fake.send_status(message.sid, "failed", error_code=63016)
    assert await stack.outbox() == [("direct_reply", "held", None, None)]
    async with stack.uows() as uow:
        flag = await uow.session.scalar(select(Flag))
        assert flag is not None and flag.kind == "whatsapp_undelivered"
        assert flag.details["error_code"] == "63016" and flag.details["sid"] == message.sid
    # A late callback for that attempt is now unknown; nothing doubles.
    await stack.fake.send_status(message.sid, "failed", error_code=63016)
    assert await stack.count(Flag) == 1


async def test_ten_choices_and_back_cancel_are_one_message(stack: Stack) -> None:
    await stack.say(PHONE, "Bonjour")
    (categories,) = await stack.say(PHONE, "1")  # Find a provider: ten categories
    assert categories.body
    lines = categories.body.split("\n")
    assert [line.split(".")[0] for line in lines[-12:-2]] == [str(n) for n in range(1, 11)]
    # Back and Cancel are words (issue 19): no "11. « Retour" in a second message.
    assert lines[-1] == "Ou écrivez: retour · annuler"
    (back, *_) = await stack.say(PHONE, "retour")
    assert back.body and "Mounasabet" in back.body


async def test_a_long_answer_is_split_at_line_breaks(stack: Stack) -> None:
    await stack.say(PHONE, "Bonjour")
    long_text = "\n".join(f"Ligne {i}: " + "texte " * 30 for i in range(20))  # ~3,900 chars
    async with stack.uows() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
        assert identity is not None
        uow.session.expunge(identity)
    result = await stack.whatsapp.sender.deliver(identity, [Reply(long_text)])
    parts = stack.fake.sent_to(PHONE)[-3:]
    assert all(p.body and len(p.body) <= 1600 for p in parts)
    assert "\n".join(p.body or "" for p in parts) == long_text
    assert result.external_id == parts[-1].sid


async def test_a_photo_without_text_is_asked_for_words(stack: Stack) -> None:
    await stack.say(PHONE, "Bonjour")
    (answer,) = await stack.say(
        PHONE, media=[("https://api.twilio.com/2010-04-01/Accounts/x/Media/ME1", "image/jpeg")]
    )
    assert answer.body and answer.body.startswith("Veuillez écrire votre réponse")


async def test_a_wa_me_link_code_opens_the_provider_and_records_the_source(stack: Stack) -> None:
    await make_provider(stack.uows, stack.clock.now())
    (profile,) = await stack.say(PHONE, "p-studio-atlas__s-site")
    assert profile.body and profile.body.startswith("✦ studio-atlas")
    assert (await user_by_phone(stack.uows, PHONE)).source == "site"


async def test_a_balance_reminder_template_carries_the_link_the_worker_made(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """Outside the 24 h window the reminder goes as a template whose link is the balance's
    pending Checkout link (the outbox worker makes or reuses it just before: the sweep that
    queued the reminder made none)."""
    templates = {"balance_reminder:fr": {"sid": TEMPLATE, "variables": ["ref", "link"]}}
    async with whatsapp_stack(uows, clock, tmp_path, twilio_templates=templates) as stack:
        booking_id, owner = await client_booking(stack)
        now = clock.now()
        await drive_to(uows, booking_id, BookingState.PAYMENT_DUE, owner=owner, now=now)
        url = "https://checkout.stripe.com/c/pay/cs_test_balance"
        async with uows() as uow:
            booking = await uow.session.get(Booking, booking_id)
            assert booking is not None
            reference, owed = booking.reference, booking.total_minor - booking.paid_minor
            uow.session.add(
                Payment(
                    booking_id=booking_id,
                    kind="balance",
                    attempt=1,
                    amount_minor=owed,
                    currency="MAD",
                    status="pending",
                    gateway="stripe",
                    checkout_session_id="cs_test_balance",
                    checkout_url=url,
                    created_at=now,
                    updated_at=now,
                )
            )
            await uow.commit()
        await stack.flush()  # the news of the way there
        clock.advance(timedelta(days=2))
        assert await send_balance_reminders(uows, now=clock.now(), every=timedelta(hours=1))
        assert await stack.flush() == 1
        reminder = stack.fake.sent_to(PHONE)[-1]
        assert reminder.content_sid == TEMPLATE
        assert reminder.content_variables == {"1": reference, "2": url}
