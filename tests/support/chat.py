"""A fake chat client for the dialog engine, in the spirit of aiogram_dialog's BotClient.

``await chat.send("text")`` types, ``await chat.click("evt:wedding")`` presses the button
of the last reply whose payload ends with ``|evt:wedding`` (or is exactly a ``g|...``
payload). Every reply seen is checked for what any channel needs: some text, and button
payloads that fit Telegram's 64-byte callback data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.bootstrap import build_uow_factory
from core.clock import Clock
from core.db.engine import make_engine
from core.db.tables import (
    Base,
    Booking,
    ChannelIdentity,
    Conversation,
    OutboxMessage,
    SlotHold,
    User,
)
from core.notifications.outbox import Envelope
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.framework.engine import DialogApp, DialogEngine, Inbound
from dialogs.framework.replies import MAX_PAYLOAD_BYTES, Reply
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.notifications.render import render_notification
from dialogs.provider.app import PROVIDER_APP
from tests.support.factories import make_provider

CHANNEL = "sandbox"
APOLOGY = "Sorry, something went wrong on our side. Your information is safe; please try again."
APOLOGIES = {translator(code)(APOLOGY) for code in ("ar", "fr", "en")}


def check_reply(reply: Reply) -> None:
    """What every channel needs from a reply; a failure names the reply."""
    assert reply.text.strip(), f"empty reply text: {reply!r}"
    for button in reply.all_buttons():
        assert button.label.strip(), f"button without a label: {button!r}"
        size = len(button.payload.encode())
        assert 0 < size <= MAX_PAYLOAD_BYTES, f"payload of {size} bytes: {button.payload!r}"


@dataclass
class Chat:
    """One person talking to one bot: one (engine, chat key) pair."""

    engine: DialogEngine
    chat_key: str
    user_external_id: str = ""
    language: str | None = "en"
    display_name: str = "Test user"
    channel: str = CHANNEL
    # An apology means a step crashed; tests that provoke one on purpose turn this off.
    allow_apology: bool = False
    replies: list[Reply] = field(default_factory=list)  # what the last update got
    transcript: list[Reply] = field(default_factory=list)
    _last: Reply | None = None

    def __post_init__(self) -> None:
        self.user_external_id = self.user_external_id or self.chat_key

    def inbound(
        self, *, text: str | None = None, payload: str | None = None, phone: str | None = None
    ) -> Inbound:
        return Inbound(
            channel=self.channel,
            chat_key=self.chat_key,
            user_external_id=self.user_external_id,
            text=text,
            payload=payload,
            contact_phone=phone,
            display_name=self.display_name,
            language_code=self.language,
        )

    async def deliver(self, inbound: Inbound) -> list[Reply]:
        return self.seen(await self.engine.handle(inbound))

    def seen(self, replies: list[Reply]) -> list[Reply]:
        """Record replies (from the engine, or a notification pushed into this chat)."""
        for reply in replies:
            check_reply(reply)
            if not self.allow_apology:
                assert reply.text not in APOLOGIES, "a dialog step crashed (see the log)"
        self.replies = list(replies)
        self.transcript += replies
        if replies:
            self._last = replies[-1]
        return self.replies

    async def send(self, text: str) -> list[Reply]:
        return await self.deliver(self.inbound(text=text))

    async def share_contact(self, phone: str) -> list[Reply]:
        return await self.deliver(self.inbound(phone=phone))

    async def press(self, payload: str) -> list[Reply]:
        """Send a raw payload, as a forged or stale callback would."""
        return await self.deliver(self.inbound(payload=payload))

    async def click(self, code: str) -> list[Reply]:
        return await self.press(self.payload(code))

    async def play(self, actions: list[tuple[str, str]]) -> None:
        """Do ``("send", text)`` and ``("click", code)`` steps in order."""
        for kind, arg in actions:
            await (self.send(arg) if kind == "send" else self.click(arg))

    def payload(self, code: str) -> str:
        """The payload of the last reply's button for ``code``; fails listing what is there."""
        for button in self.last.all_buttons():
            if button.payload == code or button.payload.endswith("|" + code):
                return button.payload
        raise AssertionError(f"no button {code!r} in the last reply; there are {self.buttons()}")

    @property
    def last(self) -> Reply:
        assert self._last is not None, "nothing was said yet"
        return self._last

    @property
    def text(self) -> str:
        """All the text of the last update's replies."""
        return "\n".join(r.text for r in self.replies)

    def buttons(self) -> list[str]:
        """The codes of the last reply's buttons (global ones keep their ``g|``)."""
        return [
            b.payload if b.payload.startswith("g|") else b.payload.partition("|")[2]
            for b in self.last.all_buttons()
        ]

    async def state(self) -> DialogState:
        async with self.engine.uows() as uow:
            row = await uow.session.scalar(
                select(Conversation).where(
                    Conversation.channel == self.channel, Conversation.chat_key == self.chat_key
                )
            )
            return DialogState.from_json(row.state if row else {})

    async def position(self) -> str:
        return (await self.state()).position

    async def save_point(self) -> SavePoint:
        """Where this chat is now, to come back to it (state is JSON by design)."""
        return SavePoint((await self.state()).to_json(), self.last)

    async def restore(self, point: SavePoint) -> None:
        """Put this chat at ``point``, as if its conversation had gone there."""
        async with self.engine.uows() as uow:
            row = await uow.session.scalar(
                select(Conversation).where(
                    Conversation.channel == self.channel, Conversation.chat_key == self.chat_key
                )
            )
            if row is None:
                row = Conversation(channel=self.channel, chat_key=self.chat_key, version=0)
                uow.session.add(row)
            row.state, row.updated_at = dict(point.state), self.engine.clock.now()
            row.version += 1  # as every writer does: a serving process sees it moved on
            await uow.commit()
        self._last, self.replies = point.last, [point.last]


