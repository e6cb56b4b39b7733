"""Issue 12, items 1 and 13: the booking form's contact steps, on SQLite and PostgreSQL.

Every way a phone number links a chat to an account. Only proofs link: WhatsApp's
sender, Telegram's own contact share (the channel passes it as ``contact_phone`` only
when ``contact.user_id`` is the sender, see tests/integration/test_telegram_adapter.py),
or an admin registering a provider. A typed number is a booking contact; an email joins
nothing. The whole attack through the webhooks is
tests/e2e/test_issue_12_phone_takeover.py. Emails are checked by email-validator and
refused with a translated explanation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity, User
from core.people.users import identified
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from dialogs.provider.app import PROVIDER_APP
from tests.support.chat import Chat, bookings, client_chat, dialog_engine, user_of
from tests.support.factories import make_provider
from tests.support.migrated import migrate
from tests.support.payments import PROVIDER_SLUG, payment_stack

NUMBER = "+212661234567"
TYPED = "06 61 23 45 67"
PROVIDER_PHONE = "+212661000111"


async def to_phone_step(chat: Chat, service_id: int, day: str = "14/06/2026") -> None:
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service_id}")
    await chat.click("evt:wedding")
    await chat.send(day)
    await chat.click("gst:200")
    await chat.click("city:rabat")
    await chat.send("Salle Al Amal, Agdal")
    await chat.click("skip")
    assert await chat.position() == "book:phone"


async def finish(chat: Chat) -> None:
    await chat.click("skip")  # email
    await chat.click("confirm")
    assert await chat.position() == "menu:main"


async def on_whatsapp(uows: UnitOfWorkFactory, clock: FixedClock, phone: str) -> User:
    """The account a first WhatsApp message from ``phone`` lands on (Twilio's From)."""
    async with uows() as uow:
        user = (
            await identified(
                uow, channel="whatsapp", external_id=phone, now=clock.now(), verified_phone=phone
            )
        ).user
        await uow.commit()
        uow.session.expunge(user)
        return user


async def test_a_typed_number_is_the_bookings_contact_and_joins_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(uows, clock.now())
    attacker = client_chat(uows, clock, "c:attacker")
    await to_phone_step(attacker, service_id)
    await attacker.send(TYPED)
    await finish(attacker)
    typed = await user_of(attacker)
    assert (typed.phone_e164, typed.contact_phone) == (None, NUMBER)
    async with uows() as uow:
        assert await uow.session.scalar(select(Booking.contact_phone)) == NUMBER

    # The number's owner writes on WhatsApp: an account of their own, holding the number.
    owner = await on_whatsapp(uows, clock, NUMBER)
    assert owner.id != typed.id and owner.phone_e164 == NUMBER

    # The typed number still serves its purpose: the next booking asks no phone.
    await attacker.send("/start p-studio-atlas")
    await attacker.click(f"book:{service_id}")
    await attacker.click("evt:birthday")
    await attacker.send("20/06/2026")
    await attacker.click("gst:50")
    await attacker.click("city:rabat")
    await attacker.send("Chez nous")
    await attacker.click("skip")
    assert await attacker.position() == "book:email"


async def test_an_own_shared_contact_proves_the_number_and_whatsapp_joins_it(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(uows, clock.now())
    chat = client_chat(uows, clock, "c:salma")
    await to_phone_step(chat, service_id)
    await chat.share_contact("212661234567")  # Telegram's form, without "+"
    await finish(chat)
    proven = await user_of(chat)
    assert proven.phone_e164 == NUMBER
    assert (await on_whatsapp(uows, clock, NUMBER)).id == proven.id


async def test_a_form_left_unsent_leaves_nothing_on_the_user(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The name, phone and email live in the chat until the request is sent, so the
    form's questions take no transaction, a shared contact either; the request puts them
    on the user."""
    _, _, service_id = await make_provider(uows, clock.now())
    chat = client_chat(uows, clock, "c:salma")
    await to_phone_step(chat, service_id)
    transactions = chat.engine.paths["transaction"]
    await chat.share_contact(NUMBER)
    await chat.send("salma@example.com")
    assert await chat.position() == "book:summary"
    assert chat.engine.paths["transaction"] == transactions
    await chat.send("/start")  # leaves the form unsent
    left = await user_of(chat)
    assert (left.phone_e164, left.contact_phone, left.email) == (None, None, None)

    await to_phone_step(chat, service_id)
    await chat.share_contact(NUMBER)
    await chat.send("salma@example.com")
    await chat.click("confirm")
    sent = await user_of(chat)
    assert (sent.phone_e164, sent.contact_phone, sent.email) == (NUMBER, None, "salma@example.com")


async def test_a_shared_contact_replaced_by_a_typed_number_proves_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(uows, clock.now())
    chat = client_chat(uows, clock, "c:salma")
    await to_phone_step(chat, service_id)
    await chat.share_contact(NUMBER)
    await chat.click("skip")  # email
    await chat.click("edit:phone")
    await chat.send("0612345678")
    await chat.click("confirm")
    user = await user_of(chat)
    assert (user.phone_e164, user.contact_phone) == (None, "+212612345678")
    [booking] = await bookings(uows)
    assert booking.contact_phone == "+212612345678"


async def test_a_number_proven_by_another_account_stays_a_contact_here(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Accounts are not merged by a contact share on the client bot: this one may hold
    bookings of its own. The number is still this booking's contact."""
    _, _, service_id = await make_provider(uows, clock.now())
    owner = await on_whatsapp(uows, clock, NUMBER)
    chat = client_chat(uows, clock, "c:second-phone")
    await to_phone_step(chat, service_id)
    await chat.share_contact(NUMBER)
    await finish(chat)
    other = await user_of(chat)
    assert other.id != owner.id and other.phone_e164 is None
    async with uows() as uow:
        assert await uow.session.scalar(select(Booking.contact_phone)) == NUMBER
        holders = (
            await uow.session.scalars(select(User.id).where(User.phone_e164 == NUMBER))
        ).all()
    assert holders == [owner.id]


async def test_a_typed_number_does_not_capture_the_provider_bot_link(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Someone types a number at the booking form; its owner then shares it with the
    provider bot. Their provider-bot chat must stay theirs, not move to the typist."""
    _, _, service_id = await make_provider(uows, clock.now())
    attacker = client_chat(uows, clock, "c:attacker")
    await to_phone_step(attacker, service_id)
    await attacker.send(TYPED)
    await finish(attacker)
    owner_chat = Chat(dialog_engine(PROVIDER_APP, uows, clock), "p:newcomer", language="fr")
    await owner_chat.send("/start")
    await owner_chat.share_contact(NUMBER)
    assert (await user_of(owner_chat)).id != (await user_of(attacker)).id
    fr = translator("fr")  # their own account's language, not the typist's
    assert fr("No provider account uses this phone number.") in owner_chat.text


async def test_a_provider_connects_by_their_registered_number_though_a_client_typed_it(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner_id, _, service_id = await make_provider(uows, clock.now())
    async with uows() as uow:  # registered by an admin: a proven number
        owner = await uow.session.get(User, owner_id)
        assert owner is not None
        owner.phone_e164 = PROVIDER_PHONE
        await uow.commit()
    client = client_chat(uows, clock, "c:client")
    await to_phone_step(client, service_id)
    await client.send(PROVIDER_PHONE)
    await finish(client)
    assert (await user_of(client)).phone_e164 is None
    provider = Chat(dialog_engine(PROVIDER_APP, uows, clock), "p:karim", language="fr")
    await provider.send("/start")
    await provider.share_contact(PROVIDER_PHONE)
    assert translator("fr")("Your account is connected.") in provider.text
    assert (await user_of(provider)).id == owner_id
    # And WhatsApp from that number is the provider's account too.
    assert (await on_whatsapp(uows, clock, PROVIDER_PHONE)).id == owner_id
    async with uows() as uow:
        channels = (
            await uow.session.scalars(
                select(ChannelIdentity.channel).where(ChannelIdentity.user_id == owner_id)
            )
        ).all()
    assert sorted(channels) == ["sandbox", "whatsapp"]


BAD_EMAILS = [
    "<script>alert(1)</script>@x.com",
    "salma@<b>x</b>.com",
    '"<img src=x onerror=alert(1)>"@example.com',
    "salma@example.com\nBcc: all@example.com",
    "salma example@example.com",
    "salma@localhost",
    "salma@",
    "@example.com",
]


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
async def test_an_email_that_is_not_one_is_refused_with_the_reason(
    uows: UnitOfWorkFactory, clock: FixedClock, lang: str
) -> None:
    _, _, service_id = await make_provider(uows, clock.now())
    chat = client_chat(uows, clock, "c:salma", language=lang)
    await to_phone_step(chat, service_id)
    await chat.send(TYPED)
    assert await chat.position() == "book:email"
    reason = translator(lang)("This does not look like an email address. Example: name@example.com")
    for bad in BAD_EMAILS:
        await chat.send(bad)
        assert await chat.position() == "book:email", bad
        assert reason in chat.text, bad
    assert (await user_of(chat)).email is None
    await chat.send("  Salma.B@Example.COM ")  # kept as a mail server takes it
    assert await chat.position() == "book:summary"
    assert (await chat.state()).data["email"] == "Salma.B@example.com"
    await chat.click("confirm")
    [booking] = await bookings(uows)
    assert booking.contact_email == "Salma.B@example.com"
    assert (await user_of(chat)).email == "Salma.B@example.com"


async def test_the_same_email_typed_in_two_chats_joins_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(uows, clock.now())
    users = []
    for key, day in (("c:one", "14/06/2026"), ("c:two", "21/06/2026")):
        chat = client_chat(uows, clock, key)
        await to_phone_step(chat, service_id, day)
        await chat.send(TYPED)
        await chat.send("salma@example.com")
        await chat.click("confirm")
        users.append((await user_of(chat)).id)
    assert users[0] != users[1]
    assert sorted(b.client_id for b in await bookings(uows)) == sorted(users)


async def test_a_contact_sent_from_the_sandbox_page_is_typed_not_proven(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A web page proves nothing about whose number it sends: the sandbox's contact form
    gives the booking a contact, not the account a phone that WhatsApp would join."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as stack:
        await stack.send("client", "mallory", text="/start p-studio-atlas")
        await stack.click("client", "mallory", f"book:{stack.service_id}")
        await stack.click("client", "mallory", "evt:wedding")
        await stack.send("client", "mallory", text="14/06/2026")
        await stack.click("client", "mallory", "gst:200")
        await stack.click("client", "mallory", "city:rabat")
        await stack.send("client", "mallory", text="Salle Al Amal")
        await stack.click("client", "mallory", "skip")
        await stack.send("client", "mallory", text="Mallory Smith")  # the sandbox has no name
        body = {"pane": "client", "chat": "mallory", "contact": TYPED, "language": "en"}
        async with stack.http.post(f"{stack.url}/sandbox/api/send", json=body) as response:
            assert response.status == 200
        await stack.click("client", "mallory", "skip")  # email
        await stack.click("client", "mallory", "confirm")  # the request keeps the number
        async with stack.uows() as uow:
            user = await uow.session.scalar(
                select(User)
                .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                .where(ChannelIdentity.external_id == "c:mallory")
            )
            assert user is not None
            assert (user.phone_e164, user.contact_phone) == (None, NUMBER)
            typed_id = user.id
        assert (await on_whatsapp(stack.uows, clock, NUMBER)).id != typed_id


async def test_the_sandbox_language_selector_is_the_chats_language_button(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The page's selector set the account's language and nothing else: a client who had
    typed Arabic kept getting Arabic after choosing English again there (the chat's state
    still followed the Arabic message). It now does what the chat's Language button does."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as stack:
        await stack.send("client", "nadia", text="/start")
        await stack.send("client", "nadia", text="بغيت مصور")  # typed in Arabic: Arabic now
        body = {"pane": "client", "chat": "nadia", "language": "en"}
        async with stack.http.post(f"{stack.url}/sandbox/api/language", json=body) as response:
            assert (await response.json()) == {"language": "en", "applied": True}
        said = await stack.bot_texts("client", "nadia")
        assert said[-2:] == ["Language changed.", "In which city is the event?"]
        shown = await stack.click("client", "nadia", "city:rabat")  # a press: in English
        assert shown and not re.search("[\u0600-\u06ff]", shown[-1]["text"])

        # The provider pane the same: its chat follows Arabic typed too, until chosen.
        provider = PROVIDER_SLUG
        await stack.send("provider", provider, text="السلام عليكم")
        said = await stack.bot_texts("provider", provider)
        assert said[-1].endswith(
            translator("ar")("You wrote in Arabic. Shall we continue in Arabic?")
        )
        body = {"pane": "provider", "chat": provider, "language": "en"}
        async with stack.http.post(f"{stack.url}/sandbox/api/language", json=body) as response:
            assert (await response.json()) == {"language": "en", "applied": True}
        said = await stack.bot_texts("provider", provider)
        assert "Language changed." in said[-2:]
        async with stack.uows() as uow:
            locale = await uow.session.scalar(
                select(User.locale).where(User.id == stack.provider_owner)
            )
            assert locale == "en"
        shown = await stack.send("provider", provider, text="/start")
        assert shown and not re.search("[\u0600-\u06ff]", shown[-1]["text"])
