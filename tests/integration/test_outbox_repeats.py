"""Issue 12, item 3: a message whose attempt was cut short is sent again, harmlessly.

A process that dies between a send and its record leaves the outbox row "sending" past
its lease; the worker then cannot know whether the person got it and sends it again
(Telegram takes no idempotency key). Here the row is left as such a process leaves it,
and the running app's worker takes it over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import OutboxMessage
from dialogs.i18n.translator import translator
from dialogs.notifications.said_again import SAID_AGAIN
from tests.conftest import BACKENDS
from tests.fakes import FakeUser
from tests.integration.test_telegram_adapter import accepted_booking_for, client_id
from tests.support.bookings import act
from tests.support.telegram_app import TelegramApp, app_on_backend, eventually

YOUSSEF = FakeUser(id=4102, first_name="Youssef", language_code="en")
EN = translator("en")


@pytest.fixture(params=BACKENDS)
async def tg(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[TelegramApp]:
    async with app_on_backend(request.param, request, tmp_path, clock, paging=6) as app:
        yield app


async def cut_short(tg: TelegramApp, row_id: int) -> None:
    """What a worker that died after its send and before its record leaves behind."""
    async with tg.uows() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                status="sending",
                attempts=1,
                sent_at=None,
                next_attempt_at=tg.container.clock.now() - timedelta(seconds=1),
            )
        )
        await uow.commit()


async def row(tg: TelegramApp, row_id: int) -> OutboxMessage:
    [found] = await tg.rows(OutboxMessage, OutboxMessage.id == row_id)
    return found


async def test_news_sent_again_after_a_cut_short_attempt_says_it_is_the_same(
    tg: TelegramApp,
) -> None:
    await tg.say(YOUSSEF, "/start")
    await accepted_booking_for(tg, YOUSSEF)
    [news] = await tg.rows(OutboxMessage, OutboxMessage.kind == "booking_accepted")

    async def sent() -> bool:
        return (await row(tg, news.id)).status == "sent"

    await eventually(sent, what="the acceptance")
    first = tg.texts(YOUSSEF)[-1]
    assert first.startswith("Good news:")

    await cut_short(tg, news.id)

    async def sent_again() -> bool:
        return (await row(tg, news.id)).attempts == 2 and await sent()

    await eventually(sent_again, what="the acceptance sent again")
    again = tg.texts(YOUSSEF)[-1]
    assert again == f"{EN(SAID_AGAIN)}\n\n{first}"  # the same news, said to be the same


async def test_other_news_sent_again_goes_as_it_was(tg: TelegramApp) -> None:
    """Only where a repeat could mislead is it pointed out."""
    await tg.say(YOUSSEF, "/start")
    booking_id = await accepted_booking_for(tg, YOUSSEF)
    await eventually(lambda: tg.texts(YOUSSEF)[-1].startswith("Good news:"), what="news")
    user_id = await client_id(tg, YOUSSEF)
    now = tg.container.clock.now()
    # Cancelled by the provider: the client hears of it (not of their own cancellation).
    await act(
        tg.uows, booking_id, Action.CANCEL, Actor(Role.PROVIDER, tg.provider.owner_id), now=now
    )
    [news] = await tg.rows(
        OutboxMessage,
        OutboxMessage.kind == "booking_cancelled",
        OutboxMessage.user_id == user_id,
    )
    await eventually(lambda: "cancelled" in tg.texts(YOUSSEF)[-1], what="the cancellation")

    # The worker records "sent" just after the fake has the message: cut it short after
    # that record, or the record would land on the row cut short and close it.
    async def recorded() -> bool:
        return (await row(tg, news.id)).status == "sent"

    await eventually(recorded, what="the cancellation recorded as sent")
    await cut_short(tg, news.id)

    async def sent_again() -> bool:
        found = await row(tg, news.id)
        return (found.attempts, found.status) == (2, "sent")

    await eventually(sent_again, what="the cancellation sent again")
    first, again = tg.texts(YOUSSEF)[-2:]
    assert again == first and first.startswith("Your booking")


async def test_a_screen_sent_again_edits_the_same_message(tg: TelegramApp) -> None:
    """A reply that replaced the pressed message replaces it again: nothing new appears."""
    await tg.say(YOUSSEF, "/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await tg.tap(YOUSSEF, code)
    results = tg.last(YOUSSEF)
    await tg.tap(YOUSSEF, "page:next", message=results)  # edits the results in place
    [kept] = (
        await tg.rows(OutboxMessage, OutboxMessage.kind == "direct_reply", order=OutboxMessage.id)
    )[-1:]
    assert kept.payload["edit_message_id"] == results.message_id
    messages, edits = len(tg.fake.sent_to(YOUSSEF.id)), len(tg.fake.edits(YOUSSEF.id))
    shown = tg.last(YOUSSEF).text

    async def marked() -> bool:
        return (await row(tg, kept.id)).status == "sent"

    await eventually(marked, what="the page marked as sent")
    await cut_short(tg, kept.id)

    async def sent_again() -> bool:
        found = await row(tg, kept.id)
        return (found.attempts, found.status) == (2, "sent")

    await eventually(sent_again, what="the page sent again")
    assert len(tg.fake.sent_to(YOUSSEF.id)) == messages  # no second copy of the page
    assert len(tg.fake.edits(YOUSSEF.id)) == edits  # Telegram: "message is not modified"
    assert tg.last(YOUSSEF).text == shown
    assert tg.fake.calls("editMessageText")[-1].params["message_id"] == results.message_id
