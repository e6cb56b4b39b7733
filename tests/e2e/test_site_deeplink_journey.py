"""Site link -> Telegram ``/start <payload>`` -> booking: the visit's source is stored on the
client and on the booking (issue 17), through the real webhook and the fake Bot API."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import aiohttp

from core.db.tables import Booking, ChannelIdentity, User
from tests.fakes import FakeUser
from tests.support.telegram_app import TelegramApp

NADIA = FakeUser(id=2301, first_name="Nadia", language_code="fr")
LINK = re.compile(r'href="(https://t\.me/[^"]+)" data-cta="telegram"')


async def telegram_link(tg: TelegramApp, path: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(tg.url + path) as resp:
        assert resp.status == 200
        found = LINK.findall(await resp.text())
    assert found, "no Telegram call to action on " + path
    return str(found[0])


async def test_a_campaign_visit_is_credited_on_the_user_and_the_booking(tg: TelegramApp) -> None:
    # No username in the settings: the site asked the client bot's getMe at start-up.
    username = tg.fake.bot("111:client").username
    url = await telegram_link(
        tg, f"/fr/providers/{tg.provider.slug}?utm_source=Insta.Gram&utm_campaign=ete_2027"
    )
    parts = urlsplit(url)
    assert parts.path == f"/{username}"
    [payload] = parse_qs(parts.query)["start"]
    assert payload == f"p-{tg.provider.slug}__s-site-prov-insta-gram-ete-2027"

    # What Telegram does with such a link: /start <payload> in the client bot.
    await tg.say(NADIA, f"/start {payload}")
    assert (tg.last(NADIA).text or "").startswith(f"✦ {tg.provider.slug}")
    await tg.tap(NADIA, f"book:{tg.provider.service_id}")
    await tg.tap(NADIA, "evt:wedding")
    await tg.say(NADIA, "14 juin")
    await tg.tap(NADIA, "gst:100")
    await tg.tap(NADIA, "city:rabat")
    await tg.say(NADIA, "Salle Al Amal")
    await tg.tap(NADIA, "skip")  # notes
    await tg.say(NADIA, "0612345678")
    await tg.tap(NADIA, "skip")  # email
    await tg.tap(NADIA, "confirm")

    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.external_id == str(NADIA.id))
    [user] = await tg.rows(User, User.id == identity.user_id)
    [booking] = await tg.rows(Booking)
    assert booking.client_id == user.id
    assert user.source == booking.source == "site-prov-insta-gram-ete-2027"


async def test_a_later_link_credits_the_booking_and_keeps_the_first_source(
    tg: TelegramApp,
) -> None:
    """First touch on the user, the link that led to the booking on the booking."""
    await tg.say(NADIA, "/start s-flyer")
    payload = parse_qs(urlsplit(await telegram_link(tg, "/en/")).query)["start"][0]
    assert payload == "s-site-home"
    await tg.say(NADIA, f"/start p-{tg.provider.slug}__s-site-prov")
    await tg.tap(NADIA, f"book:{tg.provider.service_id}")
    await tg.tap(NADIA, "evt:birthday")
    await tg.say(NADIA, "14 juin")
    await tg.tap(NADIA, "gst:100")
    await tg.tap(NADIA, "city:rabat")
    await tg.say(NADIA, "Salle Al Amal")
    await tg.tap(NADIA, "skip")
    await tg.say(NADIA, "0612345678")
    await tg.tap(NADIA, "skip")
    await tg.tap(NADIA, "confirm")

    [booking] = await tg.rows(Booking)
    [user] = await tg.rows(User, User.id == booking.client_id)
    assert (user.source, booking.source) == ("flyer", "site-prov")
