"""Scale beyond one process (issue 18): two `mounasabet serve --no-worker` and one
`mounasabet worker` on one PostgreSQL database, a chat's updates alternating between the
two web processes (tests/reliability/several_processes.py).

Twenty clients book at once through the whole form while the provider accepts. Every
conversation ends where the script says, with one booking each; every bot message the
script calls for is sent once (counted at the fake per chat); the version check, which
notices a chat moved on by the other process, shows in both processes' /metrics; the
outbox is empty; the sweeps ran in the worker alone, and each overdue request expired once.
An update whose post fails on the way is posted again, as Telegram does; an error answer
from our webhook fails the test (several_processes.RetryingWorld).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from core.db.tables import Booking, ChannelIdentity, Conversation, OutboxMessage, SweepRecord
from tests.conftest import PG_SKIP, PG_URL
from tests.fakes import FakeUser
from tests.reliability.journeys import callback_data_of, connect_provider, to_summary
from tests.reliability.several_processes import (
    CONFLICTS,
    OVERDUE,
    Deployment,
    RetryingWorld,
    deployment,
)
from tests.reliability.world import CLIENT_TOKEN, PROVIDER_TOKEN, World
from tests.support.sweeps import assert_each_booking_whole
from tests.support.telegram_app import delivered

pytestmark = [
    pytest.mark.skipif(PG_URL is None, reason=PG_SKIP),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.slow,
]
CHATS = 20
SHOWN = (
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendMediaGroup",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
)
# The booking journey of one client (journeys.to_summary, then Confirm): its updates, and
# what the bot does in the chat by then, the provider's Accept included (the news of it).
CLIENT_UPDATES = 11
CLIENT_SCRIPT = Counter({"sendMessage": 10, "editMessageText": 5, "editMessageReplyMarkup": 1})
# The provider's: connecting (four messages), one card per request, and for each Accept
# the card's buttons taken off and two messages ("You accepted …", the home screen).
PROVIDER_SCRIPT = Counter({"sendMessage": 4 + 3 * CHATS, "editMessageReplyMarkup": CHATS})
# The journey's last two pieces of news in each client's chat, once each.
SENT, ACCEPTED = "Your request MSB-", "accepted your request MSB-"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    assert PG_URL is not None
    async with deployment(PG_URL, tmp_path_factory.mktemp("several")) as started:
        yield started


def script(w: World, chat_id: int, *, bot: str = CLIENT_TOKEN) -> list[str]:
    """What the bot did in one chat, in order: each message sent or edited, by method."""
    return [
        c.method
        for c in w.telegram.calls(bot=bot)
        if c.ok and c.method in SHOWN and str(c.params.get("chat_id")) == str(chat_id)
    ]


async def book(w: World, client: FakeUser, day: int) -> None:
    await to_summary(w, client, f"{day} July", "0612345678")
    await w.tap(client, "confirm")


async def accept_as_requests_come(w: RetryingWorld, owner: FakeUser, count: int) -> list[str]:
    """The provider presses Accept on each request's card as it arrives, while other
    clients are still booking, until ``count`` are accepted; the cards' buttons pressed."""
    pressed: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while len(pressed) < count:
        assert loop.time() < deadline, f"{len(pressed)} of {count} requests came to the provider"
        # Once per request: its Accept may be on two messages (news is delivered at least
        # once: an attempt cut short is sent again), which once made 23 presses of 22.
        waiting: dict[str, int] = {}
        for message in w.telegram.sent_to(owner.id, bot=PROVIDER_TOKEN):
            for data in message.callback_data():
                if data.startswith("g|pacc:") and data not in pressed:
                    waiting.setdefault(data, message.message_id)
        for data, message_id in waiting.items():
            # One chat: the fake holds its updates in order, as Telegram does.
            await w.press(owner, message_id, data, bot="provider")
            pressed.append(data)
        await asyncio.sleep(0.1)
    return pressed


async def conversation_versions(w: World, channel: str) -> dict[str, int]:
    async with w.uows() as uow:
        rows = await uow.session.execute(
            select(Conversation.chat_key, Conversation.version).where(
                Conversation.channel == channel
            )
        )
        return {key: int(version) for key, version in rows.all()}


def updates_to(w: World, token: str, chat_id: int) -> list[tuple[int, str]]:
    """Each post of a chat's updates, in order: the update's id and the web process it was
    posted to (an update posted again after a failure on the way counts once more)."""
    routed = w.telegram.routed
    return [(u, backend) for bot, u, chat, backend in routed if bot == token and chat == chat_id]


