"""Replies kept in the outbox with the step that made them (for channels that ask).

A channel asks by setting `Inbound.keep`: the engine then writes the step's reply to the
outbox in the step's own transaction, or with the journal's group commit on the fast path
(see core/notifications/direct_replies.py), and returns the `Attempt` the caller holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.conversations.journal import KeptReply
from core.inbound import claim_event
from core.notifications.direct_replies import Attempt, keep_in_step, reply_key, take_over
from core.people.users import Identified, identified
from core.uow import UnitOfWork, UnitOfWorkFactory
from dialogs.framework.replies import Reply, reply_from_json

if TYPE_CHECKING:
    from dialogs.framework.engine import DialogEngine, Inbound

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeepReply:
    """How the channel delivers the step's reply: ``audience`` picks the bot that carries
    it, ``lease`` is how long the channel holds it to send it itself (zero: the worker
    sends it), ``edit_message_id`` the message the reply may replace."""

    audience: str
    lease: timedelta = timedelta(0)
    edit_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    replies: list[Reply]
    # The kept reply's outbox row, when the caller is to send it and then say so
    # (`DialogEngine.delivered` / `undelivered`).
    attempt: Attempt | None = None
    failed: bool = False  # the step raised: ``replies`` is the apology, nothing was kept


async def sender_of(
    uow: UnitOfWork, inbound: Inbound, now: datetime, display_name: str
) -> Identified:
    """Who sent ``inbound``: their channel identity and user, made on first contact."""
    return await identified(
        uow,
        channel=inbound.channel,
        external_id=inbound.user_external_id,
        now=now,
        display_name=display_name,
        locale=inbound.language_code,
        verified_phone=inbound.verified_phone,
    )


async def apology_kept(
    uows: UnitOfWorkFactory, inbound: Inbound, apology: Reply, now: datetime, display_name: str
) -> Answered:
    """A step failed and nothing of it was kept. A channel that sends its replies itself
    sends the apology; where the worker sends them (WhatsApp: no lease), the apology is
    queued on its own, the update claimed with it, or the client would hear nothing."""
    source, event_id, keep = inbound.event_source, inbound.event_id, inbound.keep
    if keep is None or keep.lease or not (source and event_id):
        return Answered([apology], failed=True)
    try:
        async with uows() as uow:
            who = await sender_of(uow, inbound, now, display_name)
            if not await claim_event(uow, source, event_id, now=now):
                return Answered([])  # handled meanwhile, by another process
            await in_step(uow, inbound, who.user.id, [apology], now, apology=True)
            await uow.commit()
    except Exception:  # the database itself is failing: nothing more can be done here
        log.exception("the apology for %s could not be queued", event_id)
    return Answered([apology], failed=True)


def _key(inbound: Inbound) -> str | None:
    if inbound.event_source and inbound.event_id:
        return reply_key(inbound.event_source, inbound.event_id)
    return None


def _payload(keep: KeepReply, replies: list[Reply], *, apology: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "audience": keep.audience,
        "replies": [r.to_json() for r in replies],
    }
    if keep.edit_message_id is not None:
        payload["edit_message_id"] = keep.edit_message_id
    if apology:  # the screen before the failed step stays: its options keep their numbers
        payload["keeps_screen"] = True
    return payload


def _until(keep: KeepReply, now: datetime) -> datetime | None:
    return now + keep.lease if keep.lease else None


def for_journal(
    inbound: Inbound, user_id: int | None, replies: list[Reply], now: datetime
) -> KeptReply | None:
    """The reply as the journal writes it (fast path); None when nothing is to be kept."""
    keep, key = inbound.keep, _key(inbound)
    if keep is None or key is None or not replies:
        return None
    return KeptReply(inbound.channel, _payload(keep, replies), key, user_id, _until(keep, now))


async def in_step(
    uow: UnitOfWork,
    inbound: Inbound,
    user_id: int,
    replies: list[Reply],
    now: datetime,
    *,
    apology: bool = False,
) -> Attempt | None:
    """Write the reply in the step's transaction; the caller's attempt if it sends it."""
    keep, key = inbound.keep, _key(inbound)
    if keep is None or key is None or not replies:
        return None
    return await keep_in_step(
        uow,
        channel=inbound.channel,
        user_id=user_id,
        payload=_payload(keep, replies, apology=apology),
        key=key,
        until=_until(keep, now),
        now=now,
    )


async def redelivered(engine: DialogEngine, inbound: Inbound, now: datetime) -> Answered:
    """An update handled before: its reply if the attempt at it never ended (see
    `take_over`), for this caller to send; else nothing (a plain redelivery, or a copy
    delivered while this process is still sending the first one's reply)."""
    keep, key = inbound.keep, _key(inbound)
    if keep is None or key is None or not keep.lease:
        return Answered([])
    await engine.store.flush()  # a reply this process sent is marked so first
    async with engine.uows() as uow:
        taken = await take_over(uow, key, now=now, lease=keep.lease, busy=engine.sending())
        if taken is None:
            return Answered([])
        await uow.commit()
    attempt, payload = taken
    replies = [reply_from_json(r) for r in payload.get("replies", [])]
    return Answered(replies, attempt)
