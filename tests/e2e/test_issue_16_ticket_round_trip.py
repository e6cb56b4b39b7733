"""Issue 16: a ticket opened in the Telegram client bot, answered from `mounasabet-admin`.

The user writes through the fake Bot API to our real webhook; the admin runs the installed
`mounasabet-admin` as a separate process on the same database; the app's outbox worker
delivers the answer into the user's Telegram chat, whose "Reply" button leads back into
the ticket.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FixedClock
from core.db.tables import Ticket, TicketMessage
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.support.admin import admin_process
from tests.support.telegram_app import TelegramApp, assert_wire_clean, eventually

NADIA = FakeUser(id=2101, first_name="Nadia", language_code="ar")


@pytest.fixture
def clock() -> FixedClock:
    # The CLI stamps its outbox rows with the real time: the app's fixed clock stands a
    # little ahead so that the worker finds them due.
    return FixedClock(datetime.now(UTC) + timedelta(hours=1))


async def test_ticket_opened_in_telegram_answered_from_the_cli(tg: TelegramApp) -> None:
    ar = translator("ar")
    await tg.say(NADIA, "/start")
    await tg.say(NADIA, "/support")
    await tg.tap(NADIA, "sc:booking")
    await tg.tap(NADIA, "sb:0")
    await tg.say(NADIA, "لم يصلني الوصل")
    [ticket] = await tg.rows(Ticket)
    assert ar("Ticket #{n} is open. Our team will answer you here.", n=ticket.id) in tg.texts(NADIA)

    url = tg.container.settings.database_url
    code, _, err = await admin_process(url, "tickets", "reply", str(ticket.id), "أرسلناه لك")
    assert code == 0, err

    heading = ar("Our team answered your ticket #{n}:", n=ticket.id)

    def answer_arrived() -> bool:
        return any(heading in text and "أرسلناه لك" in text for text in tg.texts(NADIA))

    await eventually(answer_arrived, what="the admin's answer in the user's Telegram chat")
    await tg.tap(NADIA, f"tk:{ticket.id}")  # "Reply" under the answer
    await tg.say(NADIA, "شكرا، وصلني")
    bodies = [m.body for m in await tg.rows(TicketMessage, order=TicketMessage.id)]
    assert bodies == ["لم يصلني الوصل", "أرسلناه لك", "شكرا، وصلني"]

    code, _, err = await admin_process(url, "tickets", "close", str(ticket.id), "--yes")
    assert code == 0, err
    closed = ar(
        "Your ticket #{n} is closed. Tell us how we did: tap below to rate our answer.", n=ticket.id
    )
    await eventually(lambda: closed in tg.texts(NADIA), what="the closing news")
    assert_wire_clean(tg.fake)