@dataclass(frozen=True)
class SavePoint:
    state: dict[str, Any]
    last: Reply


def dialog_engine(app: DialogApp, uows: UnitOfWorkFactory, clock: Clock) -> DialogEngine:
    return build_engine(app, uows, Deps(nlu=BuiltinParser()), clock)


def client_chat(
    uows: UnitOfWorkFactory, clock: Clock, key: str = "c:1", language: str | None = "en"
) -> Chat:
    return Chat(dialog_engine(CLIENT_APP, uows, clock), key, language=language)


async def provider_chat(
    uows: UnitOfWorkFactory, clock: Clock, owner_id: int, key: str = "p:studio-atlas"
) -> Chat:
    """The provider bot's chat of ``owner_id``, linked as the sandbox's provider pane is."""
    await link_provider(uows, owner_id, key, clock.now())
    return Chat(dialog_engine(PROVIDER_APP, uows, clock), key, language="fr")


@asynccontextmanager
async def sqlite_uows(path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    """A fresh SQLite file with the schema, and units of work that write the outbox."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield build_uow_factory(engine)
    finally:
        await engine.dispose()


async def user_of(chat: Chat) -> User:
    async with chat.engine.uows() as uow:
        user = await uow.session.scalar(
            select(User)
            .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
            .where(
                ChannelIdentity.channel == chat.channel,
                ChannelIdentity.external_id == chat.user_external_id,
            )
        )
        assert user is not None, f"{chat.chat_key} has not spoken yet"
        uow.session.expunge_all()  # keep the loaded values past the unit of work's rollback
        return user


async def news_for(uows: UnitOfWorkFactory, kind: str, user_id: int) -> list[Reply]:
    """Render the outbox messages of ``kind`` for ``user_id``, as the worker would send them."""
    async with uows() as uow:
        rows = (
            await uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.user_id == user_id)
                .order_by(OutboxMessage.id)
            )
        ).all()
        assert rows, f"no {kind!r} message for user {user_id}"
        replies: list[Reply] = []
        for row in rows:
            envelope = Envelope(row.id, row.kind, row.user_id, row.channel, row.payload, 0)
            replies += await render_notification(uow, envelope)
        return replies


async def link_provider(uows: UnitOfWorkFactory, owner_id: int, key: str, now: datetime) -> None:
    """Attach a chat identity to a provider's user, as the sandbox's provider pane does."""
    async with uows() as uow:
        uow.session.add(
            ChannelIdentity(
                user_id=owner_id,
                channel=CHANNEL,
                external_id=key,
                last_inbound_at=now,
                created_at=now,
            )
        )
        await uow.commit()


async def bookings(uows: UnitOfWorkFactory) -> list[Booking]:
    async with uows() as uow:
        rows = list((await uow.session.scalars(select(Booking).order_by(Booking.id))).all())
        uow.session.expunge_all()
        return rows


async def holds(uows: UnitOfWorkFactory, booking_id: int) -> int:
    async with uows() as uow:
        query = select(func.count()).select_from(SlotHold).where(SlotHold.booking_id == booking_id)
        return int(await uow.session.scalar(query) or 0)


async def outbox(uows: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uows() as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        messages = list(rows.all())
        uow.session.expunge_all()
        return messages


# Scripted journeys shared by the navigation and robustness tests.

Action = tuple[str, str]  # ("send", text) or ("click", code)


@dataclass(frozen=True)
class Market:
    """A photographer in Rabat (full-day, fixed price) and an hourly DJ in Casablanca."""

    photo_owner: int
    photo_provider: int
    photo_service: int
    dj_service: int


async def open_market(uows: UnitOfWorkFactory, now: datetime) -> Market:
    photo_owner, photo_provider, photo_service = await make_provider(uows, now)
    _, _, dj_service = await make_provider(
        uows,
        now,
        slug="dj-nights",
        category="dj",
        city="casablanca",
        duration_minutes=240,
        pricing_model="per_hour",
        price_minor=100_000,
    )
    return Market(photo_owner, photo_provider, photo_service, dj_service)


def journeys(market: Market, booking_id: int = 0) -> dict[str, list[Action]]:
    """From the main menu through every screen of each flow."""
    return {
        "discover": [
            ("click", "m:find"),
            ("click", "cat:photographer"),
            ("click", "city:rabat"),
            ("send", "14 June"),
            ("click", "flt:budget"),
            ("click", "bud:1000000"),
            ("click", "flt:guests"),
            ("click", "gst:200"),
            ("click", f"open:{market.photo_provider}"),
        ],
        # A deep link to the hourly provider: every question of the form gets asked.
        "book": [
            ("send", "/start p-dj-nights"),
            ("click", f"book:{market.dj_service}"),
            ("click", "evt:birthday"),
            ("send", "20 June"),
            ("click", "tm:1400"),
            ("click", "hrs:240"),  # priced by the hour: how long is asked (issue 14)
            ("click", "gst:100"),
            ("click", "city:casablanca"),
            ("send", "Villa Zaitoun, Anfa"),
            ("send", "A surprise party"),
            ("send", "0612345678"),
            ("send", "me@example.com"),
        ],
        "mybookings": [("send", "/mybookings"), ("click", f"bk:{booking_id}"), ("click", "cancel")],
        "support": [
            ("send", "/support"),
            ("click", "sc:payment"),
            ("click", "sb:0"),
            ("send", "My invoice never came"),
            ("click", "sl"),
        ],
        "language": [("send", "/language")],
    }


@dataclass(frozen=True)
class Screen:
    position: str
    came_from: str  # where Back should lead
    point: SavePoint


async def walk(chat: Chat, actions: list[Action]) -> list[Screen]:
    """Play ``actions`` from the main menu and save every screen reached."""
    await chat.send("/start")
    screens, came_from = [], await chat.position()
    for action in actions:
        await chat.play([action])
        position = await chat.position()
        screens.append(Screen(position, came_from, await chat.save_point()))
        came_from = position
    return screens
