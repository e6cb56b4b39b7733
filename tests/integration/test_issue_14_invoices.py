"""Issue 14: the policy before confirming, credit notes after refunds, what the provider
keeps, invoices a Moroccan business can use, and the summary's email on the invoice."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import CreditNote, Invoice, OutboxMessage
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.admin import AdminCli
from tests.support.chat import client_chat, journeys, open_market
from tests.support.migrated import migrate
from tests.support.payments import PROVIDER_SLUG, Stack, eventually, payment_stack

EN = translator("en")
PLATFORM: dict[str, Any] = {
    "platform_legal_name": "Mounasabet SARL",
    "platform_address": "12 rue Ibn Batouta, Casablanca",
    "platform_ice": "001234567000089",
    "platform_if": "45678912",
    "platform_rc": "Casablanca 512345",
    "invoice_commission_vat_bp": 2000,
}


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'invoices.db'}"
    migrate(url)
    async with payment_stack(url, clock, **PLATFORM) as running:
        yield running


def attachment(message: EmailMessage) -> bytes:
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no PDF in {message['Subject']!r}")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def mail_about(stack: Stack, words: str) -> EmailMessage:
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        found[:] = [m for m in stack.mailbox.messages if words in str(m["Subject"])]
        return bool(found)

    await eventually(arrived, f"an email about {words}")
    return found[-1]


async def test_the_summary_states_the_policy_and_the_deposit_in_plain_words(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["book"])
    assert await chat.position() == "book:summary"
    text = chat.last.text
    assert (
        "If you cancel: full refund up to 30 days before, half refunded up to 7 days before, "
        "nothing after that." in text
    )
    assert "If the provider cancels, everything you paid is refunded." in text
    assert "Why a deposit of 30 %: it holds the date for you" in text


@pytest.mark.parametrize(("days", "back"), [(3, 0), (10, 60_000), (60, None)])
async def test_the_summary_says_what_cancelling_today_would_give_back_once_paid(
    uows: UnitOfWorkFactory, clock: FixedClock, days: int, back: int | None
) -> None:
    """Inside a tier below the first (half up to 7 days, nothing after), the client reads
    what a cancellation would give back before sending, not first on the cancel screen."""
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    day = (clock.now() + timedelta(days=days)).strftime("%d/%m/%Y")
    steps = [(kind, day if arg == "20 June" else arg) for kind, arg in journeys(market)["book"]]
    await chat.play(steps)
    assert await chat.position() == "book:summary"
    text, en = chat.last.text, translator("en")
    deposit = en.money(120_000, "MAD")
    assert f"Deposit to confirm: {deposit}" in text
    said = "If you cancelled today, after paying the deposit, you would get back"
    if back is None:
        assert said not in text
    else:
        assert f"{said} {en.money(back, 'MAD')} of {deposit}." in text
    assert "Name: Test user" in text  # the channel's name, which Edit can change


async def test_a_late_cancellation_refunds_half_with_a_credit_note_and_the_provider_knows(
    stack: Stack,
) -> None:
    client = await stack.client("salma", email_address="salma@example.com")
    booking_id = await stack.confirmed(client, "salma", days_ahead=10)
    await stack.send("client", "salma", payload=f"g|bk:{booking_id}")
    await stack.click("client", "salma", "cancel")
    await stack.click("client", "salma", "yes")
    booking = await stack.booking(booking_id)
    half = booking.deposit_minor // 2

    async def refunded() -> bool:  # the outbox worker sends it, after the step's commit
        return (await stack.booking(booking_id)).refunded_minor == half

    await eventually(refunded, "half the deposit back")

    # The credit note: its own series, naming the invoice; in the chat and by email.
    async with stack.uows() as uow:
        notes = (
            await uow.session.execute(
                select(CreditNote.number, CreditNote.invoice_id, CreditNote.amount_minor)
            )
        ).all()
        invoices = (await uow.session.execute(select(Invoice.id, Invoice.number))).all()
    [(invoice_id, invoice_number)] = invoices
    assert [tuple(n) for n in notes] == [("MSB-AV-2026-000001", invoice_id, half)]
    mail = await mail_about(stack, "MSB-AV-2026-000001")
    text = pdf_text(attachment(mail))
    assert "MSB-AV-2026-000001" in text and invoice_number in text
    assert EN.money(half) in text

    async def told() -> bool:
        texts = await stack.bot_texts("client", "salma")
        return any("credit note MSB-AV-2026-000001" in t for t in texts)

    await eventually(told, "the credit note in the chat")
    # The booking shows what came back.
    shown = await stack.send("client", "salma", payload=f"g|bk:{booking_id}")
    assert "Refunded: " + EN.money(half) in shown[-1]["text"]
    # And its documents, with links signed now that open them (in the text for WhatsApp).
    links = dict(
        line.removeprefix("📄 ").split(": ", 1)
        for line in shown[-1]["text"].splitlines()
        if line.startswith("📄 ")
    )
    assert set(links) == {invoice_number, "MSB-AV-2026-000001"}
    for url in links.values():
        async with stack.http.get(url) as response:
            assert response.status == 200 and (await response.read()).startswith(b"%PDF")

    # The provider learns what they keep: the other half (French, the factories' language).
    fr = translator("fr")
    kept = fr(
        "Under your cancellation policy you keep {kept} of the {paid} paid (before the "
        "Mounasabet commission).",
        kept=fr.money(booking.deposit_minor - half),
        paid=fr.money(booking.deposit_minor),
    )

    async def provider_told() -> bool:
        return any(kept in t for t in await stack.bot_texts("provider", PROVIDER_SLUG))

    await eventually(provider_told, "the provider told what they keep")


async def test_the_invoice_names_both_businesses_the_client_and_the_commission(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    admin = AdminCli(stack.container.settings.database_url)
    refused = await admin.fails("providers", "legal", PROVIDER_SLUG, "--ice", "12345")
    assert "invalid_ice" in refused
    await admin.ok(
        "providers",
        "legal",
        PROVIDER_SLUG,
        "--name",
        "Studio Atlas SARL AU",
        "--address",
        "5 avenue Mohammed V, Rabat",
        "--ice",
        "002345678000012",
        "--if",
        "87654321",
        "--rc",
        "Rabat 98765",
    )
    client = await stack.client("salma", email_address="salma@example.com")
    booking_id = await stack.confirmed(
        client, "salma", days_ahead=20, contact_name="Salma Bennani", venue="Rabat"
    )
    booking = await stack.booking(booking_id)
    mail = await mail_about(stack, "MSB-2026-000001")
    text = pdf_text(attachment(mail))
    for expected in (
        "Mounasabet SARL",
        "12 rue Ibn Batouta, Casablanca",
        "ICE 001234567000089",
        "IF 45678912",
        "RC Casablanca 512345",
        "Studio Atlas SARL AU",
        "ICE 002345678000012",
        "IF 87654321",
        "RC Rabat 98765",
        "Salma Bennani",
        f"{booking.reference}-DEP1",  # a reference a person can read out
    ):
        assert expected in text, expected
    # 10 % of the deposit is the platform's, 20 % VAT included in it.
    commission = booking.deposit_minor // 10
    assert EN.money(commission) in text
    assert EN.money(commission // 6) in text
    assert "Rabat, Rabat" not in text
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]


async def test_the_invoice_uses_the_email_the_summary_showed(stack: Stack) -> None:
    client = await stack.client("hiba", email_address="old@example.com")
    await stack.send("client", "hiba", text=f"/start p-{PROVIDER_SLUG}")
    await stack.click("client", "hiba", f"book:{stack.service_id}")
    await stack.click("client", "hiba", "evt:wedding")
    await stack.send("client", "hiba", text="14/06/2026")
    await stack.click("client", "hiba", "gst:200")
    await stack.click("client", "hiba", "city:rabat")
    await stack.send("client", "hiba", text="Salle Al Amal")
    await stack.click("client", "hiba", "skip")  # notes
    summary = await stack.send("client", "hiba", text="0612345678")
    assert "Email: old@example.com" in summary[-1]["text"]  # remembered, and shown
    await stack.click("client", "hiba", "edit:email")
    summary = await stack.click("client", "hiba", "skip")
    assert "Email: —" in summary[-1]["text"]
    await stack.click("client", "hiba", "confirm")
    async with stack.uows() as uow:
        booking_id = await uow.session.scalar(select(OutboxMessage.payload["booking_id"]))
    assert booking_id is not None
    booking_id = int(booking_id)
    assert (await stack.booking(booking_id)).contact_email is None
    await stack.accept(booking_id)
    await stack.pay_deposit(booking_id)

    async def invoiced() -> bool:
        async with stack.uows() as uow:
            return await uow.session.scalar(select(Invoice.id)) is not None

    await eventually(invoiced, "the invoice")
    async with stack.uows() as uow:
        billed = await uow.session.scalar(select(Invoice.data))
        emails = (
            await uow.session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.kind.in_(("invoice_email", "booking_confirmation_email"))
                )
            )
        ).all()
    # "Email: —" in the summary: no email on the invoice, none sent to the old address.
    assert billed is not None and billed["client"]["email"] is None
    assert emails == [] and client
