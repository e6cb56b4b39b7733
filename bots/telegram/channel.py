"""One Telegram bot (client or provider): updates in through aiogram, dialog replies out."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError
from aiogram.types import CallbackQuery, Message, Update, User
from sqlalchemy import select

from bots.telegram.render import TelegramRenderer
from core.clock import Clock
from core.db.tables import ChannelIdentity
from core.notifications.outbox import enqueue
from core.uow import UnitOfWorkFactory
from dialogs.engine import DialogEngine, Inbound
from dialogs.replies import Reply

log = logging.getLogger(__name__)


class TelegramChannel:
    def __init__(
        self,
        kind: str,
        bot: Bot,
        engine: DialogEngine,
        renderer: TelegramRenderer,
        uows: UnitOfWorkFactory,
        clock: Clock,
    ) -> None:
        self.kind, self.bot, self.engine, self.renderer = kind, bot, engine, renderer
        self.uows, self.clock = uows, clock
        self.channel = f"telegram_{kind}"
        router = Router(name=self.channel)
        router.message.register(self.on_message, F.chat.type == "private")
        router.callback_query.register(self.on_callback)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(router)

    async def process(self, update: dict[str, object]) -> None:
        """Handle one raw update; raises if it could not be committed (Telegram retries)."""
        await self.dispatcher.feed_raw_update(self.bot, update)

    def _inbound(
        self,
        update: Update,
        user: User,
        chat_id: int,
        *,
        text: str | None = None,
        payload: str | None = None,
        contact: str | None = None,
    ) -> Inbound:
        return Inbound(
            channel=self.channel,
            chat_key=str(chat_id),
            user_external_id=str(user.id),
            text=text,
            payload=payload,
            contact_phone=contact,
            display_name=user.full_name[:100],
            language_code=user.language_code,
            event_source=f"telegram:{self.bot.id}",
            event_id=str(update.update_id),
        )

    async def on_message(self, message: Message, event_update: Update) -> None:
        user = message.from_user
        if user is None:
            return
        contact = None
        if message.contact is not None and message.contact.user_id == user.id:
            contact = message.contact.phone_number  # Telegram vouches it is the sender's own
        inbound = self._inbound(
            event_update, user, message.chat.id, text=message.text, contact=contact
        )
        await self._deliver(message.chat.id, user.id, await self.engine.handle(inbound), None)

    async def on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        with contextlib.suppress(TelegramBadRequest):  # a redelivered or very old press
            await query.answer()  # first, or Telegram calls the query too old
        message = query.message if isinstance(query.message, Message) else None
        chat_id = message.chat.id if message else query.from_user.id
        inbound = self._inbound(event_update, query.from_user, chat_id, payload=query.data)
        await self._deliver(chat_id, query.from_user.id, await self.engine.handle(inbound), message)

    async def _deliver(
        self, chat_id: int, user_id: int, replies: list[Reply], editable: Message | None
    ) -> None:
        for done, reply in enumerate(replies):
            try:
                await self.renderer.send(chat_id, [reply], editable=editable)
            except (TelegramAPIError, TelegramNetworkError) as exc:
                # The update's effect is committed: keep what is left of the answer (not
                # what was already sent) and let the outbox retry it.
                log.warning("direct reply to %s failed (%s); queued for the outbox", chat_id, exc)
                await self._queue(user_id, replies[done:])
                return

    async def _queue(self, user_external_id: int, replies: list[Reply]) -> None:
        async with self.uows() as uow:
            identity = await uow.session.scalar(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == self.channel,
                    ChannelIdentity.external_id == str(user_external_id),
                )
            )
            if identity is None:
                return
            enqueue(
                uow.session,
                kind="direct_reply",
                user_id=identity.user_id,
                channel=self.channel,
                now=self.clock.now(),
                payload={"audience": self.kind, "replies": [r.to_json() for r in replies]},
            )
            await uow.commit()
