"""GET /invoices/<token>.pdf: an invoice for whoever holds a valid signed link."""

from __future__ import annotations

from aiohttp import web

from core.clock import Clock
from core.uow import UnitOfWorkFactory
from payments.links import HmacLinks
from payments.processing import InvoiceDocuments


class InvoiceRoute:
    def __init__(
        self, uows: UnitOfWorkFactory, links: HmacLinks, documents: InvoiceDocuments, clock: Clock
    ) -> None:
        self.uows, self.links, self.documents, self.clock = uows, links, documents, clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/invoices/{token}.pdf", self.get)]

    async def get(self, request: web.Request) -> web.Response:
        invoice_id = self.links.check(request.match_info["token"], now=self.clock.now())
        if invoice_id is None:  # forged, altered or expired: say nothing more
            raise web.HTTPNotFound()
        async with self.uows() as uow:
            found = await self.documents.pdf_of(uow, invoice_id)
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
