"""The search results and the provider profile run without a transaction, from the
cache, and say exactly what they say inside one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from core.clock import FixedClock
from core.db.tables import User
from core.uow import UnitOfWork, UnitOfWorkFactory
from dialogs.client.discover import results_prompt
from dialogs.client.profile import profile_prompt
from dialogs.framework.context import Ctx, Deps
from dialogs.framework.reads import CachedReads, Reads, SessionReads
from dialogs.framework.replies import Reply
from dialogs.framework.state import DialogState
from dialogs.nlu.builtin import BuiltinParser
from tests.support.search_data import Built, ServiceSpec, add_provider

Prompt = Callable[[Ctx], Awaitable[Reply]]


@pytest.fixture
async def built(uows: UnitOfWorkFactory, clock: FixedClock) -> Built:
    return await add_provider(
        uows,
        clock.now(),
        "atlas",
        services=[ServiceSpec(), ServiceSpec(pricing_model="per_guest", price_minor=30_000)],
        cities=["rabat", "fes"],
        rating_x100=470,
        rating_count=3,
    )


def ctx_for(
    uow: UnitOfWork | None, reads: Reads, now: datetime, data: dict[str, Any], locale: str
) -> Ctx:
    user = User(role="client", display_name="Client", locale=locale, created_at=now)
    state = DialogState(flow="discover", step="results", data=dict(data), seq=7)
    return Ctx(uow, user, state, now, Deps(nlu=BuiltinParser()), "telegram", reads=reads)


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize(
    ("prompt", "data", "shows_atlas"),
    [
        (results_prompt, {"category": "photographer", "city": "rabat", "day": "2026-06-13"}, True),
        (profile_prompt, {"provider_id": 0}, True),  # 0: filled in with atlas's id
        (profile_prompt, {"provider_id": 424242}, False),
    ],
)
async def test_cached_step_says_what_the_transaction_says(
    uows: UnitOfWorkFactory,
    built: Built,
    clock: FixedClock,
    prompt: Prompt,
    data: dict[str, Any],
    shows_atlas: bool,
    locale: str,
) -> None:
    now = clock.now()
    if data.get("provider_id") == 0:
        data = {"provider_id": built.provider_id}
    cached = CachedReads(uows.session_factory)
    # No unit of work at all, as on the read-only path: ctx.uow would raise AttributeError.
    outside = await prompt(ctx_for(None, cached, now, data, locale))
    async with uows() as uow:
        inside = await prompt(ctx_for(uow, SessionReads(uow), now, data, locale))
    assert outside == inside
    assert await prompt(ctx_for(None, cached, now, data, locale)) == inside  # from memory
    assert ("atlas" in inside.text) is shows_atlas
