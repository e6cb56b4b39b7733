"""The three loads of the Telegram webhook benchmark: who talks, what they say, and the data
each needs (bench/telegram_webhook.py runs them; bench/README.md, "Telegram webhook").

- navigation: a client browses (the original script): search, paging, a profile, free text;
- booking: each client opens a provider's deep link and books its own date through the
  whole form, to "request sent";
- provider: each provider opens the bot, accepts a request from its notice, opens a paid
  booking from the home's list and marks it delivered (both seeded before the clock starts,
  with their notices).

A step is (kind, argument): "text" types the argument, "contact" shares the chat's phone,
"tap" presses the newest button whose code starts with the argument. Arguments are
formatted with the chat's values ({free}, {date}, {accept}...).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.request import RequestBooking, request_booking
from core.booking.states import Action, Role
from core.clock import SystemClock
from core.db.tables import ChannelIdentity, Conversation, OutboxMessage, User
from core.uow import UnitOfWorkFactory
from tests.fakes import Delivery, FakeTelegramAPI, FakeUser
from tests.support.factories import make_provider, make_user

CLIENT_TOKEN = "111:client"
PROVIDER_TOKEN = "222:provider"
LANGS = ("fr", "ar", "en")
MARKET_OFFSET = timedelta(hours=1)  # Africa/Casablanca: dates below are the market's days
FREE_TEXT = {
    "ar": "مصور في الرباط يوم 14 يونيو ل 200 ضيف",
    "fr": "photographe à Rabat le 14 juin pour 200 invités",
    "en": "photographer in Rabat on 14 June for 200 guests",
}
VENUE = {"ar": "قاعة الأفراح، الرباط", "fr": "Salle des fêtes, Rabat", "en": "Wedding hall, Rabat"}
NOTES = {
    "ar": "صور العائلة أيضا",
    "fr": "Photos de famille aussi",
    "en": "Family photos too",
}
BOOKING_SLUG = "bench-booking-studio"

Script = tuple[tuple[str, str], ...]
Step = Callable[[], Awaitable[Delivery]]


@dataclass(frozen=True)
class Mix:
    name: str
    token: str  # the bot the load talks to
    first_user_id: int
    script: Script


NAVIGATION = Mix(
    "navigation",
    CLIENT_TOKEN,
    100_000,
    (
        ("text", "/start"),
        ("tap", "m:find"),
        ("tap", "cat:photographer"),
        ("tap", "city:rabat"),
        ("tap", "day:any"),
        ("tap", "page:next"),  # edits the results in place
        ("tap", "open:"),  # the first provider of the page: profile with photos
        ("text", "{free}"),  # a search in the chat's language
    ),
)
BOOKING = Mix(
    "booking",
    CLIENT_TOKEN,
    200_000,
    (
        ("text", "/start p-" + BOOKING_SLUG),  # the site's deep link: the profile
        ("tap", "book:"),
        ("tap", "evt:wedding"),
        ("text", "{date}"),  # dd/mm/yyyy: read the same in every language
        ("tap", "gst:100"),
        ("tap", "city:rabat"),
        ("text", "{venue}"),
        ("text", "{notes}"),
        ("contact", "{phone}"),
        ("tap", "skip"),  # no email
        ("tap", "confirm"),  # "request sent"
    ),
)
PROVIDER = Mix(
    "provider",
    PROVIDER_TOKEN,
    300_000,
    (
        ("text", "/start"),  # the provider's home: its open bookings, one button each
        ("tap", "{accept}"),  # on the new request's notice
        # No notice carries "Mark as delivered": a "new request" notice only while the
        # booking is still requested, "deposit paid" without buttons. The provider opens
        # the booking from the home's list, as in the product.
        ("tap", "{open}"),
        ("tap", "{deliver}"),  # on the booking's card
    ),
)
MIXES = {m.name: m for m in (NAVIGATION, BOOKING, PROVIDER)}


@dataclass
class ChatValues:
    """What a chat's script is formatted with."""

    values: dict[str, str] = field(default_factory=dict)


def users(mix: Mix, chats: int) -> list[FakeUser]:
    return [
        FakeUser(
            id=mix.first_user_id + n,
            first_name=f"{mix.name.title()} {n}",
            language_code=LANGS[n % len(LANGS)],
        )
        for n in range(chats)
    ]


