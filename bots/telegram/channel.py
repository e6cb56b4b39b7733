"""One Telegram bot (client or provider): updates in, dialog replies out through aiogram."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import AiogramError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import Update
from sqlalchemy import select

from bots.photos import Fetched
from bots.telegram.inbound_photos import fetch_photo
from bots.telegram.render import TelegramRenderer
from bots.telegram.updates import TgCallbackQuery, TgMessage, TgUpdate, TgUser
from core.clock import Clock
from core.db.tables import ChannelIdentity
from core.notifications.outbox import DEFAULT_LEASES, Leases, enqueue
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import DialogEngine, Inbound
from dialogs.framework.kept_replies import Answered, KeepReply
from dialogs.framework.replies import Reply

log = logging.getLogger(__name__)
# A press whose step takes longer than this is answered at once, apart from the webhook's
# reply: the spinner stops and Telegram's deadline for answers ("query is too old") is met
# even when the step waits for a payment provider.
EARLY_ANSWER_AFTER = 0.5  # seconds
# Messages older than this are not edited: Telegram refuses some edits (and deletions) past
# 48 hours, and a screen that old is better answered below, where the person now is.
EDITABLE_FOR = timedelta(hours=48)


class TelegramChannel:
    def __init__(
        self,
        kind: str,
        bot: Bot,
        engine: DialogEngine,
        renderer: TelegramRenderer,
        uows: UnitOfWorkFactory,
        clock: Clock,
        leases: Leases = DEFAULT_LEASES,
    ) -> None:
        self.kind, self.bot, self.engine, self.renderer = kind, bot, engine, renderer
        self.uows, self.clock, self.leases = uows, clock, leases
        self.channel = f"telegram_{kind}"
        self._early_answers: set[asyncio.Future[None]] = set()
        self._answered: set[str] = set()  # presses answered early, not yet finished
        # Polling only (`mounasabet poll`): aiogram's dispatcher fetches the updates and
        # makes the call a handler returns, as the webhook's reply would.
        self.dispatcher = Dispatcher()
        self.dispatcher.message.register(self._polled)
        self.dispatcher.callback_query.register(self._polled)

    async def _polled(self, _: object, event_update: Update) -> TelegramMethod[Any] | None:
        raw = event_update.model_dump(mode="json", by_alias=True, exclude_none=True)
        return await self.process(raw)

    async def process(self, raw: dict[str, object]) -> TelegramMethod[Any] | None:
        """Handle one raw update; raises if it could not be committed (Telegram retries),
        ValidationError if it is not an update.

        Returns the Bot API call to make in answer to the webhook, if any (a button
        press is answered that way: no round trip of its own)."""
        return await self.handle(TgUpdate.model_validate(raw))

    async def handle(self, update: TgUpdate) -> TelegramMethod[Any] | None:
        """Handle one validated update (see `process`). Private chats only: the bots post
        nothing in groups, so a message or a press from one is left alone."""
        query = update.callback_query
        if query is not None:
            if query.message is not None and query.message.chat.type != "private":
                return None
            return await self._on_press(update.update_id, query)
        message = update.message
        if message is not None and message.chat.type == "private" and message.sender:
            await self._on_message(update.update_id, message, message.sender)
        return None

    def _inbound(
        self,
        update_id: int,
        user: TgUser,
        chat_id: int,
        *,
        text: str | None = None,
        payload: str | None = None,
        contact: str | None = None,
        editable: int | None = None,
        fetched: Fetched | None = None,
        on_message: tuple[str, ...] = (),
    ) -> Inbound:
        return Inbound(
            channel=self.channel,
            chat_key=str(chat_id),
            user_external_id=str(user.id),
            text=text,
            payload=payload,
            contact_phone=contact,
            photo=fetched.photo if fetched else None,
            attachment=fetched.attachment if fetched else None,
            display_name=user.full_name[:100],
            language_code=user.language_code,
            event_source=f"telegram:{self.bot.id}",
            event_id=str(update_id),
            # Kept with the step, sent from here at once (the outbox's worker takes it
            # over if this process dies before it is sent).
            keep=KeepReply(self.kind, self.leases.reply, editable),
            on_message=on_message,
        )

    async def _on_message(self, update_id: int, message: TgMessage, user: TgUser) -> None:
        contact = None
        if message.contact is not None and message.contact.user_id == user.id:
            contact = message.contact.phone_number  # Telegram vouches it is the sender's own
        # Only the provider bot takes photos (for the profile): the client bot fetches none.
        fetched = await fetch_photo(self.bot, message) if self.kind == "provider" else None
        inbound = self._inbound(
            update_id, user, message.chat.id, text=message.text, contact=contact, fetched=fetched
        )
        await self._deliver(message.chat.id, user.id, await self.engine.answer(inbound), None)

    async def _on_press(self, update_id: int, query: TgCallbackQuery) -> AnswerCallbackQuery | None:
        message = query.message
        chat_id = message.chat.id if message else query.sender.id
        editable = self._editable(message)
        inbound = self._inbound(
            update_id,
            query.sender,
            chat_id,
            payload=query.data,
            editable=editable,
            on_message=message.callback_data() if message else (),
        )
        early = asyncio.get_running_loop().call_later(
            EARLY_ANSWER_AFTER, self._answer_now, query.id
        )
        try:
            await self._deliver(
                chat_id, query.sender.id, await self.engine.answer(inbound), editable
            )
        finally:
            early.cancel()
            answered_early = query.id in self._answered
            self._answered.discard(query.id)
        if answered_early:
            return None
        # Answered with the webhook's reply: no round trip of its own, and the spinner
        # stops as the new screen shows. A failed answer (a very old press) loses nothing.
        return AnswerCallbackQuery(callback_query_id=query.id)

    def _editable(self, message: TgMessage | None) -> int | None:
        """The pressed message's id if the answer may edit it: not one too old to be shown
        to us (date 0), nor one older than Telegram lets bots edit reliably (then the
        answer is sent as a new message)."""
        if message is None or not message.date:
            return None
        sent = datetime.fromtimestamp(message.date, UTC)
        return message.message_id if self.clock.now() - sent < EDITABLE_FOR else None

    def _answer_now(self, query_id: str) -> None:
        self._answered.add(query_id)
        task = asyncio.ensure_future(self._answer(query_id))
        self._early_answers.add(task)
        task.add_done_callback(self._early_answers.discard)

    async def _answer(self, query_id: str) -> None:
        with contextlib.suppress(AiogramError):
            await self.bot.answer_callback_query(query_id)

    async def _deliver(
        self, chat_id: int, user_id: int, answered: Answered, editable: int | None
    ) -> None:
        replies, attempt, sent = answered.replies, answered.attempt, 0
        try:
            # Within the attempt's lease: past it, the worker could send the same reply.
            async with asyncio.timeout(self.leases.reply_send_limit.total_seconds()):
                for reply in replies:
                    await self.renderer.send(chat_id, [reply], editable=editable)
                    sent += 1
        except (AiogramError, TimeoutError) as exc:  # aiogram's: also a non-JSON answer
            # The update's effect is committed: what is left of the answer (not what was
            # already sent) goes to the outbox's worker, which retries it.
            log.warning("direct reply to %s failed (%s); handed to the outbox", chat_id, exc)
            if attempt is not None:  # what is stored is the kind of failure, not its text
                await self.engine.undelivered(attempt, replies[sent:], type(exc).__name__)
            else:  # an answer that was not kept (an apology: nothing was committed)
                await self._queue(user_id, replies[sent:])
            return
        if attempt is not None:
            self.engine.delivered(attempt)

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
