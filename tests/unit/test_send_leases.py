"""One setting, `send_lease_seconds`, sets every hold on a message being sent: the
worker's claim (loop and sweep), and a Telegram webhook's own attempt at its reply, held
half as long and given up after a third, so that it ends before its hold does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bots.telegram.setup import build_bots
from core.clock import SystemClock
from core.notifications.direct_replies import DIRECT_LEASE
from core.notifications.outbox import LEASE, Leases
from core.scheduling.config import sweep_config
from core.settings import Settings


def test_the_defaults_are_thirty_seconds_and_fifteen_for_a_reply() -> None:
    leases = Leases()
    assert (leases.claim, leases.reply, leases.reply_send_limit) == (
        timedelta(seconds=30),
        timedelta(seconds=15),
        timedelta(seconds=10),
    )
    assert (leases.claim, leases.reply) == (LEASE, DIRECT_LEASE)


async def test_the_setting_reaches_the_bots_and_the_sweeps() -> None:
    settings = Settings(
        _env_file=None, send_lease_seconds=6, telegram_client_token="123456:" + "A" * 35
    )
    assert sweep_config(settings).send_lease == timedelta(seconds=6)
    bots = build_bots(settings, {"client": None}, None, SystemClock())  # type: ignore[dict-item,arg-type]
    channel = bots["client"].channel
    assert channel.leases.reply == timedelta(seconds=3)
    assert channel.leases.reply_send_limit == timedelta(seconds=2)
    await bots["client"].bot.session.close()


def test_a_lease_too_short_for_a_send_is_refused() -> None:
    with pytest.raises(ValidationError, match="send_lease_seconds"):
        Settings(_env_file=None, send_lease_seconds=5)
