"""The admin tool's composition root: core, and the payment gateway for the commands that
move money (payment links are built by the command that signs them).

No channel, no dialog engine, no NLU: listing bookings must not pay for what serving
chats needs (the import-linter contracts keep ``bots`` and ``dialogs.nlu`` out).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.bootstrap import build_uow_factory
from core.clock import Clock, SystemClock
from core.db.engine import make_engine
from core.payments.ports import PaymentGateway
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from payments.links import HmacLinks, link_secret
from payments.offline_gateway import OfflineGateway
from payments.stripe_gateway import StripeGateway


@dataclass
class AdminParts:
    settings: Settings
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    clock: Clock
    _gateway: PaymentGateway | None = None

    def gateway(self) -> PaymentGateway:
        """The payment gateway, built only by the commands that move money."""
        if self._gateway is None:
            if self.settings.stripe_secret_key is not None:
                self._gateway = StripeGateway(
                    self.settings.stripe_secret_key.get_secret_value(),
                    api_url=self.settings.stripe_api_url,
                    return_url=self.settings.base_url,
                )
            else:
                self._gateway = OfflineGateway(self.settings.base_url)
        return self._gateway

    def links(self) -> HmacLinks | None:
        """Signs credit note links for refunds made here, where the server can open them:
        with the secret the server shares (else the chat gets the news without a link, and
        the email still carries the PDF)."""
        shared = self.settings.payments_link_secret or self.settings.stripe_secret_key
        if shared is None:
            return None
        return HmacLinks(link_secret(self.settings), self.settings.base_url)

    async def close(self) -> None:
        if isinstance(self._gateway, StripeGateway):
            await self._gateway.close()
        await self.engine.dispose()


def build_admin(settings: Settings, *, clock: Clock | None = None) -> AdminParts:
    """What one admin command needs, from settings; close it when the command ends."""
    engine = make_engine(settings.database_url)
    return AdminParts(
        settings=settings,
        engine=engine,
        uows=build_uow_factory(engine, settings.deadlines),
        clock=clock or SystemClock(),
    )
