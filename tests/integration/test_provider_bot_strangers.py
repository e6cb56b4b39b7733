"""Someone who is not a provider, on the provider bot: pointed to support, and heard."""

from __future__ import annotations

from core.clock import FixedClock
from core.db.tables import Ticket
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
    await stranger.click("sb:0")  # not about a booking
    await stranger.send("I would like to offer my catering services")
    assert await count(uows, Ticket) == 1
    assert (await stranger.state()).flow == "phome"  # back home, the provider bot's
