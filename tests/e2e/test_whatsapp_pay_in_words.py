"""A client who writes that they want to pay gets the way to pay, on WhatsApp: "je veux
payer l'acompte" had the FAQ's "How do I pay?" and only "Talk to our team" under it (a
walk through the webhook, 2026-12-07)."""

from __future__ import annotations

from tests.e2e.test_whatsapp_journey import World, world  # noqa: F401 - the fixture
from tests.e2e.whatsapp_words import A_REQUEST, texts_of


async def test_i_want_to_pay_the_deposit_leads_to_its_link(world: World) -> None:  # noqa: F811
    client = texts_of(world.client_says)

    asked = await client("je veux payer l'acompte")  # nothing to pay yet: the bookings
    assert "1. 📅 Mes réservations\n2. 💬 Parler à notre équipe" in asked
    for text in A_REQUEST:
        await client(text)
    await world.provider_says("Bonjour")
    await world.provider_says("1")  # the request's card
    await world.provider_says("1")  # Accept

    asked = await client("je veux payer l'acompte")
    assert "Comment payer?" in asked
    assert "1. 💳 Payer l'acompte\n2. 📅 Mes réservations\n3. 💬 Parler à notre équipe" in asked
    link = await client("1")
    assert "https://mounasabet.example/pay/" in link and "1\u202f500,00" in link
