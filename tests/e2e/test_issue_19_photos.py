"""Issue 19: photos the platforms refuse never take a profile's text down.

Telegram (fake Bot API behind our real webhook) and WhatsApp (signed Twilio webhooks, the
fake Twilio REST API) refuse what the real ones refuse: an SVG is not a photo, a photo
past 5 MB by URL is not fetched. The profile's text and buttons still arrive.
"""

from __future__ import annotations

from pathlib import Path

from core.clock import FixedClock
from core.db.tables import Provider
from core.uow import UnitOfWorkFactory
from tests.fakes import FakeUser
from tests.integration.test_whatsapp_channel import PHONE, PUBLIC, whatsapp_stack
from tests.support.factories import make_provider
from tests.support.telegram_app import TelegramApp, assert_wire_clean

SALMA = FakeUser(id=2001, first_name="Salma", language_code="fr")
SVG, JPEG, BIG = "/static/demo/a-1.svg", "/static/demo/a-2.jpg", "/static/demo/a-3.jpg"


async def set_photos(uows: UnitOfWorkFactory, provider_id: int, photos: list[str]) -> None:
    async with uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        provider.photos = photos
        await uow.commit()


async def test_an_svg_photo_is_left_out_and_the_profile_arrives(tg: TelegramApp) -> None:
    await set_photos(tg.uows, tg.provider.provider_id, [SVG, JPEG])
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    (photo,) = tg.fake.calls("sendPhoto")  # the JPEG alone: no album with an SVG in it
    assert photo.params["photo"].endswith(JPEG)
    assert (tg.last(SALMA).text or "").startswith("✦ studio-atlas")
    assert_wire_clean(tg.fake)


async def test_a_refused_album_leaves_the_text_alone(tg: TelegramApp) -> None:
    await set_photos(tg.uows, tg.provider.provider_id, [JPEG, BIG])
    # What our server would answer Telegram for that URL: a JPEG of 6 MB.
    tg.fake.remote_files[tg.url + BIG] = ("image/jpeg", 6 * 1024 * 1024)
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    assert tg.fake.calls("sendMediaGroup")  # tried, and refused (5 MB by URL)
    profile = tg.last(SALMA)
    assert (profile.text or "").startswith("✦ studio-atlas")
    assert any("book:" in d for d in profile.callback_data())
    assert_wire_clean(tg.fake, refused=("sendMediaGroup",))


async def test_whatsapp_leaves_out_an_svg_and_a_refused_photo_but_not_the_text(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    async with whatsapp_stack(uows, clock, tmp_path) as stack:
        _, provider_id, _ = await make_provider(uows, clock.now())
        await set_photos(uows, provider_id, [SVG, JPEG])
        stack.fake.fail_next(400, 21620)  # the first part, the JPEG, refused by Twilio
        shown = await stack.say(PHONE, "p-studio-atlas")
        assert [m.media_urls for m in shown if m.media_urls] == []
        assert shown and (shown[0].body or "").startswith("✦ studio-atlas")

        shown = await stack.say(PHONE, "p-studio-atlas")  # again, nothing refused this time
        assert [m.media_urls for m in shown if m.media_urls] == [[PUBLIC + JPEG]]
        for part in shown:
            assert part.media_error is None


async def test_the_twilio_fake_fails_an_svg_as_whatsapp_does(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    async with whatsapp_stack(uows, clock, tmp_path) as stack:
        await stack.say(PHONE, "Bonjour")  # the window is open: only the media is wrong
        client = stack.whatsapp.sender.client
        for url, code in ((PUBLIC + SVG, 63021), (PUBLIC + BIG, 11751)):
            stack.fake.remote_files[PUBLIC + BIG] = ("image/jpeg", 6 * 1024 * 1024)
            sent = await client.messages.create_async(
                from_=stack.fake.whatsapp_from, to=f"whatsapp:{PHONE}", media_url=[url]
            )
            (failed,) = await stack.fake.report(stack.fake.message(sent.sid))
            assert failed.params["MessageStatus"] == "failed"
            assert failed.params["ErrorCode"] == str(code)
