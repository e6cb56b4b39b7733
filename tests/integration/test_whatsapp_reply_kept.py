"""Issue 12, item 2 on WhatsApp: the answer is in the outbox as soon as its step commits.

It used to be queued in a second transaction after the step: a process dying between
the two left the message handled (its MessageSid claimed) and never answered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bots.whatsapp.channel import WhatsAppInbound
from core.clock import FixedClock
from core.db.tables import OutboxMessage, ProcessedEvent
from core.uow import Committed, UnitOfWorkFactory
from tests.integration.test_whatsapp_channel import PHONE, whatsapp_stack


class ProcessDied(BaseException):
    """Stands for the process dying (nothing in the app can catch it)."""


async def test_the_process_dying_right_after_the_step_loses_no_answer(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    async with whatsapp_stack(uows, clock, tmp_path) as stack:

        def die(_: Committed) -> None:
            uows.after_commit.remove(die)
            raise ProcessDied

        uows.after_commit.append(die)  # runs once the step's transaction has committed
        message = WhatsAppInbound(sid="SM" + "7" * 32, phone=PHONE, text="Bonjour")
        with pytest.raises(ProcessDied):
            await stack.whatsapp.channel.receive(message)

        async with uows() as uow:
            claimed = await uow.session.scalar(select(ProcessedEvent.external_id))
            kinds = (await uow.session.scalars(select(OutboxMessage.kind))).all()
        assert claimed == message.sid  # handled: Twilio's retry would change nothing
        assert kinds == ["direct_reply"]  # and answered all the same, by the worker:
        assert await stack.flush() == 1
        (answer,) = stack.fake.sent_to(PHONE)
        assert answer.body and "Mounasabet" in answer.body

        # Twilio delivering the same message again sends nothing more.
        assert await stack.whatsapp.channel.receive(message) == []
        assert await stack.flush() == 0
        assert len(stack.fake.sent_to(PHONE)) == 1
