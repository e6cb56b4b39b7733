"""A client books on WhatsApp writing Arabic and Darija, as a walk through the webhook
found it (2026-12-06). Each message below got a wrong answer before:

- a whole search typed at "what are you looking for?" failed in the test run (an arrow
  the flow's diagram did not draw), and the client heard nothing at all: the apology was
  dropped on WhatsApp (tests/e2e/test_whatsapp_apology.py);
- "حجز" ("book") on a profile with one service: "Please choose a service to book";
- "بدون" ("none") at the notes question was kept as the notes, "لا" ("no") at the email
  question was refused as an address, "تأكيد" ("confirm") at the summary was not read;
- on the booking's own screen, "شنو هو العربون؟" ("what is the deposit?") got "Please use
  the buttons", and "بغيت نلغي" ("I want to cancel") did not open the cancellation.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db.tables import Booking
from dialogs.framework.errors import APOLOGY
from dialogs.i18n.translator import translator
from tests.e2e.test_whatsapp_journey import (  # noqa: F401 - the fixture
    CLIENT_PHONE,
    PROVIDER_PHONE,
    World,
    world,
)
from tests.integration.test_issue_19_arabic import assert_reads_whole


async def test_an_arabic_booking_typed_on_whatsapp(world: World) -> None:  # noqa: F811
    async def says(text: str) -> str:
        return "\n".join(m.body or "" for m in await world.client_says(text))

    assert "مرحبًا بكم في منصة مناسبات" in await says("السلام عليكم")
    await says("1")  # Find a provider
    results = await says("بغيت مصور فالرباط نهار 14 يونيو")
    assert "مصور فوتوغرافي في الرباط" in results and "studio-atlas" in results
    assert translator("ar")(APOLOGY) not in results
    assert "حجز: تغطية" in await says("1")  # the only provider found: its profile

    assert "ما هي المناسبة؟" in await says("حجز")
    assert "كم عدد الضيوف" in await says("عرس")
    assert "أين ستقام المناسبة" in await says("200")
    assert "هل هناك ما يجب أن يعرفه مقدم الخدمة" in await says("قاعة الأفراح، أكدال")
    assert "بريدكم الإلكتروني" in await says("بدون")
    summary = await says("لا")
    assert "ملاحظات: —" in summary and "البريد الإلكتروني: —" in summary
    assert "تم إرسال طلبكم" in await says("تأكيد")

    async with world.container.uows() as uow:
        booking = await uow.session.scalar(select(Booking))
        assert booking is not None
        assert (booking.state, booking.notes, booking.guests) == ("requested", "", 200)
        assert booking.venue == "قاعة الأفراح، أكدال"
        reference = booking.reference

    assert reference in await says("حجوزاتي")
    assert "الحالة: في انتظار رد مقدم الخدمة" in await says("1")
    faq = await says("شنو هو العربون؟")
    assert "كيف يعمل العربون؟" in faq and "يرجى استعمال الأزرار" not in faq
    await says("حجوزاتي")
    await says("1")
    asked = await says("بغيت نلغي")
    assert "نعم" in asked and reference in asked  # this booking's cancellation, asked first
    await says("نعم")
    async with world.container.uows() as uow:
        assert await uow.session.scalar(select(Booking.state)) == "cancelled"
    # Every phone number, reference, date and amount reads whole on the screen (issue 19).
    assert assert_reads_whole(world.twilio.sent_to(CLIENT_PHONE)) >= 20


async def test_the_provider_side_in_arabic_reads_whole(world: World) -> None:  # noqa: F811
    """The provider's own screens in Arabic on WhatsApp: Language from the home (it answered
    with an apology in the test run: its diagram lacked the arrow), the request's news, the
    accept, the profile with its phone (printed "212…+" before it was isolated)."""

    async def provider_says(text: str) -> str:
        return "\n".join(m.body or "" for m in await world.provider_says(text))

    # The account is in French: Arabic typed is answered in Arabic, the offer to keep it
    # at the end of the home (its option after the home's nine).
    greeted = await provider_says("السلام عليكم")
    assert "كتبتم بالعربية. هل نواصل بالعربية؟" in greeted and "10. العربية" in greeted
    assert translator("ar")("Choose your language:") in await provider_says("7")  # 🌐 اللغة
    home = await provider_says("1")  # العربية
    assert "تم تغيير اللغة." in home and "الطلبات التي تنتظر ردكم" in home

    for text in ("Bonjour", "1", "photographe à Rabat le 14 juin", "1", "1", "1", "150"):
        await world.client_says(text)
    for text in ("Villa Anfa", "non", "non", "1"):  # venue, no notes, no email, send
        await world.client_says(text)
    async with world.container.uows() as uow:
        assert await uow.session.scalar(select(Booking.state)) == "requested"

    accepted = await provider_says("1")  # ✅ قبول, on the request's news
    assert "لقد قبلتم الطلب" in accepted
    profile = await provider_says("/profile")
    assert "الهاتف: \u2068+212661000111\u2069" in profile
    assert assert_reads_whole(world.twilio.sent_to(PROVIDER_PHONE)) >= 5


async def test_a_french_client_typing_arabic_still_picks_from_the_list_by_number(
    world: World,  # noqa: F811
) -> None:
    """A client whose chat is in French types a search in Arabic: the results come in
    Arabic, the offer to keep Arabic after the last of their numbered options. "1" then
    opens the first provider found; it picked the offer's only option before."""

    async def says(text: str) -> str:
        return "\n".join(m.body or "" for m in await world.client_says(text))

    assert "Bienvenue" in await says("Bonjour")  # a Moroccan number writing French
    await says("1")  # Trouver un prestataire
    results = await says("بغيت مصور فالرباط نهار 14 يونيو")
    assert "studio-atlas" in results
    offered = translator("ar")("You wrote in Arabic. Shall we continue in Arabic?")
    assert offered in results and "6. العربية" in results  # after the screen's five
    assert "حجز: تغطية" in await says("1")  # the provider's profile, in Arabic