def phone(user: FakeUser) -> str:
    """A Moroccan mobile number of the chat, in Telegram's form (no "+")."""
    return f"2126{user.id % 100_000_000:08d}"


def booking_day(today: date, n: int) -> date:
    """Chat n's own date: no two chats want the same day of the capacity-1 service."""
    return today + timedelta(days=7 + n)


def chat_values(
    mix: Mix, people: list[FakeUser], seeded: dict[int, dict[str, str]]
) -> dict[int, dict[str, str]]:
    today = (SystemClock().now() + MARKET_OFFSET).date()
    out: dict[int, dict[str, str]] = {}
    for n, user in enumerate(people):
        lang = user.language_code or "fr"
        day = booking_day(today, n)
        out[user.id] = {
            "free": FREE_TEXT[lang],
            "date": f"{day.day:02d}/{day.month:02d}/{day.year}",
            "venue": VENUE[lang],
            "notes": NOTES[lang],
            "phone": phone(user),
            **seeded.get(user.id, {}),
        }
    return out


# ---- data each mix needs ---------------------------------------------------------------------


async def seed(
    mix: Mix, uows: UnitOfWorkFactory, people: list[FakeUser]
) -> dict[int, dict[str, str]]:
    """Rows the mix needs before the bot starts; returns values for the chats' scripts."""
    now = SystemClock().now()
    if mix is BOOKING:
        # One photographer in Rabat, open every day 9-23, one service of capacity 1.
        await make_provider(uows, now, slug=BOOKING_SLUG, min_notice_hours=48)
        return {}
    if mix is PROVIDER:
        return await seed_providers(uows, now, people)
    return {}


async def seed_providers(
    uows: UnitOfWorkFactory, now: datetime, people: list[FakeUser]
) -> dict[int, dict[str, str]]:
    """Per provider chat: a provider (owner's phone = the chat's, its Telegram account
    connected), a request to accept, and a paid booking whose event was yesterday, to mark
    delivered. Made the way the product makes them (request_booking, then accept and the
    deposit as apply_action records them; the paid booking's "new request" notice recorded
    as sent twelve days ago, when its chat was connected already: left queued, the worker
    would drop it now as stale news), one kind of row for every provider at a time:
    the outbox sends in order and waits a second between two messages to one chat, so a
    provider's notices one after the other would pace the whole backlog at ~1/s."""
    today = (now + MARKET_OFFSET).date()
    then = now - timedelta(days=12)  # booked twelve days ago for yesterday
    made: list[tuple[int, int, int]] = []
    for n, user in enumerate(people):
        owner, _, service = await make_provider(uows, now, slug=f"bench-provider-{n:04d}")
        client = await make_user(uows, now, name=f"Client of {n}")
        async with uows() as uow:
            await uow.session.execute(
                update(User)
                .where(User.id == owner)
                .values(phone_e164="+" + phone(user), locale=user.language_code or "fr")
            )
            # Connected (as sharing the owner's phone does) before any notice: connecting
            # 200 accounts through the bot while their notices flowed left some "held".
            # That chat with the bot leaves its conversation too, back at the home screen.
            uow.session.add(
                ChannelIdentity(
                    user_id=owner,
                    channel="telegram_provider",
                    external_id=str(user.id),
                    unreachable=False,
                    last_inbound_at=now,
                    created_at=now,
                )
            )
            uow.session.add(
                Conversation(
                    channel="telegram_provider",
                    chat_key=str(user.id),
                    user_id=owner,
                    state={},
                    version=1,
                    updated_at=now,
                )
            )
            await uow.commit()
        made.append((owner, service, client))
    values: dict[int, dict[str, str]] = {user.id: {} for user in people}
    for day, when, key in (
        (today + timedelta(days=10), now, "accept"),
        (today - timedelta(days=1), then, "deliver"),
    ):
        for user, (_, service, client) in zip(people, made, strict=True):
            async with uows() as uow:
                ask = RequestBooking(client, service, "wedding", day, city="rabat")
                booking = await request_booking(uow, ask, now=when)
                await uow.commit()
            values[user.id][key] = str(booking.id)
    for action, role in ((Action.ACCEPT, Role.PROVIDER), (Action.PAY_DEPOSIT, Role.SYSTEM)):
        for user, (owner, _, _) in zip(people, made, strict=True):
            actor = Actor(role, owner) if role is Role.PROVIDER else Actor.system()
            async with uows() as uow:
                await apply_action(uow, int(values[user.id]["deliver"]), action, actor, now=then)
                await uow.commit()
    await sent_back_then(uows, [owner for owner, _, _ in made], now, then)
    return {
        chat: {
            "accept": f"pacc:{v['accept']}",
            "open": f"req:{v['deliver']}",
            "deliver": f"pdel:{v['deliver']}",
        }
        for chat, v in values.items()
    }


