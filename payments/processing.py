"""Runs gateway events through core, one transaction each, then renders new invoices."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from core.clock import Clock
from core.db.tables import CreditNote, Invoice
from core.payments.events import EventResult, handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWork, UnitOfWorkFactory
from payments.credit_note_pdf import render_credit_note
from payments.i18n import Translations
from payments.invoice_pdf import render_invoice

log = logging.getLogger(__name__)


@dataclass
class InvoicePdf:
    invoice_id: int
    number: str
    amount_minor: int
    currency: str
    pdf: bytes


class InvoiceDocuments:
    """Invoice PDFs: rendered once from the frozen data, then kept with the invoice."""

    def __init__(self, translations: Translations) -> None:
        self.translations = translations

    async def render(self, invoice: Invoice) -> bytes:
        t = self.translations(invoice.locale)
        # fpdf2 is CPU work: keep the event loop free for other chats meanwhile.
        return await asyncio.to_thread(render_invoice, dict(invoice.data), t)

    async def pdf_of(self, uow: UnitOfWork, invoice_id: int) -> InvoicePdf | None:
        """The invoice's PDF, rendering and storing it if it is not there yet."""
        invoice = await uow.session.get(Invoice, invoice_id)
        if invoice is None:
            return None
        found = InvoicePdf(
            invoice.id, invoice.number, invoice.amount_minor, invoice.currency, invoice.pdf or b""
        )
        if not found.pdf:
            found.pdf = invoice.pdf = await self.render(invoice)
            await uow.commit()
        return found

    async def credit_note_pdf(self, uow: UnitOfWork, credit_note_id: int) -> InvoicePdf | None:
        """A credit note's PDF, rendered from its frozen data (small: not stored)."""
        note = await uow.session.get(CreditNote, credit_note_id)
        if note is None:
            return None
        t = self.translations(note.locale)
        pdf = await asyncio.to_thread(render_credit_note, dict(note.data), t)
        return InvoicePdf(note.id, note.number, note.amount_minor, note.currency, pdf)


class EventProcessor:
    """The one way in for Stripe webhooks and the offline pay page."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        payments: Payments,
        documents: InvoiceDocuments,
        clock: Clock,
    ) -> None:
        self.uows, self.payments, self.documents, self.clock = uows, payments, documents, clock

    async def process(self, event: GatewayEvent) -> EventResult:
        async with self.uows() as uow:
            result = await handle_gateway_event(uow, self.payments, event, now=self.clock.now())
            await uow.commit()
        for invoice_id in result.invoice_ids:
            # After the commit: the payment is safe even if a document fails to render
            # (the link and the email render it on first use).
            try:
                async with self.uows() as uow:
                    await self.documents.pdf_of(uow, invoice_id)
            except Exception:
                log.exception("invoice %s not rendered yet", invoice_id)
        return result