async def test_twenty_chats_spread_over_two_web_processes(running: Deployment) -> None:
    w = running.world
    owner = FakeUser(id=8300, first_name="Karim")
    await connect_provider(w, owner)
    clients = [FakeUser(id=9300 + n, first_name=f"C{n}") for n in range(CHATS)]
    accepting = asyncio.ensure_future(accept_as_requests_come(w, owner, CHATS))
    try:
        await asyncio.gather(*(book(w, client, 1 + n) for n, client in enumerate(clients)))
        pressed = await accepting
    finally:
        accepting.cancel()  # a booking failed: the provider stops waiting
    await w.quiet(within=60)

    # Every chat's updates went to both processes in turn.
    backends = [server.url for server in running.web]
    chats = [(c.id, CLIENT_TOKEN, CLIENT_UPDATES) for c in clients]
    for chat, token, updates in [*chats, (owner.id, PROVIDER_TOKEN, 2 + CHATS)]:
        posts = updates_to(w, token, chat)
        went = [backend for _, backend in posts]
        assert len({update_id for update_id, _ in posts}) == updates, (chat, posts)
        # Posted again after a timeout on a loaded machine (RetryingWorld): the next post.
        assert went == [backends[n % 2] for n in range(len(posts))], (chat, went)

    # Each update's step ran once: a conversation's version counts the steps saved.
    clients_steps = await conversation_versions(w, "telegram_client")
    assert clients_steps == {str(c.id): CLIENT_UPDATES for c in clients}, clients_steps
    provider_steps = await conversation_versions(w, "telegram_provider")
    assert provider_steps == {str(owner.id): 2 + CHATS}, provider_steps

    # One booking per chat, each accepted.
    async with w.uows() as uow:
        s = uow.session
        identities = dict(
            (
                await s.execute(
                    select(ChannelIdentity.user_id, ChannelIdentity.external_id).where(
                        ChannelIdentity.channel == "telegram_client"
                    )
                )
            ).all()
        )
        bookings = (
            await s.execute(
                select(Booking.id, Booking.client_id, Booking.state).where(
                    Booking.provider_id == w.provider.provider_id
                )
            )
        ).all()
        outbox = Counter(
            (kind, status)
            for kind, status in await s.execute(select(OutboxMessage.kind, OutboxMessage.status))
        )
        sweeps = (
            await s.execute(select(SweepRecord.id, SweepRecord.holder, SweepRecord.runs))
        ).all()
    assert sorted(identities[client] for _, client, _ in bookings) == sorted(
        str(c.id) for c in clients
    )
    assert {state for *_, state in bookings} == {"accepted"}, bookings

    # Every message the script calls for was sent once: the clients' chats, and the
    # provider's (one card per request, each edited once by its Accept).
    for client in clients:
        assert Counter(script(w, client.id)) == CLIENT_SCRIPT, (client.id, script(w, client.id))
        texts = w.texts(client)
        assert [sum(key in text for text in texts) for key in (SENT, ACCEPTED)] == [1, 1], texts
        assert ACCEPTED in texts[-1], texts  # the conversation's end, the news after it
    cards = Counter(
        data
        for c in w.telegram.calls("sendMessage", bot=PROVIDER_TOKEN)
        if c.ok and str(c.params.get("chat_id")) == str(owner.id)
        for data in callback_data_of(c.params.get("reply_markup"))
        if data.startswith("g|pacc:")
    )
    assert cards == Counter(f"g|pacc:{b}" for b, *_ in bookings), cards
    assert sorted(pressed) == sorted(cards), pressed
    provider_script = Counter(script(w, owner.id, bot=PROVIDER_TOKEN))
    assert provider_script == PROVIDER_SCRIPT, provider_script

    # The outbox has nothing left: all sent, but the overdue requests' news to people
    # no channel reaches (seeded without one), held.
    assert {key for key in outbox if key[1] != "sent"} == {("booking_expired", "held")}, outbox
    assert outbox["booking_expired", "held"] == 2 * OVERDUE, outbox

    # The sweeps ran in the worker alone, and each overdue request expired once.
    holders = {h.split(":")[1] if h else None for _, h, _ in sweeps}
    assert sweeps and holders == {str(running.worker.pid)}, sweeps
    assert all(runs >= 1 for *_, runs in sweeps), sweeps
    assert running.worker.ran_sweeps()
    for n in range(len(running.web)):
        log = running.whole_log(n)
        assert "sweep lease" not in log and '"core.scheduling.runs"' not in log, log[-3000:]
    await assert_each_booking_whole(w.uows, client_id=running.overdue_client)

    # Both processes' /metrics parse, count their updates, and show the version check.
    per_process = [await running.metrics(server) for server in running.web]
    for metrics in per_process:
        assert CONFLICTS in metrics and metrics["mounasabet_dialog_updates_total"] > 0
    # A fast-path step in the process that did not see the chat's last step is refused by
    # the version check and runs again in a transaction: the alternation makes some.
    assert sum(m[CONFLICTS + "_total"] for m in per_process) > 0, per_process


async def test_one_chat_in_both_processes_at_once(running: Deployment) -> None:
    """Two read-only updates of one chat handled at the same moment, one in each process
    (Telegram holds a chat's next update until the last is answered; a balancer retrying a
    slow answer does not). At most one can keep its step on the chat's version; the other
    is refused by the version check, counted, and runs again in a transaction on the fresh
    state: both answered once, both steps kept, none lost."""
    w = running.world
    client = FakeUser(id=9700, first_name="Twice")
    await w.say(client, "/start")  # the first process: a first contact
    await w.say(client, "/help")  # the second: both now hold the chat in memory
    conflicts = sum(await running.conflicts())
    version = (await conversation_versions(w, "telegram_client"))[str(client.id)]
    shown = len(script(w, client.id))
    both = await asyncio.gather(
        *(
            w.telegram.user_sends_text(CLIENT_TOKEN, client, text, straight_to=server.url)
            for text, server in zip(("/help", "/menu"), running.web, strict=True)
        )
    )
    for delivery in both:
        delivered(delivery)
    await w.quiet(within=30)
    assert (await conversation_versions(w, "telegram_client"))[str(client.id)] == version + 2
    assert sum(await running.conflicts()) > conflicts
    assert len(script(w, client.id)) == shown + 2, script(w, client.id)
