"""Issue 13: registering as a provider in the provider bot, the pending account, its
verification, and the profile editor with its preview and photos (dialog engine level;
the same journeys through the Telegram and WhatsApp fakes are in tests/e2e)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from core.admin import providers as admin_providers
from core.admin.audit import Operator
from core.catalog.photo_store import LocalPhotoStore
from core.catalog.search import SearchQuery, search_providers
from core.clock import FixedClock
from core.db.tables import Provider, ProviderCategory, ProviderCity, User
from core.errors import DomainError
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.framework.context import Deps
from dialogs.framework.flow import ATTACHMENT_NOT_PHOTO
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.notifications.account_news import VERIFIED
from dialogs.provider.app import PROVIDER_APP
from dialogs.provider.choices import NOT_A_PHOTO
from tests.support.bookings import request
from tests.support.chat import Chat, link_provider, news_for, sqlite_uows, user_of
from tests.support.factories import make_provider, make_user
from tests.support.onboarding import add_service
from tests.support.pictures import opened, picture

EN = translator("en")
BIO_FR = "Photographe de mariage à Rabat depuis dix ans, reportages et portraits."
BIO_EN = "Wedding photographer in Rabat for ten years: coverage and portraits."


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "onboarding.db") as uows:
        yield uows


def provider_bot(
    uows: UnitOfWorkFactory, clock: FixedClock, store: LocalPhotoStore, key: str
) -> Chat:
    deps = Deps(nlu=BuiltinParser(), photos=store)
    return Chat(build_engine(PROVIDER_APP, uows, deps, clock), key, language="en")


async def send_photo(chat: Chat, data: bytes | None, attachment: str | None = None) -> None:
    await chat.deliver(replace(chat.inbound(), photo=data, attachment=attachment))


async def test_registration_asks_each_answer_checks_it_and_leaves_the_account_pending(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    store = LocalPhotoStore(tmp_path / "photos")
    newcomer = provider_bot(db, clock, store, "p:newcomer")
    await newcomer.send("/start")
    assert newcomer.last.request_contact and "register" in newcomer.buttons()
    await newcomer.click("register")
    assert await newcomer.position() == "onboard:name"

    await newcomer.send("A")
    assert EN("Please give a name of {min} to {max} characters.", min=2, max=80) in newcomer.text
    await newcomer.send("  Studio   Nour  ")
    await newcomer.click("next")  # nothing chosen yet
    assert EN("Please choose at least one service.") in newcomer.text
    for code in ("t:photographer", "t:videographer", "t:dj", "t:band"):
        await newcomer.click(code)
    await newcomer.click("next")
    assert EN("Please choose at most {max} services.", max=3) in newcomer.text
    await newcomer.click("t:band")  # unticked
    await newcomer.click("t:dj")
    await newcomer.click("next")
    await newcomer.click("t:rabat")
    await newcomer.click("t:casablanca")
    await newcomer.click("next")
    await newcomer.click("t:fr")
    await newcomer.click("t:ar")
    await newcomer.click("next")
    assert await newcomer.position() == "onboard:phone" and newcomer.last.request_contact
    await newcomer.send("0612345678")  # typed: proves nothing
    assert EN("Please use the button to share your phone number.") in newcomer.text
    await newcomer.share_contact("+212612345678")

    await newcomer.send("Too short")
    assert "(this text has 9)" in newcomer.text
    await newcomer.send(BIO_EN)
    assert "continue" not in newcomer.buttons() and "next" in newcomer.buttons()
    await newcomer.click("bl:fr")
    await newcomer.send(BIO_FR)
    await newcomer.click("next")
    assert await newcomer.position() == "pprofile:photos"

    async with db() as uow:
        provider = await uow.session.scalar(select(Provider))
        assert provider is not None
        owner = await uow.session.get(User, provider.user_id)
        categories = (await uow.session.scalars(select(ProviderCategory.category))).all()
        cities = (await uow.session.scalars(select(ProviderCity.city))).all()
        uow.session.expunge_all()  # keep the loaded values past the rollback on exit
    assert (provider.slug, provider.status) == ("studio-nour", "pending")
    assert provider.name["ar"] == "Studio Nour"  # one name, in every language
    assert provider.languages == ["ar", "fr"]  # in the vocabulary's order
    assert provider.description == {"en": BIO_EN, "fr": BIO_FR}
    assert sorted(categories) == ["photographer", "videographer"]
    assert sorted(cities) == ["casablanca", "rabat"]
    assert owner is not None and (owner.phone_e164, owner.role) == ("+212612345678", "provider")
    assert owner.id == (await user_of(newcomer)).id

    # Its home says what is missing before anyone can book: a service.
    no_service = EN(
        "No service of yours is open to bookings, so clients cannot book you: add one, or"
        " resume a paused one, under My services."
    )
    await newcomer.send("/start")
    assert no_service in newcomer.text
    # Pending: a service of its own, yet no search shows it and no request reaches it.
    service_id = await add_service(db, provider.id)
    await newcomer.send("/start")
    assert no_service not in newcomer.text
    query = SearchQuery(category="photographer", city="rabat")
    async with db() as uow:
        assert (await search_providers(uow.session, query, now=clock.now())).total == 0
    client = await make_user(db, clock.now())
    with pytest.raises(DomainError) as refused:
        await request(db, clock.now(), client, service_id, clock.now().date().replace(year=2027))
    assert refused.value.key == "provider_not_available"

    # Verified by our team: in search, and told in the bot.
    async with db() as uow:
        await admin_providers.verify(uow, "studio-nour", by=Operator("ops"), now=clock.now())
        await uow.commit()
    [told] = await news_for(db, "provider_verified", provider.user_id)
    assert told.text == EN(VERIFIED)
    async with db() as uow:
        found = await search_providers(uow.session, query, now=clock.now())
    assert [hit.slug for hit in found.hits] == ["studio-nour"]


async def test_a_registered_provider_is_sent_to_the_profile_and_a_stranger_home(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    owner, _, _ = await make_provider(db, clock.now())
    await link_provider(db, owner, "p:atlas", clock.now())
    known = provider_bot(db, clock, LocalPhotoStore(tmp_path), "p:atlas")
    await known.send("/register")
    fr = translator("fr")  # the factory's owner reads French
    assert fr("You are registered already: here is your profile.") in known.text
    assert await known.position() == "pprofile:menu"
    stranger = provider_bot(db, clock, LocalPhotoStore(tmp_path), "p:stranger")
    await stranger.send("/profile")
    assert await stranger.position() == "phome:home" and "register" in stranger.buttons()


async def test_profile_edits_show_in_the_preview_and_photos_are_checked(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    owner, provider_id, _ = await make_provider(db, clock.now(), slug="atlas")
    await link_provider(db, owner, "p:atlas", clock.now())
    store = LocalPhotoStore(tmp_path / "photos")
    chat = provider_bot(db, clock, store, "p:atlas")
    chat.language = "en"
    await chat.send("/profile")
    await chat.click("name")
    await chat.send("Atlas Films")
    await chat.click("bio")
    await chat.click("bl:en")
    await chat.send(BIO_EN)
    await chat.click("k:city")
    await chat.click("t:casablanca")
    await chat.click("next")
    await chat.click("pv")
    preview = chat.last.text
    # The client bot's own rendering (French: the factory's owner reads French).
    fr = translator("fr")
    assert preview.startswith(fr("This is how clients see your profile:") + "\n\n✦ Atlas Films")
    assert BIO_EN in preview
    assert fr("Cities: {cities}", cities=fr.join(["Casablanca", "Rabat"])) in preview
    await chat.click("back")
    assert await chat.position() == "pprofile:menu"

    await chat.click("photos")
    await send_photo(chat, picture("PNG", (1200, 900)))
    assert fr("Photo saved ({n} of {max}).", n=1, max=10) in chat.text
    await send_photo(chat, picture("GIF"))
    assert fr("Please send a JPEG, PNG or WebP picture.") in chat.text
    await send_photo(chat, picture("JPEG", (100, 100)))
    assert "320" in chat.text
    await send_photo(chat, None, ATTACHMENT_NOT_PHOTO)
    assert fr(NOT_A_PHOTO) in chat.text
    await chat.send("here it is")
    assert fr("Please send a photo, or choose Done.") in chat.text
    async with db() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        photos = list(provider.photos)
        uow.session.expunge_all()
    [url] = photos
    name = url.rsplit("/", 1)[1]
    kept = store.path(name)
    thumb = store.path(name.removesuffix(".jpg") + "-thumb.jpg")
    assert kept is not None and thumb is not None
    assert opened(kept.read_bytes()).format == "JPEG"
    assert opened(thumb.read_bytes()).size == (400, 300)

    await chat.click("done")
    await chat.click("pv")
    assert chat.last.photos == (url,)
    await chat.click("back")
    await chat.click("photos")
    await chat.click("rm")
    await chat.click("rm:0")
    assert fr("Photo removed.") in chat.text
    async with db() as uow:
        left = await uow.session.scalar(select(Provider.photos).where(Provider.id == provider_id))
    assert left == []


async def test_registering_with_the_phone_of_a_provider_account_connects_to_it(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    owner, _, _ = await make_provider(db, clock.now(), slug="atlas")
    async with db() as uow:
        user = await uow.session.get(User, owner)
        assert user is not None
        user.phone_e164 = "+212661234567"
        await uow.commit()
    chat = provider_bot(db, clock, LocalPhotoStore(tmp_path), "p:phone-owner")
    await chat.send("/register")
    await chat.send("Atlas Bis")
    for code in ("t:photographer", "next", "t:rabat", "next", "t:fr", "next"):
        await chat.click(code)
    await chat.share_contact("+212661234567")
    fr = translator("fr")  # now the account's owner, who reads French
    assert fr("This number belongs to a provider account: you are connected.") in chat.text
    assert await chat.position() == "phome:home"
    assert (await user_of(chat)).id == owner
    async with db() as uow:
        assert len((await uow.session.scalars(select(Provider.id))).all()) == 1  # no second one


async def test_services_and_cities_typed_as_people_name_them(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """ "حلويات" for the button "الحلويات"; "كازا و الرباط", "traiteur et pâtisserie": the
    words clients search with, each ticked; words naming none are still refused."""
    newcomer = provider_bot(db, clock, LocalPhotoStore(tmp_path / "photos"), "p:typed")
    await newcomer.send("/register")
    await newcomer.send("Halawiyat Amal")
    await newcomer.send("حلويات")
    await newcomer.send("traiteur et pâtisserie")
    assert (await newcomer.state()).data["category"] == ["pastry", "caterer"]
    await newcomer.click("next")
    await newcomer.send("n'importe où")
    assert EN("Please choose from the list, then Continue.") in newcomer.text
    await newcomer.send("كازا و الرباط")
    assert (await newcomer.state()).data["city"] == ["casablanca", "rabat"]
    await newcomer.click("next")
    await newcomer.send("العربية و الفرنسية")  # the options read "العربية", "Français"
    assert (await newcomer.state()).data["language"] == ["ar", "fr"]
