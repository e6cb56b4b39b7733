"""Issue 19 on WhatsApp: news with its own numbered options arrives seconds before the person
types a number meant for the list they were reading. The engine asks which one they meant,
each choice named with its booking, and does nothing until they say.

Signed Twilio webhooks in, the outbox worker's REST calls out to the fake Twilio API,
SQLite and PostgreSQL (the ``uows`` fixture).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.uow import UnitOfWorkFactory
from dialogs.framework.confirm import NEWS_OVERLAP
from tests.integration.test_issue_19_whatsapp_screen import bodies, references, states
from tests.integration.test_whatsapp_channel import (
    PROVIDER_PHONE,
    Stack,
    provider_with_phone,
    whatsapp_stack,
)
from tests.support.bookings import request
from tests.support.factories import make_user

FIRST, SECOND = date(2027, 1, 19), date(2027, 3, 20)


@pytest.fixture
async def stack(uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Stack]:
    async with whatsapp_stack(uows, clock, tmp_path) as s:
        yield s


async def home_then_news(stack: Stack) -> tuple[str, str]:
    """The provider reads their home list ("1. <first request>"), then a new request's
    card comes in, in session, with "1. ✅ Accepter 2. ✖ Refuser 3. ↪ Autres conditions":
    the references."""
    _, _, service_id = await provider_with_phone(stack)
    client = await make_user(stack.uows, stack.clock.now())
    first = await request(stack.uows, stack.clock.now(), client, service_id, FIRST)
    shown = await stack.say(PROVIDER_PHONE, "Bonjour")
    (ref_first,) = await references(stack, first)
    assert f"1. {ref_first}" in bodies(shown)[-1]

    second = await request(stack.uows, stack.clock.now(), client, service_id, SECOND)
    assert await stack.flush() == 1
    (ref_second,) = await references(stack, second)
    card = stack.fake.sent_to(PROVIDER_PHONE)[-1].body or ""
    assert ref_second in card and card.endswith(
        "1. ✅ Accepter\n2. ✖ Refuser\n3. ↪ Autres conditions"
    )
    return ref_first, ref_second


async def test_a_number_typed_seconds_after_news_with_options_asks_which_was_meant(
    stack: Stack,
) -> None:
    ref_first, ref_second = await home_then_news(stack)
    stack.clock.advance(timedelta(seconds=5))

    (question,) = await stack.say(PROVIDER_PHONE, "1")
    body = question.body or ""
    assert "« 1 »" in body or "“1”" in body
    # Both meanings, numbered anew, each naming its booking; nothing done yet.
    assert f"\n1. {ref_first}" in body
    assert f"\n2. ✅ Accepter {ref_second}" in body
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}

    (opened, *_) = await stack.say(PROVIDER_PHONE, "1")  # the list they were reading
    assert (opened.body or "").startswith(f"Demande de réservation {ref_first}")
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}


async def test_the_news_meaning_is_one_answer_away_and_named(stack: Stack) -> None:
    ref_first, ref_second = await home_then_news(stack)
    stack.clock.advance(timedelta(seconds=3))
    await stack.say(PROVIDER_PHONE, "1")

    (done, *_) = await stack.say(PROVIDER_PHONE, "2")
    assert f"Vous avez accepté {ref_second}" in (done.body or "")
    assert await states(stack) == {ref_first: "requested", ref_second: "accepted"}


async def test_later_the_number_belongs_to_the_news_as_the_last_list_shown(stack: Stack) -> None:
    ref_first, ref_second = await home_then_news(stack)
    stack.clock.advance(NEWS_OVERLAP + timedelta(seconds=1))

    (reasons,) = await stack.say(PROVIDER_PHONE, "2")  # "Refuser" on the card, read long
    body = reasons.body or ""
    assert body.startswith("Pourquoi refusez-vous") and "Que vouliez-vous dire" not in body
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}


async def test_a_number_past_the_end_of_the_news_list_is_for_the_list_before(
    stack: Stack,
) -> None:
    """The card has three options: "4" typed seconds after it can only be the home's (it
    used to get "not understood"). A choice with consequences would be asked first."""
    await home_then_news(stack)
    home = bodies(stack.fake.sent_to(PROVIDER_PHONE))[-2]
    numbered = [line for line in home.splitlines() if line[:1].isdigit() and ". " in line]
    assert len(numbered) >= 4, home
    fourth = numbered[3].partition(". ")[2]
    stack.clock.advance(timedelta(seconds=5))

    (opened, *_) = await stack.say(PROVIDER_PHONE, "4")
    assert fourth == "🧰 Mes prestations"
    assert (opened.body or "").startswith("Vos prestations.")


async def test_long_after_the_news_a_number_past_its_end_is_still_the_list_before(
    stack: Stack,
) -> None:
    """An hour after the card came (three options), "4" can still only be the home's: taken
    as such, not "not understood". A choice with consequences from there is asked first."""
    ref_first, ref_second = await home_then_news(stack)
    stack.clock.advance(timedelta(hours=1))

    (opened, *_) = await stack.say(PROVIDER_PHONE, "4")
    assert (opened.body or "").startswith("Vos prestations."), opened.body
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}


async def test_a_label_only_the_list_before_has_is_that_lists(stack: Stack) -> None:
    """Under a request's card (Accept, Decline, Other terms), "Prestations" typed is the
    home's option of that name: not "please choose an option"."""
    ref_first, ref_second = await home_then_news(stack)
    stack.clock.advance(timedelta(minutes=5))

    (opened, *_) = await stack.say(PROVIDER_PHONE, "Mes prestations")
    assert (opened.body or "").startswith("Vos prestations."), opened.body
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}


async def test_the_screen_the_sender_records_is_this_process_s_memory_of_the_chat(
    stack: Stack,
) -> None:
    """The news went out from this process: its chat memory has the new screen, so the
    "1" (Accept) typed under it runs once, on the fast path. Before, the memory still held
    the home, where "1" opens the first request: the version check refused that run, and
    the update ran again in a transaction."""
    ref_first, ref_second = await home_then_news(stack)
    engine = stack.whatsapp.channel.engines["provider"]
    before = Counter(engine.paths)
    stack.clock.advance(NEWS_OVERLAP + timedelta(seconds=1))

    (accepted, *_) = await stack.say(PROVIDER_PHONE, "1")
    assert f"Vous avez accepté {ref_second}" in (accepted.body or "")
    assert await states(stack) == {ref_first: "requested", ref_second: "accepted"}
    assert Counter(engine.paths) - before == Counter(fast=1)
