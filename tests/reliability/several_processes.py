"""The deployment for more load, as real processes: two `mounasabet serve --no-worker`
behind a load balancer and one `mounasabet worker`, on one PostgreSQL database.

The fake Bot API plays the balancer (``FakeTelegramAPI.spread_over``): a chat's successive
updates go to the two web processes in turn. Each process logs to a directory of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.sweeps_data import seed_overdue
from core.bootstrap import build_core
from core.db.engine import make_engine
from core.scheduling import lease
from core.settings import Settings
from tests.conftest import empty_tables
from tests.fakes import Delivery, FakeTelegramAPI, FakeUser
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.telegram_objects import update_chat_id
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.reliability.serve_process import ChannelsServe, channel_settings
from tests.reliability.world import (
    STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET,
    TOKENS,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    World,
)
from tests.support.migrated import migrate
from tests.support.payments import eventually
from tests.support.telegram_app import bound_socket, button_data, seed_provider
from tests.support.worker_process import SLOW, Worker

OVERDUE = 12  # requests past their deadline when the worker starts: its sweep expires them
CONFLICTS = "mounasabet_dialog_version_conflicts"
RETRIES = 10


@dataclass
class RetryingWorld(World):
    """Users whose updates Telegram posts again when the post failed on the way (a
    connection reset or a timeout on a loaded machine), as it does, 1 s later. Our webhook
    answering with an error is still a failure: only the way there may fail."""

    lost_on_the_way: list[Delivery] = field(default_factory=list)

    async def say(self, user: FakeUser, text: str, *, bot: str = "client") -> None:
        await self._through(await self.telegram.user_sends_text(TOKENS[bot], user, text), bot)

    async def share(self, user: FakeUser, phone: str, *, bot: str = "client") -> None:
        await self._through(await self.telegram.user_shares_contact(TOKENS[bot], user, phone), bot)

    async def tap(self, user: FakeUser, code: str, *, bot: str = "client") -> None:
        message = self.message_with(user, code, bot=bot)
        await self.press(user, message.message_id, button_data(message, code), bot=bot)

    async def press(self, user: FakeUser, message_id: int, data: str, *, bot: str) -> None:
        await self._through(
            await self.telegram.user_presses(TOKENS[bot], user, message_id, data), bot
        )

    async def _through(self, delivery: Delivery, bot: str) -> None:
        chat = update_chat_id(delivery.update)
        for _ in range(RETRIES):
            if delivery.state == "delivered":
                assert delivery.status == 200, delivery
                return
            assert delivery.status is None, delivery  # our webhook's own error answer
            self.lost_on_the_way.append(delivery)
            await asyncio.sleep(1.0)
            retried = await self.telegram.redeliver(TOKENS[bot], chat=chat)
            same = [d for d in retried if d.update["update_id"] == delivery.update["update_id"]]
            if not same:  # delivered by another retry meanwhile
                return
            delivery = same[0]
        raise AssertionError(f"not delivered after {RETRIES} retries: {delivery}")


@dataclass
class Deployment:
    world: RetryingWorld  # its url is the first web process's; its updates go to both
    web: list[ChannelsServe]
    worker: Worker
    overdue_client: int

    def logs(self) -> str:
        webs = [f"--- web {n}\n{p.log()}" for n, p in enumerate(self.web)]
        return "\n".join([*webs, f"--- worker\n{self.worker.log()[-3000:]}"])

    def whole_log(self, n: int) -> str:
        """Web process ``n``'s log from its start (``ChannelsServe.log`` keeps the end)."""
        server = self.web[n]
        return (server.workdir / f"serve-{server.runs}.log").read_text(errors="replace")

    async def metrics(self, server: ChannelsServe) -> dict[str, float]:
        """One web process's /metrics, read with Prometheus' own parser: sample -> value,
        summed over labels (a page the parser refuses fails the test)."""
        async with self.world.http.get(server.url + "/metrics") as resp:
            assert resp.status == 200, await resp.text()
            text = await resp.text()
        totals: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
            totals.setdefault(family.name, 0.0)
        return totals

    async def conflicts(self) -> list[float]:
        """Each web process's count of version conflicts."""
        return [(await self.metrics(p)).get(CONFLICTS + "_total", -1.0) for p in self.web]


def _port() -> int:
    with contextlib.closing(bound_socket()) as sock:
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def deployment(database_url: str, workdir: Path) -> AsyncIterator[Deployment]:
    """The three processes started on an emptied database with the journeys' provider and
    ``OVERDUE`` stale requests of another; stopped (SIGINT, SIGTERM) on exit."""

    migrate(database_url)
    engine = make_engine(database_url)
    await empty_tables(engine)
    overdue = await seed_overdue(engine, OVERDUE, now=datetime.now(UTC))
    await engine.dispose()
    async with (
        FakeTelegramAPI(rate_limits=None, webhook_timeout=30.0) as telegram,
        FakeTwilioAPI(
            account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, whatsapp_from=TWILIO_FROM
        ) as twilio,
    ):
        stripe = await FakeStripe(STRIPE_KEY, STRIPE_WEBHOOK_SECRET, telegram.clock).start()
        core = build_core(Settings(_env_file=None, database_url=database_url))
        http = aiohttp.ClientSession()
        ports = [_port(), _port()]
        # Both web processes and the worker know the deployment by one public address (the
        # balancer's; here the first process's, which the links we send point to).
        settings = channel_settings(telegram, twilio, stripe) | {
            "MOUNASABET_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}"
        }
        web = []
        for n, port in enumerate(ports):
            (workdir / f"web{n}").mkdir()
            web.append(
                ChannelsServe(
                    database_url,
                    telegram,
                    workdir / f"web{n}",
                    port=port,
                    options=("--no-worker",),
                    settings=settings,
                )
            )
        worker = Worker(database_url, workdir, "worker", **settings)
        try:
            provider = await seed_provider(core)
            await worker.start()
            await asyncio.gather(*(server.start() for server in web))
            telegram.spread_over([server.url for server in web])
            stripe.webhook_url = web[1].url + "/webhooks/stripe"
            world = RetryingWorld(web[0].url, core, telegram, twilio, stripe, provider, http)
            running = Deployment(world, web, worker, overdue_client=overdue[1])

            async def worker_holds_the_lease() -> bool:
                state = await lease.current(core.uows)
                return state is not None and int(state.holder.split(":")[1]) == worker.pid

            await eventually(worker_holds_the_lease, "the worker to take the sweeps' lease", SLOW)
            yield running
        finally:
            for server in web:
                await server.stop()
            await worker.stop()
            await http.close()
            await stripe.close()
            await core.close()
