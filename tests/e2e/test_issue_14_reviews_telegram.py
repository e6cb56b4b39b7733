"""Issue 14 item 18 through Telegram: the review request delivered by the app's outbox
worker, stars and a comment tapped and typed in the client bot, the provider's reply from
the provider bot, and the review on the provider's page of the site served by the same
app, all through the fake Bot API and the real webhooks.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from core.booking.states import BookingState
from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity, Provider, Review
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.support.bookings import drive_to, request
from tests.support.sweeps import sweep
from tests.support.telegram_app import TelegramApp, assert_wire_clean, eventually

HIND = FakeUser(id=2301, first_name="Hind", last_name="Alaoui", language_code="ar")
KARIM = FakeUser(id=3301, first_name="Karim", language_code="fr")


async def test_review_asked_given_answered_and_shown_on_the_site(
    tg: TelegramApp, clock: FixedClock
) -> None:
    ar, fr = translator("ar"), translator("fr")
    await tg.say(KARIM, "/start", bot="provider")
    await tg.share(KARIM, tg.provider.phone.removeprefix("+"), bot="provider")
    await tg.say(HIND, "/start")
    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.external_id == str(HIND.id))
    day = (clock.now() + timedelta(days=20)).date()
    booking_id = await request(tg.uows, clock.now(), identity.user_id, tg.provider.service_id, day)
    await drive_to(
        tg.uows, booking_id, BookingState.COMPLETED, owner=tg.provider.owner_id, now=clock.now()
    )

    assert (await sweep(tg.uows, "review-requests", clock.now()))["requested"] == 1
    reference = await tg.scalar(Booking.reference, Booking.id == booking_id)
    asked = ar(
        "How did {provider} do for your event {ref}? Choose a number of stars to rate them; "
        "a short comment can follow. Your review helps other clients choose.",
        provider=tg.provider.slug,
        ref=reference,
    )
    await eventually(
        lambda: asked in tg.texts(HIND), what="the review request in the client's Telegram chat"
    )
    await tg.tap(HIND, f"rv:{booking_id}:5")
    await tg.say(HIND, "مصور رائع وفي الموعد")
    thanks = ar("Thank you! Your review ({stars}) is published.", stars="★★★★★")
    texts = tg.texts(HIND)
    [at] = [n for n, text in enumerate(texts) if thanks in text]
    # Something was just finished: the menu after it asks what next, it does not welcome.
    assert ar("What else can I do for you? Choose an option or write what you need.") in "".join(
        texts[at:]
    )
    assert not any(text.startswith(ar("Welcome to Mounasabet!")[:20]) for text in texts[at:])
    [review] = await tg.rows(Review)
    assert (review.stars, review.author, review.comment) == (5, "Hind A.", "مصور رائع وفي الموعد")
    [provider] = await tg.rows(Provider, Provider.id == tg.provider.provider_id)
    assert (provider.rating_sum, provider.rating_count, provider.rating_x100) == (5, 1, 500)

    def review_news_arrived() -> bool:
        return any("مصور رائع وفي الموعد" in t for t in tg.texts(KARIM, bot="provider"))

    await eventually(review_news_arrived, what="the news of the review in the provider bot")
    await tg.tap(KARIM, f"rvr:{review.id}", bot="provider")
    await tg.say(KARIM, "Merci beaucoup Hind !", bot="provider")
    published = fr("Your reply is published. The client has been told.")
    assert published in tg.texts(KARIM, bot="provider")
    await eventually(
        lambda: any("Merci beaucoup Hind !" in text for text in tg.texts(HIND)),
        what="the provider's reply in the client's chat",
    )

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{tg.url}/fr/providers/{tg.provider.slug}") as resp,
    ):
        html = await resp.text()
    assert resp.status == 200
    assert "مصور رائع وفي الموعد" in html and "Merci beaucoup Hind !" in html
    assert fr("Rated {rating}/5 by {n} clients", rating=fr.decimal(5.0), n=1) in html
    assert_wire_clean(tg.fake)
