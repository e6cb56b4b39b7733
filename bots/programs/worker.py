"""`mounasabet worker`: the outbox on Telegram, WhatsApp and email, and the sweeps
(while this process holds their lease), without HTTP.

It sends and answers nothing: no dialog engine, no NLU, no webhook route. Sandbox chats
live in the memory of the `serve` process that shows them, so their messages are
delivered by that process's own worker, not by this one.
"""

from __future__ import annotations

import asyncio
import signal

from bots.programs.outbound import Outbound, build_outbound
from bots.scheduler import SweepScheduler
from bots.tasks import stop_task
from bots.telegram import setup as telegram
from bots.worker import run_outbox
from core.bootstrap import Core
from core.notifications.outbox import Leases
from dialogs.i18n.translator import translator
from payments.setup import build_payments


def build_worker(core: Core) -> Outbound:
    pay = build_payments(core.settings, core.uows, core.clock, translator)
    return build_outbound(core, pay, telegram.build_senders(core.settings, core.uows, core.clock))


async def run_worker(core: Core, *, stop: asyncio.Event | None = None) -> None:
    """Deliver until ``stop`` is set (for ever without one), then close what was built."""
    outbound = build_worker(core)
    leases = Leases.of(core.settings.send_lease_seconds)
    task = asyncio.ensure_future(run_outbox(core.uows, outbound.router, core.clock, leases=leases))
    sweeps = SweepScheduler(
        core.uows,
        core.clock,
        core.settings,
        payments=outbound.pay.payments,
        sender=outbound.router,
    )
    stop = stop or asyncio.Event()
    # SIGTERM (systemd, Docker) stops cleanly: the lease is released at once instead of
    # making the next worker wait for it to expire.
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await sweeps.start()
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await sweeps.stop()
        await stop_task(task)
        await outbound.close()
        await core.close()
