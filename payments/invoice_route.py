"""GET /invoices/<token>.pdf and /credit-notes/<token>.pdf: the document for whoever holds
a valid signed link. Each route checks its token under its own purpose (payments/links.py),
so a credit note's link never opens the invoice with the same id, nor the other way round."""

from __future__ import annotations

from aiohttp import web

from core.clock import Clock
from core.uow import UnitOfWorkFactory
from payments.links import CREDIT_NOTE, INVOICE, HmacLinks
from payments.processing import InvoiceDocuments, InvoicePdf


class InvoiceRoute:
    def __init__(
        self, uows: UnitOfWorkFactory, links: HmacLinks, documents: InvoiceDocuments, clock: Clock
    ) -> None:
        self.uows, self.links, self.documents, self.clock = uows, links, documents, clock

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/invoices/{token}.pdf", self.get),
            web.get("/credit-notes/{token}.pdf", self.get_credit_note),
        ]

    def _granted(self, request: web.Request, purpose: str) -> int:
        document_id = self.links.check(
            request.match_info["token"], now=self.clock.now(), purpose=purpose
        )
        if document_id is None:  # forged, altered, expired or for another kind: say nothing more
            raise web.HTTPNotFound()
        return document_id

    async def get(self, request: web.Request) -> web.Response:
        invoice_id = self._granted(request, INVOICE)
        async with self.uows() as uow:
            found = await self.documents.pdf_of(uow, invoice_id)
        return _pdf(found)

    async def get_credit_note(self, request: web.Request) -> web.Response:
        credit_note_id = self._granted(request, CREDIT_NOTE)
        async with self.uows() as uow:
            found = await self.documents.credit_note_pdf(uow, credit_note_id)
        return _pdf(found)


def _pdf(found: InvoicePdf | None) -> web.Response:
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=found.pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{found.number}.pdf"',
            "Cache-Control": "private, max-age=3600",
            "X-Robots-Tag": "noindex",
        },
    )
