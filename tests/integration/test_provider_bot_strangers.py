"""Someone who is not a provider, on the provider bot: pointed to support, and heard."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Ticket, TicketMessage
from core.uow import UnitOfWorkFactory
from dialogs.provider.app import PROVIDER_APP
from tests.support.bookings import count
from tests.support.chat import Chat, dialog_engine


async def test_a_stranger_on_the_provider_bot_can_open_a_support_ticket(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    stranger = Chat(dialog_engine(PROVIDER_APP, uows, clock), "p:new", language="en")
    await stranger.send("/start")  # not a provider: the explanation points to /support
    assert "/support" in stranger.text
    await stranger.send("/support")
    await stranger.click("sc:account")
    await stranger.click("sb:0")  # not about a booking
    await stranger.send("I would like to offer my catering services")
    assert await count(uows, Ticket) == 1
    # In the ticket's thread now: what they add joins it, and our answers come back to the
    # provider bot (issue 16).
    assert (await stranger.state()).position == "support:thread"
    await stranger.send("I work in Rabat and Salé")
    assert await count(uows, TicketMessage) == 2
    async with uows() as uow:
        ticket = await uow.session.scalar(select(Ticket))
        assert ticket is not None and ticket.audience == "provider"
    await stranger.send("/start")
    assert (await stranger.state()).flow == "phome"
