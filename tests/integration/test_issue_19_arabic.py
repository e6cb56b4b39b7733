"""Issue 19, right to left for real: an Arabic booking on WhatsApp, read as the screen
shows it (python-bidi's visual order), keeps every phone number, reference and date
whole; Arabic lists use "،"; "عرس" is a wedding.

Signed Twilio webhooks in, the fake Twilio REST API out, SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bidi import get_display  # type: ignore[import-untyped]
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Booking
from core.uow import UnitOfWorkFactory
from tests.fakes.twilio_api import SentMessage
from tests.integration.test_issue_19_whatsapp_screen import option
from tests.integration.test_whatsapp_channel import Stack, whatsapp_stack
from tests.support.factories import make_provider

PHONE = "+212612345002"
# What must read whole: a phone, a booking reference, a date, an amount.
TOKENS = re.compile(r"\+\d{8,15}|MSB-[A-Z0-9]{7}|\d{1,2}/\d{1,2}/\d{4}|\d[\d.]*,\d\d")
_MARKS = dict.fromkeys(map(ord, "\u2068\u2069\u200e\u200f"))


@pytest.fixture
async def stack(uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Stack]:
    async with whatsapp_stack(uows, clock, tmp_path) as s:
        yield s


def assert_reads_whole(messages: list[SentMessage]) -> int:
    """Every token of every line is found, in its own order, on the screen; how many."""
    seen = 0
    for message in messages:
        for line in (message.body or "").split("\n"):
            shown = get_display(line, base_dir="R").translate(_MARKS)
            for token in TOKENS.findall(line.translate(_MARKS)):
                assert token in shown, f"{token!r} broken on screen: {shown!r}"
                seen += 1
    return seen


async def say(stack: Stack, text: str) -> list[SentMessage]:
    shown = await stack.say(PHONE, text)
    assert shown
    return shown


async def test_an_arabic_booking_reads_right_to_left(stack: Stack) -> None:
    await make_provider(stack.uows, stack.clock.now())
    await say(stack, "مرحبا")  # first words in Arabic: the chat is in Arabic
    profile = await say(stack, "p-studio-atlas")
    dates = next(line for line in (profile[-1].body or "").split("\n") if "2026" in line)
    assert "، " in dates and ", " not in dates  # an Arabic list
    assert assert_reads_whole(profile) >= 2
    shown = await say(stack, option(profile, "حجز"))
    shown = await say(stack, "عرس")  # the occasion in everyday words
    assert "تاريخ" in (shown[0].body or "")  # on to the date: a wedding was understood
    shown = await say(stack, "19/01/2027")
    for answer in ("200", "الرباط", "قاعة الأمل"):
        shown = await say(stack, answer)
    shown = await say(stack, option(shown, "تخطي"))  # notes
    shown = await say(stack, "سلمى بناني")  # the name: this WhatsApp profile has none
    summary = await say(stack, option(shown, "تخطي"))  # e-mail
    body = summary[0].body or ""
    assert body.startswith("يرجى مراجعة طلبكم") and PHONE in body.translate(_MARKS)
    assert assert_reads_whole(summary) >= 4  # the phone, the date and three amounts
    sent = await say(stack, option(summary, "إرسال الطلب"))
    async with stack.uows() as uow:
        reference = await uow.session.scalar(select(Booking.reference))
    assert reference and any(reference in (m.body or "") for m in sent)
    assert assert_reads_whole(sent) >= 1
    mine = await say(stack, "/mybookings")
    assert assert_reads_whole(mine) >= 2  # "MSB-… · 19/1/2027 · …" in the list
