"""A step that fails on WhatsApp still answers. WhatsApp replies are sent by the worker
from the outbox, where the step's transaction keeps them; a step that raised kept nothing,
so its apology was dropped and the client heard nothing at all (found on 2026-12-06, when
a diagram lacked an arrow and the test run turned that into an error)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db.tables import ProcessedEvent, User
from dialogs.framework.engine import DialogEngine
from dialogs.framework.errors import APOLOGY
from dialogs.i18n.translator import translator
from tests.e2e.test_whatsapp_journey import CLIENT_PHONE, World, world  # noqa: F401 - fixture

APOLOGIES = {translator(code)(APOLOGY) for code in ("ar", "fr", "en")}


async def test_a_failing_step_is_answered_with_an_apology_on_whatsapp(
    world: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(self: DialogEngine, *args: object) -> None:
        raise RuntimeError("a bug in a step")

    with monkeypatch.context() as patched:
        patched.setattr(DialogEngine, "dispatch", broken)
        first = await world.client_says("Bonjour")  # the first contact: in a transaction
        assert len(first) == 1 and first[0].body in APOLOGIES
    welcome = await world.client_says("Bonjour")
    assert "Bienvenue sur Mounasabet" in (welcome[0].body or "")
    await world.client_says("1")  # Find a provider
    with monkeypatch.context() as patched:
        patched.setattr(DialogEngine, "dispatch", broken)
        again = await world.client_says("Photographe")  # a read-only step: no transaction
        assert len(again) == 1 and again[0].body in APOLOGIES
    # The apology answers nothing: the numbers still pick from the list above it.
    city = await world.client_says("1")  # Photographer
    assert translator("fr")("In which city is the event?") in (city[0].body or "")

    async with world.container.uows() as uow:
        users = await uow.session.scalar(
            select(func.count()).select_from(User).where(User.phone_e164 == CLIENT_PHONE)
        )
        claimed = await uow.session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert users == 1  # the apology's user is the one who then went on
    assert claimed == 5  # every message once, the failed ones included
