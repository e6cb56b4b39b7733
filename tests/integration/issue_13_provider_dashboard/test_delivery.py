"""Issue 13: proof of delivery, from the provider's dashboard to the client's confirmation.

Driven through the dialog engine; the client's news is rendered from the outbox as the
worker would send it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from core.catalog.photo_store import LocalPhotoStore
from core.clock import FixedClock
from core.db.tables import DeliveryProof
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.framework.context import Deps
from dialogs.nlu.builtin import BuiltinParser
from dialogs.provider.app import PROVIDER_APP
from tests.support.bookings import S, drive_to, request
from tests.support.chat import Chat, link_provider, news_for
from tests.support.factories import make_provider, make_user
from tests.support.pictures import picture
from tests.support.provider_dashboard import (
    FR,
    booking_row,
    linked,
)
from tests.support.sweeps import sweep


async def test_proof_of_delivery_reaches_the_client_with_the_confirm_button(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, earlier, client, service, date(2026, 5, 2))  # took place
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    provider = await linked(db, clock, owner, "p:proof")
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("dlv")
    await provider.send("not a link")
    assert (
        FR("Please send a web link (starting with https://) to a photo or to your work.")
        in provider.text
    )
    assert (await booking_row(db, booking_id)).state == "confirmed"
    photo = "https://photos.example.com/album/final.jpg"
    await provider.send(photo)
    assert (await booking_row(db, booking_id)).state == "delivered"
    assert await provider.position() == "pdash:booking"
    assert FR("Proof of delivery") + ": " + photo in provider.last.text

    [news] = await news_for(db, "booking_delivered", client)
    assert news.photos == (photo,) and photo in news.text
    assert [b.payload for b in news.all_buttons()] == [f"g|cdl:{booking_id}", f"g|bk:{booking_id}"]
    client_chat = await linked(db, clock, client, "c:proof", client=True)
    client_chat.seen([news])
    await client_chat.click(f"cdl:{booking_id}")
    assert (await booking_row(db, booking_id)).delivery_confirmed_at is not None
    # Confirmed: the news, sent again, offers no confirmation any more.
    [again] = await news_for(db, "booking_delivered", client)
    assert f"g|cdl:{booking_id}" not in [b.payload for b in again.all_buttons()]


async def test_delivery_with_a_link_or_without_proof(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now, capacity=2)
    client = await make_user(db, now)
    ids = [await request(db, earlier, client, service, date(2026, 5, 2)) for _ in range(2)]
    for booking_id in ids:
        await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    provider = await linked(db, clock, owner, "p:link")
    gallery = "https://gallery.example.com/wedding-2026"
    for booking_id, answer in zip(ids, (gallery, None), strict=True):
        await provider.send("/bookings")
        await provider.click(f"bk:{booking_id}")
        await provider.click("dlv")
        await (provider.send(answer) if answer else provider.click("none"))
    linked_news, plain_news = await news_for(db, "booking_delivered", client)
    assert linked_news.photos == () and linked_news.buttons[0][0].url == gallery
    assert plain_news.photos == () and FR("Proof of delivery") not in plain_news.text
    async with db() as uow:
        proofs = (await uow.session.scalars(select(DeliveryProof))).all()
        assert [(p.booking_id, p.kind, p.url) for p in proofs] == [(ids[0], "link", gallery)]


async def test_a_photo_sent_as_proof_is_kept_and_shown_to_the_client(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """The provider sends the photo itself (not a link): checked, stored as profile photos
    are, and shown to the client with the confirmation; a video is explained, not kept."""
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, earlier, client, service, date(2026, 5, 2))  # took place
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    await link_provider(db, owner, "p:photo-proof", now)
    store = LocalPhotoStore(tmp_path / "photos")
    deps = Deps(nlu=BuiltinParser(), photos=store, public_url="https://mounasabet.test")
    provider = Chat(build_engine(PROVIDER_APP, db, deps, clock), "p:photo-proof", language="fr")
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("dlv")
    await provider.deliver(replace(provider.inbound(), attachment="video"))
    assert (await booking_row(db, booking_id)).state == "confirmed"
    await provider.deliver(replace(provider.inbound(), photo=picture()))
    assert (await booking_row(db, booking_id)).state == "delivered"
    async with db() as uow:
        [proof] = (await uow.session.scalars(select(DeliveryProof))).all()
        kind, url = proof.kind, proof.url
    assert kind == "photo" and url.startswith("https://mounasabet.test/photos/p")
    assert store.path(url.rsplit("/", 1)[1]) is not None  # the file the route serves
    [news] = await news_for(db, "booking_delivered", client)
    assert news.photos == (url,)


async def test_view_booking_under_the_delivery_prompt_opens_the_provider_s_card(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The prompt's "View booking" is the provider bot's own button (it was the client
    bot's ``bk``, which the provider bot answered as a stale button)."""
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, earlier, client, service, date(2026, 5, 2))  # took place
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    assert (await sweep(db, "delivery-prompts", now))["prompted"] == 1
    [prompt] = await news_for(db, "delivery_prompt", owner)
    provider = await linked(db, clock, owner, "p:prompted")
    provider.seen([prompt])
    [view] = [b for b in prompt.all_buttons() if b.label == FR("View booking")]
    await provider.press(view.payload)
    assert await provider.position() == "pdash:booking"
    assert "dlv" in provider.buttons()  # Mark as delivered, from the card
