"""Issue 14, "Conversation", through Telegram (the fake Bot API, the real webhooks and the
app's own outbox worker): item 17, news held for a provider who had not linked a chat yet
says nothing of a request that was answered meanwhile."""

from __future__ import annotations

from datetime import date

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity, OutboxMessage
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.support.bookings import act, request
from tests.support.telegram_app import TelegramApp, eventually

HIND = FakeUser(id=2401, first_name="Hind", language_code="en")
KARIM = FakeUser(id=3401, first_name="Karim", language_code="fr")
NEW_REQUEST = translator("fr")("New booking request!")


async def test_a_provider_linking_late_gets_only_requests_still_waiting(
    tg: TelegramApp, clock: FixedClock
) -> None:
    await tg.say(HIND, "/start")
    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.external_id == str(HIND.id))
    client = identity.user_id
    service = tg.provider.service_id
    gone = await request(tg.uows, clock.now(), client, service, date(2026, 6, 14))
    waiting = await request(tg.uows, clock.now(), client, service, date(2026, 6, 21))

    async def both_held() -> bool:
        rows = await tg.rows(OutboxMessage, OutboxMessage.kind == "booking_requested")
        return len(rows) == 2 and all(row.status == "held" for row in rows)

    await eventually(both_held, what="both requests to wait for a provider chat")
    await act(tg.uows, gone, Action.CANCEL, Actor(Role.CLIENT, client), now=clock.now())

    await tg.say(KARIM, "/start", bot="provider")
    await tg.share(KARIM, tg.provider.phone, bot="provider")

    async def none_waiting() -> bool:
        rows = await tg.rows(OutboxMessage, OutboxMessage.kind == "booking_requested")
        return all(row.status not in ("held", "pending", "sending") for row in rows)

    await eventually(none_waiting, within=2.0, what="the held requests to be looked at again")
    cards = [text for text in tg.texts(KARIM, bot="provider") if NEW_REQUEST in text]
    waiting_ref = await tg.scalar(Booking.reference, Booking.id == waiting)
    gone_ref = await tg.scalar(Booking.reference, Booking.id == gone)
    assert len(cards) == 1 and waiting_ref in cards[0]
    assert not any(gone_ref in text for text in cards)  # was: a card with Accept / Decline
