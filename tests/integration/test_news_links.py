"""The deposit's link is made by the outbox worker right before the client's news of the
acceptance is worded, not in the provider's Accept: the acceptance never waits for the
gateway, and news held for a client with no chat makes no link until they can read it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bots.outbox_router import ChannelRouter
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity, OutboxMessage, Payment
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, claim_next
from core.payments.links import PaymentLinks
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.provider_dashboard import Links, linked

BASE = "https://mounasabet.example"


async def accepted_news(uows: UnitOfWorkFactory, clock: FixedClock, *, chat: bool) -> Envelope:
    """A request accepted by its provider in their chat (the dialog's Accept, payments on),
    and the client's news of it claimed by the worker."""
    now = clock.now()
    owner, _, service = await make_provider(uows, now)
    client = await make_user(uows, now)
    if chat:
        async with uows() as uow:
            uow.session.add(
                ChannelIdentity(
                    user_id=client, channel="sandbox", external_id="c:salma", created_at=now
                )
            )
            await uow.commit()
    booking_id = await request(uows, now, client, service, (now + timedelta(days=30)).date())
    pay = Payments(OfflineGateway(BASE), Links(), 1000)
    provider = await linked(uows, clock, owner, "p:atlas", pay=pay)
    await provider.press(f"g|pacc:{booking_id}")
    assert "MSB-" in provider.text and (await booking_state(uows, booking_id)) == "accepted"
    assert await payments(uows) == []  # the acceptance asked the gateway for nothing
    async with uows() as uow:  # the provider's notice of the request is not this test's
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind != "booking_accepted")
            .values(status="sent")
        )
        await uow.commit()
    envelope = await claim_next(uows, now=now, lease=timedelta(minutes=1))
    assert envelope is not None and envelope.kind == "booking_accepted", envelope
    return envelope


async def booking_state(uows: UnitOfWorkFactory, booking_id: int) -> str | None:
    async with uows() as uow:
        return await uow.session.scalar(select(Booking.state).where(Booking.id == booking_id))


async def payments(uows: UnitOfWorkFactory) -> list[Payment]:
    async with uows() as uow:
        rows = list((await uow.session.scalars(select(Payment))).all())
        uow.session.expunge_all()
        return rows


def router(uows: UnitOfWorkFactory, clock: FixedClock, sent: list[list[Reply]]) -> ChannelRouter:
    async def record(identity: ChannelIdentity, replies: list[Reply]) -> DeliveryResult:
        sent.append(replies)
        return DeliveryResult(DeliveryOutcome.SENT, external_id=f"m{len(sent)}")

    links = PaymentLinks(uows, OfflineGateway(BASE), clock)
    return ChannelRouter(uows, {"sandbox": record}, links=links)


async def test_the_accept_makes_no_link_and_the_news_carries_the_one_made_for_it(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    envelope = await accepted_news(uows, clock, chat=True)
    sent: list[list[Reply]] = []
    result = await router(uows, clock, sent).deliver(envelope)
    assert result.outcome == DeliveryOutcome.SENT
    [payment] = await payments(uows)
    assert (payment.kind, payment.status, payment.gateway) == ("deposit", "pending", "offline")
    assert payment.checkout_url and payment.checkout_url.startswith(BASE)
    [[news]] = sent
    assert payment.checkout_url in news.text
    assert any(b.url == payment.checkout_url for row in news.buttons for b in row)

    # Sent again (a retry after a lost answer): the same link, not a second one.
    await router(uows, clock, sent).deliver(envelope)
    assert [p.id for p in await payments(uows)] == [payment.id]
    assert payment.checkout_url in sent[1][0].text


async def test_news_nobody_can_read_yet_makes_no_link(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    envelope = await accepted_news(uows, clock, chat=False)
    result = await router(uows, clock, []).deliver(envelope)
    assert (result.outcome, result.error) == (DeliveryOutcome.HOLD, "no reachable identity")
    assert await payments(uows) == []


async def test_news_of_a_booking_that_owes_nothing_any_more_makes_no_link(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    envelope = await accepted_news(uows, clock, chat=True)
    booking_id = int(envelope.payload["booking_id"])
    # The client cancelled before the news went out: it goes without a link.
    client = Actor(Role.CLIENT, envelope.user_id)
    await act(uows, booking_id, Action.CANCEL, client, now=clock.now())
    sent: list[list[Reply]] = []
    await router(uows, clock, sent).deliver(envelope)
    assert await payments(uows) == []
    replies = [reply for replies in sent for reply in replies]
    assert replies and all(BASE not in reply.text for reply in replies)
    assert not [b for reply in replies for row in reply.buttons for b in row if b.url]
