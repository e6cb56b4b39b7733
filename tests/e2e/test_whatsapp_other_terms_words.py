"""Other terms typed on WhatsApp by both sides, as a walk through the webhook found them
(2026-12-07): the provider's "même date" at "Propose another date" (its option reads
"Garder la même date") was refused as a date it could not read, and the client's "non"
under "Do you accept?" got "Please choose an option"."""

from __future__ import annotations

from sqlalchemy import select

from core.db.tables_proposals import BookingProposal
from tests.e2e.test_whatsapp_journey import World, world  # noqa: F401 - the fixture
from tests.e2e.whatsapp_words import A_REQUEST, texts_of


async def test_other_terms_proposed_and_refused_in_words(world: World) -> None:  # noqa: F811
    client = texts_of(world.client_says)

    provider = texts_of(world.provider_says)

    for text in A_REQUEST:
        await client(text)
    await provider("Bonjour")
    await provider("1")  # the request's card
    assert "Proposez une autre date" in await provider("autres conditions")
    assert "Proposez un autre total" in await provider("même date")
    assert "Un mot pour le client" in await provider("6000")
    assert "Envoyer cette proposition" in await provider("le prix inclut l'album photo")
    news = await provider("envoyer")
    assert "Total: 5\u202f000,00\xa0MAD → 6\u202f000,00\xa0MAD" in news and "Acceptez-vous?" in news

    await client("mes réservations")
    await client("1")
    assert "Dire à studio-atlas pourquoi" in await client("non")
    assert "Envoyé à studio-atlas." in await client("trop cher pour nous")
    async with world.container.uows() as uow:
        proposal = await uow.session.scalar(select(BookingProposal))
        assert proposal is not None
        assert (proposal.status, proposal.to_date, proposal.to_total_minor) == (
            "refused",
            proposal.from_date,
            600_000,
        )
        assert (proposal.note, proposal.answer_note) == (
            "le prix inclut l'album photo",
            "trop cher pour nous",
        )