async def sent_back_then(
    uows: UnitOfWorkFactory, owners: list[int], now: datetime, then: datetime
) -> None:
    """The providers' notices of twelve days ago, as the worker left them then: sent."""
    async with uows() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.user_id.in_(owners),
                OutboxMessage.kind == "booking_requested",
                OutboxMessage.created_at < now,
            )
            .values(status="sent", attempts=1, sent_at=then)
        )
        await uow.commit()


def open_chats(mix: Mix, fake: FakeTelegramAPI, people: list[FakeUser]) -> None:
    """Before the bot starts: the chats the outbox will write to (providers' notices)."""
    if mix is PROVIDER:
        for user in people:
            fake.open_chat(PROVIDER_TOKEN, user)


async def before_clock(
    mix: Mix, fake: FakeTelegramAPI, people: list[FakeUser], values: dict[int, dict[str, str]]
) -> None:
    """Before the clock starts: every chat shows the button its script presses first on a
    notice (the new request's Accept, delivered by the bot's outbox worker)."""
    if mix is not PROVIDER:
        return
    deadline = time.monotonic() + 900
    for user in people:
        code = values[user.id]["accept"]
        while not shows_button(fake, PROVIDER_TOKEN, user, code):
            if time.monotonic() > deadline:
                raise RuntimeError(f"chat {user.id} never showed {code}: see the bot's log")
            await asyncio.sleep(0.2)


def shows_button(fake: FakeTelegramAPI, token: str, user: FakeUser, code: str) -> bool:
    chat = fake.bot(token).chats.get(user.id)
    if chat is None:
        return False
    return any(
        m.from_bot and not m.deleted and code in (d.partition("|")[2] for d in m.callback_data())
        for m in chat.messages.values()
    )


# ---- the steps of a chat ---------------------------------------------------------------------


def newest_offering(
    fake: FakeTelegramAPI, token: str, user: FakeUser, code: str
) -> tuple[int, str]:
    # The chat's own messages (fake.sent_to scans every chat's: too slow for a driver).
    for message in reversed(fake.bot(token).chats[user.id].messages.values()):
        if not message.from_bot or message.deleted:
            continue
        for data in message.callback_data():
            if data.partition("|")[2].startswith(code) or data == code:
                return message.message_id, data
    raise LookupError(f"chat {user.id}: no button {code!r}")


def our_steps(
    mix: Mix, fake: FakeTelegramAPI, user: FakeUser, values: dict[str, str]
) -> list[Step]:
    def step(kind: str, arg: str) -> Step:
        async def run() -> Delivery:
            said = arg.format(**values)
            if kind == "text":
                return await fake.user_sends_text(mix.token, user, said)
            if kind == "contact":
                return await fake.user_shares_contact(mix.token, user, said)
            message_id, data = newest_offering(fake, mix.token, user, said)
            return await fake.user_presses(mix.token, user, message_id, data)

        return run

    return [step(kind, arg) for kind, arg in mix.script]


def echo_codes(mix: Mix) -> list[str]:
    """The buttons an echo bot's keyboard carries: the mix's taps, unformatted."""
    return [arg for kind, arg in mix.script if kind == "tap"]


def echo_steps(
    mix: Mix,
    fake: FakeTelegramAPI,
    token: str,
    user: FakeUser,
    keyboard_id: int,
    values: dict[str, str],
) -> list[Step]:
    """The same kinds of updates, in the same order, to an echo bot."""

    def step(kind: str, arg: str) -> Step:
        async def run() -> Delivery:
            if kind == "text":
                return await fake.user_sends_text(token, user, arg.format(**values))
            if kind == "contact":
                return await fake.user_shares_contact(token, user, arg.format(**values))
            return await fake.user_presses(token, user, keyboard_id, arg)

        return run

    return [step(kind, arg) for kind, arg in mix.script]
