"""The booking summary on WhatsApp lists "Edit: Guests" as option 4 of ten; people write
what they want changed instead. A walk through the webhook (2026-12-07) got "Please send
the request, or edit a field." for "modifier les invités"."""

from __future__ import annotations

from sqlalchemy import select

from core.db.tables import Booking
from tests.e2e.test_whatsapp_journey import World, world  # noqa: F401 - the fixture
from tests.e2e.whatsapp_words import TO_THE_SUMMARY, texts_of


async def test_a_field_named_in_words_is_edited_from_the_summary(world: World) -> None:  # noqa: F811
    says = texts_of(world.client_says)

    for text in TO_THE_SUMMARY:
        summary = await says(text)
    assert "Veuillez vérifier votre demande" in summary and "Invités: 150" in summary

    assert "Combien d'invités" in await says("modifier le nombre d'invités")
    summary = await says("180")
    assert "Veuillez vérifier votre demande" in summary and "Invités: 180" in summary
    assert "Où aura-t-il lieu" in await says("changer le lieu")
    assert "Lieu: Dar Essalam" in await says("Dar Essalam")
    # A verb alone, or a word that names no field, is asked again as before.
    for vague in ("modifier", "Rabat"):
        assert "Veuillez envoyer la demande, ou modifier une information." in await says(vague)

    assert "a été envoyée" in await says("envoyer")
    async with world.container.uows() as uow:
        booking = await uow.session.scalar(select(Booking))
        assert booking is not None and (booking.guests, booking.venue) == (180, "Dar Essalam")
