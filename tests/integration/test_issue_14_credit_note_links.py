"""Issue 14: after a refund the credit note reaches the chat as the invoice does: a signed
link of its own (a credit note's token opens no invoice, and the other way round) and the
PDF itself, sent as a document by the Telegram bot."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import CreditNote, Invoice, OutboxMessage, Payment
from dialogs.i18n.translator import translator
from payments.links import CREDIT_NOTE, INVOICE, HmacLinks
from tests.conftest import BACKENDS
from tests.fakes import FakeUser
from tests.integration.test_telegram_adapter import accepted_booking_for
from tests.support.admin import AdminCli
from tests.support.payments import (
    API_KEY,
    LINK_SECRET,
    Stack,
    eventually,
    sqlite_payment_stack,
)
from tests.support.telegram_app import CLIENT_TOKEN, TelegramApp, app_on_backend
from tests.support.telegram_app import eventually as soon

EN = translator("en")
NADIA = FakeUser(id=4141, first_name="Nadia", language_code="en")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_token_opens_only_the_kind_of_document_it_was_signed_for() -> None:
    links = HmacLinks(LINK_SECRET.encode(), "http://shop.example")
    now = datetime(2026, 5, 4, 9, 0).astimezone()
    invoice_token = links.token(7, now=now)
    note_token = links.token(7, now=now, purpose=CREDIT_NOTE)
    assert invoice_token != note_token
    assert links.check(invoice_token, now=now) == 7
    assert links.check(note_token, now=now, purpose=CREDIT_NOTE) == 7
    assert links.check(note_token, now=now, purpose=INVOICE) is None
    assert links.check(invoice_token, now=now, purpose=CREDIT_NOTE) is None
    url = links.credit_note_url(7, now=now)
    assert url == f"http://shop.example/credit-notes/{note_token}.pdf"
    expired = now + links.ttl + timedelta(seconds=1)
    assert links.check(note_token, now=expired, purpose=CREDIT_NOTE) is None


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock, "credit-notes.db") as running:
        yield running


async def status_of(http: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    async with http.get(url) as response:
        return response.status, await response.read()


async def test_the_credit_note_link_is_signed_for_credit_notes_only(stack: Stack) -> None:
    client = await stack.client("salma", email_address=None)
    booking_id = await stack.confirmed(client, "salma", days_ahead=10)
    await stack.send("client", "salma", payload=f"g|bk:{booking_id}")
    await stack.click("client", "salma", "cancel")
    await stack.click("client", "salma", "yes")

    async def noted() -> bool:  # once the outbox worker's refund is booked
        async with stack.uows() as uow:
            return await uow.session.scalar(select(CreditNote.id)) is not None

    await eventually(noted, "the credit note")
    async with stack.uows() as uow:
        note = (await uow.session.execute(select(CreditNote.id, CreditNote.number))).one()
        invoice_url = await uow.session.scalar(
            select(OutboxMessage.payload["url"]).where(OutboxMessage.kind == "invoice_issued")
        )
        news = await uow.session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "credit_note_issued")
        )
        invoice_id = await uow.session.scalar(select(Invoice.id))
    assert news is not None and isinstance(invoice_url, str)
    # The first invoice and the first credit note share an id: the test that matters.
    assert note.id == invoice_id
    url = str(news["url"])
    assert url.startswith(f"{stack.url}/credit-notes/") and url.endswith(".pdf")

    status, body = await status_of(stack.http, url)
    assert status == 200 and body.startswith(b"%PDF")
    assert note.number in pdf_text(body)

    token = url.rsplit("/", 1)[1].removesuffix(".pdf")
    note_id, expires, mac = token.split(".")
    invoice_token = invoice_url.rsplit("/", 1)[1].removesuffix(".pdf")
    altered = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    refused = [
        f"{stack.url}/credit-notes/{note_id}.{expires}.{altered}.pdf",
        f"{stack.url}/credit-notes/{note_id}.{int(expires) + 1}.{mac}.pdf",
        f"{stack.url}/credit-notes/{int(note_id) + 1}.{expires}.{mac}.pdf",
        f"{stack.url}/credit-notes/{invoice_token}.pdf",  # the invoice's token, same id
        f"{stack.url}/invoices/{token}.pdf",  # the credit note's token at the invoice route
    ]
    for forged in refused:
        status, _ = await status_of(stack.http, forged)
        assert status == 404, forged
    status, body = await status_of(stack.http, invoice_url)  # the invoice's own link still works
    assert status == 200 and body.startswith(b"%PDF")

    # In the chat: the document itself and a button that opens it, as for an invoice.
    async def in_chat() -> bool:
        return any(
            (m.get("document") or {}).get("url") == url
            for m in await stack.messages("client", "salma")
        )

    await eventually(in_chat, "the credit note in the chat")
    [said] = [
        m
        for m in await stack.messages("client", "salma")
        if m.get("document") and m["document"]["url"] == url
    ]
    assert said["document"]["filename"] == f"{note.number}.pdf"
    opens = [(b["label"], b.get("url")) for row in said["buttons"] for b in row if b.get("url")]
    assert opens == [("📄 " + EN("Open the credit note"), url)]


async def test_an_admin_refund_links_the_credit_note_the_server_opens(stack: Stack) -> None:
    client = await stack.client("hiba", email_address=None)
    booking_id = await stack.confirmed(client, "hiba", days_ahead=20)
    settings = stack.container.settings
    shared = {
        "MOUNASABET_PAYMENTS_LINK_SECRET": LINK_SECRET,
        "MOUNASABET_PUBLIC_URL": stack.url,
        "MOUNASABET_STRIPE_SECRET_KEY": API_KEY,
        "MOUNASABET_STRIPE_API_URL": str(settings.stripe_api_url),
    }
    admin = AdminCli(settings.database_url, more_env=tuple(shared.items()))
    await admin.ok("bookings", "refund", str(booking_id), "10000", "--reason", "late", "--yes")
    async with stack.uows() as uow:
        news = await uow.session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "credit_note_issued")
        )
        number = await uow.session.scalar(select(CreditNote.number))
    assert news is not None and number is not None
    url = str(news["url"])
    assert url.startswith(f"{stack.url}/credit-notes/")
    status, body = await status_of(stack.http, url)
    assert status == 200 and number in pdf_text(body)


@pytest.fixture(params=BACKENDS)
async def tg(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[TelegramApp]:
    async with app_on_backend(request.param, request, tmp_path, clock) as app:
        yield app


async def test_a_refund_sends_the_credit_note_pdf_to_the_telegram_chat(tg: TelegramApp) -> None:
    await tg.say(NADIA, "/start")
    booking_id = await accepted_booking_for(tg, NADIA)
    # Accepted behind the chat's back: the booking's screen offers the deposit link.
    await soon(lambda: bool(tg.fake.sent_to(NADIA.id, bot=CLIENT_TOKEN)[1:]), what="the news")
    await tg.tap(NADIA, f"bk:{booking_id}")
    await tg.tap(NADIA, f"pay:{booking_id}")

    async def pay_link() -> str | None:
        rows = await tg.rows(Payment, Payment.booking_id == booking_id)
        return rows[0].checkout_url if rows and rows[0].checkout_url else None

    async def linked() -> bool:
        return await pay_link() is not None

    await soon(linked, what="the deposit link")
    link = await pay_link()
    assert link is not None and link.startswith(tg.url + "/pay/")
    async with aiohttp.ClientSession() as http:
        async with http.get(link) as page:
            assert page.status == 200
        async with http.post(link, data={"action": "pay"}) as paid:
            assert paid.status == 200  # after the redirect to /pay/done

    def documents() -> list[str]:
        """The URLs the bot gave Telegram to fetch and send as documents, to Nadia."""
        return [
            str(c.params["document"])
            for c in tg.fake.calls("sendDocument", bot=CLIENT_TOKEN)
            if c.ok and str(c.params.get("chat_id")) == str(NADIA.id)
        ]

    await soon(lambda: len(documents()) == 1, within=10, what="the invoice in the chat")
    await tg.tap(NADIA, f"bk:{booking_id}")
    await tg.tap(NADIA, "cancel")
    await tg.tap(NADIA, "yes")

    # The refund is sent by the outbox worker after the step's commit; then the note.
    await soon(lambda: len(documents()) == 2, within=10, what="the credit note in the chat")
    [note] = await tg.rows(CreditNote)
    document = documents()[-1]
    assert document.startswith(tg.url + "/credit-notes/")
    async with aiohttp.ClientSession() as http, http.get(document) as fetched:  # as Telegram does
        assert fetched.status == 200 and fetched.content_type == "application/pdf"
        assert note.number in fetched.headers["Content-Disposition"]
        body = await fetched.read()
    assert body.startswith(b"%PDF") and note.number in pdf_text(body)
    [told] = [
        m for m in tg.fake.sent_to(NADIA.id, bot=CLIENT_TOKEN) if note.number in (m.text or "")
    ]
    assert f"credit note {note.number}" in (told.text or "")
    # Telegram refuses URL buttons to plain-http addresses, so this loopback link has none
    # (bots/telegram/render.py); the sandbox test above checks the "Open" button.
    assert "View booking" in told.button_texts()
