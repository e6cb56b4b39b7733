"""Outbox delivery on Telegram: limits kept, 429 honoured, a blocked bot noted and flagged."""

from __future__ import annotations

import logging

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bots.rate_limit import SendLimiter
from bots.telegram.render import TelegramRenderer
from core.clock import Clock
from core.db.tables import ChannelIdentity
from core.notifications.outbox import DeliveryOutcome, DeliveryResult
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply

log = logging.getLogger(__name__)


class TelegramSender:
    def __init__(
        self,
        renderer: TelegramRenderer,
        uows: UnitOfWorkFactory,
        clock: Clock,
        limiter: SendLimiter | None = None,
    ) -> None:
        self.renderer, self.uows, self.clock = renderer, uows, clock
        self.limiter = limiter or SendLimiter()

    async def deliver(self, identity: ChannelIdentity, replies: list[Reply]) -> DeliveryResult:
        chat_id = int(identity.external_id)
        try:
            ids: list[int] = []
            for reply in replies:
                editable = reply.meta.get("outbox", {}).get("edit_message_id")
                async with self.limiter.turn(chat_id):
                    ids += await self.renderer.send(chat_id, [reply], editable=editable)
        except TelegramRetryAfter as exc:
            return DeliveryResult(
                DeliveryOutcome.RETRY, error=str(exc), retry_after=float(exc.retry_after)
            )
        except TelegramForbiddenError as exc:
            await self._unreachable(identity, str(exc))
            return DeliveryResult(DeliveryOutcome.GIVE_UP, error=str(exc))
        except (TelegramNetworkError, TelegramServerError) as exc:
            return DeliveryResult(DeliveryOutcome.RETRY, error=str(exc))
        except TelegramBadRequest as exc:
            log.error("Telegram refused a message to %s: %s", chat_id, exc)
            return DeliveryResult(DeliveryOutcome.GIVE_UP, error=str(exc))
        return DeliveryResult(DeliveryOutcome.SENT, external_id=",".join(map(str, ids)))

    async def _unreachable(self, identity: ChannelIdentity, error: str) -> None:
        async with self.uows() as uow:
            row = await uow.session.get(ChannelIdentity, identity.id)
            if row is not None and not row.unreachable:
                row.unreachable = True
                raise_flag(
                    uow,
                    kind="bot_blocked",
                    subject_type="user",
                    subject_id=row.user_id,
                    now=self.clock.now(),
                    details={"channel": row.channel, "error": error[:200]},
                )
                await uow.commit()
