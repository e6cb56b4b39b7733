"""Builds the payment parts from settings: Stripe when a key is set, else the offline gateway."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from core.clock import Clock
from core.payments.gateway_tasks import GatewayTasks
from core.payments.invoice_parties import InvoiceIssuer
from core.payments.links import PaymentLinks
from core.payments.ports import Payments
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from payments.email import EmailSender, SmtpTarget
from payments.i18n import Translations
from payments.invoice_route import InvoiceRoute
from payments.links import HmacLinks, link_secret
from payments.offline_gateway import OfflineGateway
from payments.offline_page import OfflinePayPage
from payments.processing import EventProcessor, InvoiceDocuments
from payments.stripe_gateway import StripeGateway
from payments.stripe_webhook import StripeWebhook


@dataclass
class PaymentParts:
    payments: Payments
    processor: EventProcessor
    documents: InvoiceDocuments
    links: HmacLinks
    email: EmailSender | None
    gateway_tasks: GatewayTasks  # the outbox's sender for gateway calls (link expiry, refunds)
    news_links: PaymentLinks  # the links news carries, made by the outbox worker before wording

    async def close(self) -> None:
        gateway = self.payments.gateway
        if isinstance(gateway, StripeGateway):
            await gateway.close()


def build_payments(
    settings: Settings, uows: UnitOfWorkFactory, clock: Clock, translations: Translations
) -> PaymentParts:
    base = settings.base_url
    links = HmacLinks(link_secret(settings), base)
    gateway: StripeGateway | OfflineGateway
    if settings.stripe_secret_key is not None:
        gateway = StripeGateway(
            settings.stripe_secret_key.get_secret_value(),
            api_url=settings.stripe_api_url,
            return_url=base,
            timeout=settings.stripe_timeout,
        )
    else:
        gateway = OfflineGateway(base)
    issuer = InvoiceIssuer(
        name=settings.platform_legal_name,
        address=settings.platform_address,
        ice=settings.platform_ice,
        tax_id=settings.platform_if,
        trade_register=settings.platform_rc,
        commission_vat_bp=settings.invoice_commission_vat_bp,
    )
    payments = Payments(gateway, links, settings.commission_bp, issuer)
    documents = InvoiceDocuments(translations)
    processor = EventProcessor(uows, payments, documents, clock)
    email = None
    if settings.smtp_url:
        email = EmailSender(
            uows,
            SmtpTarget.parse(settings.smtp_url),
            sender=settings.email_from,
            translations=translations,
            documents=documents,
        )
    gateway_tasks = GatewayTasks(uows, payments, clock)
    news_links = PaymentLinks(uows, gateway, clock)
    return PaymentParts(payments, processor, documents, links, email, gateway_tasks, news_links)


def build_payment_routes(
    pay: PaymentParts,
    settings: Settings,
    uows: UnitOfWorkFactory,
    clock: Clock,
    translations: Translations,
) -> list[web.RouteDef]:
    """The web server's payment pages (the worker needs none): webhook, invoices, checkout."""
    webhook_secret = settings.stripe_webhook_secret
    return [
        *StripeWebhook(
            webhook_secret.get_secret_value() if webhook_secret else None, pay.processor
        ).routes(),
        *InvoiceRoute(uows, pay.links, pay.documents, clock).routes(),
        # Our own checkout page only stands in for Stripe's; the return pages serve both.
        *OfflinePayPage(uows, pay.processor, clock, translations, settings.default_locale).routes(),
    ]
