"""Core services against real SQLite and PostgreSQL: phone numbers, identifying users
across channels, and where they came from."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import ChannelIdentity, User
from core.errors import InvalidValue
from core.people.users import (
    KeptContact,
    identified,
    keep_contact,
    normalize_phone,
    record_source,
)
from core.uow import UnitOfWorkFactory

# --- Users -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["0612345678", "+212 6 12 34 56 78", "06-12-34-56-78", "+212612345678", " 00212612345678 "],
)
def test_normalize_phone(raw: str) -> None:
    assert normalize_phone(raw) == "+212612345678"


@pytest.mark.parametrize("raw", ["", "hello", "123", "06123", "+212 6 12", "0012", "x" * 200])
def test_normalize_phone_refuses_garbage(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalize_phone(raw)
    assert info.value.key == "invalid_phone"


async def test_identify_same_identity_same_user(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    first, later = clock.now(), clock.now() + timedelta(hours=3)
    async with uows() as uow:
        user = (
            await identified(
                uow,
                channel="telegram_client",
                external_id="555",
                now=first,
                display_name="Salma",
                locale="ar-MA",
            )
        ).user
        await uow.commit()
        user_id = user.id
        assert (user.locale, user.display_name, user.role) == ("ar", "Salma", "client")
    async with uows() as uow:
        again = (
            await identified(
                uow, channel="telegram_client", external_id="555", now=later, display_name="S."
            )
        ).user
        await uow.commit()
        assert again.id == user_id
        assert again.display_name == "Salma"
    async with uows() as uow:
        other = (
            await identified(
                uow, channel="telegram_client", external_id="556", now=later, locale="de"
            )
        ).user
        await uow.commit()
        assert other.id != user_id
        assert other.locale == "fr"
        seen = await uow.session.scalar(
            select(ChannelIdentity.last_inbound_at).where(ChannelIdentity.external_id == "555")
        )
    assert seen == later


async def test_first_two_messages_racing_make_one_user(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def first_message(n: int) -> int:
        async with uows() as uow:
            user = (
                await identified(
                    uow,
                    channel="telegram_client",
                    external_id="900",
                    now=clock.now(),
                    display_name=f"copy {n}",
                )
            ).user
            await asyncio.sleep(0.05)  # the rest of the update's handling
            await uow.commit()
            return user.id

    ids = await asyncio.gather(first_message(1), first_message(2))
    assert ids[0] == ids[1]
    async with uows() as uow:
        users = (await uow.session.scalars(select(User.id))).all()
        identities = (await uow.session.scalars(select(ChannelIdentity.user_id))).all()
    assert users == [ids[0]]  # no second user left behind by the loser
    assert identities == [ids[0]]


async def test_identify_joins_identities_by_phone(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    phone = normalize_phone("06 12 34 56 78")
    async with uows() as uow:
        on_telegram = (
            await identified(
                uow, channel="telegram_client", external_id="777", now=now, verified_phone=phone
            )
        ).user
        await uow.commit()
        telegram_user = on_telegram.id
    async with uows() as uow:
        on_whatsapp = (
            await identified(
                uow,
                channel="whatsapp",
                external_id="whatsapp:+212612345678",
                now=now,
                verified_phone=phone,
            )
        ).user
        await uow.commit()
        assert on_whatsapp.id == telegram_user
    async with uows() as uow:
        channels = (
            await uow.session.scalars(
                select(ChannelIdentity.channel)
                .where(ChannelIdentity.user_id == telegram_user)
                .order_by(ChannelIdentity.channel)
            )
        ).all()
        users = (await uow.session.scalars(select(User.id))).all()
    assert channels == ["telegram_client", "whatsapp"]
    assert users == [telegram_user]


async def test_record_source_sticks_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    async with uows() as uow:
        user = (await identified(uow, channel="sandbox", external_id="s1", now=clock.now())).user
        record_source(user, None)
        record_source(user, "")
        assert user.source is None
        record_source(user, "site:provider:studio-atlas")
        record_source(user, "instagram")
        await uow.commit()
    async with uows() as uow:
        user = (await identified(uow, channel="sandbox", external_id="s1", now=clock.now())).user
        record_source(user, "facebook")
        assert user.source == "site:provider:studio-atlas"
        other = (await identified(uow, channel="sandbox", external_id="s2", now=clock.now())).user
        record_source(other, "q" * 100)
        assert other.source == "q" * 64


async def test_what_a_form_leaves_on_the_account(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """keep_contact, the one rule for both paths of a request: the name and email typed;
    the first typed phone sticks as a contact; a shared phone is proven unless it is
    another account's."""
    now = clock.now()
    async with uows() as uow:
        me = (await identified(uow, channel="sandbox", external_id="k1", now=now)).user
        other = (await identified(uow, channel="sandbox", external_id="k2", now=now)).user
        other.phone_e164 = "+212611111111"
        await uow.commit()

    async def keep(kept: KeptContact) -> tuple[object, ...]:
        async with uows() as uow:
            wrote = await uow.session.run_sync(lambda s: keep_contact(s.connection(), me.id, kept))
            await uow.commit()
        async with uows() as uow:
            user = await uow.session.get(User, me.id)
            assert user is not None
            return wrote, user.full_name, user.email, user.contact_phone, user.phone_e164

    assert await keep(KeptContact()) == (False, None, None, None, None)
    first = KeptContact(name="Nadia B.", email="n@example.com", typed_phone="+212622222222")
    assert await keep(first) == (True, "Nadia B.", "n@example.com", "+212622222222", None)
    spouse = KeptContact(typed_phone="+212633333333", proven_phone="+212611111111")
    assert await keep(spouse) == (True, "Nadia B.", "n@example.com", "+212622222222", None)
    own = KeptContact(proven_phone="+212644444444")
    assert await keep(own) == (True, "Nadia B.", "n@example.com", "+212622222222", "+212644444444")
