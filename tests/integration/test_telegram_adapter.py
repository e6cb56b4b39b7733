"""Our Telegram adapter against the fake Bot API, through the real webhook routes.

Authentication, exactly-once handling, stale and doubled presses, blocked bots, flood
control, what the bots tell Telegram at start-up, and the app without tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.telegram import channel as telegram_channel
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import (
    Booking,
    ChannelIdentity,
    Conversation,
    Flag,
    OutboxMessage,
    ProcessedEvent,
    User,
)
from dialogs.i18n.translator import translator
from dialogs.notifications.render import CLIENT_TEXT
from tests.conftest import BACKENDS
from tests.fakes import Delivery, FakeTelegramAPI, FakeUser, RateLimits, StoredMessage
from tests.support.bookings import act, request
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    PROVIDER_TOKEN,
    SECRET,
    TelegramApp,
    app_on_backend,
    assert_wire_clean,
    button_data,
    eventually,
    migrated_sqlite,
    telegram_app,
)

AMINA = FakeUser(id=4001, first_name="Amina", language_code="ar")
YOUSSEF = FakeUser(id=4002, first_name="Youssef", language_code="en")
EN = translator("en")
OLDER = EN("That button belongs to an older message. Here is where we are now:")
DAY = date(2026, 6, 14)


@pytest.fixture(params=BACKENDS)
async def tg(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[TelegramApp]:
    async with app_on_backend(request.param, request, tmp_path, clock) as app:
        yield app


def text_update(update_id: int, user: FakeUser, text: str, message_id: int = 900) -> dict[str, Any]:
    """A message update built by hand (the fake builds the same shape)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": user.to_json(),
            "chat": user.chat_json(),
            "date": 1_777_885_200,
            "text": text,
        },
    }


def press_update(
    update_id: int, user: FakeUser, message: StoredMessage, data: str
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"forged-{update_id}",
            "from": user.to_json(),
            "message": message.to_json(),
            "chat_instance": "1",
            "data": data,
        },
    }


async def traces(tg: TelegramApp) -> tuple[int, ...]:
    """What an update leaves behind: users, identities, conversations, claimed events."""
    return (
        await tg.count(User),
        await tg.count(ChannelIdentity),
        await tg.count(Conversation),
        await tg.count(ProcessedEvent),
    )


async def conversation_json(tg: TelegramApp, user: FakeUser) -> dict[str, Any]:
    [row] = await tg.rows(Conversation, Conversation.chat_key == str(user.id))
    return dict(row.state)


async def client_id(tg: TelegramApp, user: FakeUser) -> int:
    found = await tg.rows(
        ChannelIdentity,
        ChannelIdentity.channel == "telegram_client",
        ChannelIdentity.external_id == str(user.id),
    )
    return int(found[0].user_id)


async def accepted_booking_for(tg: TelegramApp, user: FakeUser) -> int:
    """A booking of ``user`` accepted by the provider: the outbox gets news for the client."""
    now = tg.container.clock.now()
    booking_id = await request(tg.uows, now, await client_id(tg, user), tg.provider.service_id, DAY)
    await act(
        tg.uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, tg.provider.owner_id), now=now
    )
    return booking_id


async def outbox_row(tg: TelegramApp, kind: str) -> OutboxMessage:
    [row] = await tg.rows(OutboxMessage, OutboxMessage.kind == kind)
    return row


async def last_reply_row(tg: TelegramApp) -> OutboxMessage:
    """The kept reply of the latest update (every update's reply is kept)."""
    return (
        await tg.rows(OutboxMessage, OutboxMessage.kind == "direct_reply", order=OutboxMessage.id)
    )[-1]


# ---- authentication -----------------------------------------------------------------------


async def test_forged_or_missing_secret_is_refused_and_changes_nothing(tg: TelegramApp) -> None:
    before = await traces(tg)
    update = text_update(1, YOUSSEF, "/start")
    for secret in ("forged", SECRET.upper(), SECRET + "x", "", None):
        assert (await tg.post("client", update, secret=secret))[0] == 403
        assert (await tg.post("provider", update, secret=secret))[0] == 403
    assert await traces(tg) == before

    # As Telegram sees it: a webhook with the wrong secret keeps failing, the update waits.
    tg.fake.bot(CLIENT_TOKEN).secret_token = "stale-secret"
    delivery = await tg.fake.user_sends_text(CLIENT_TOKEN, YOUSSEF, "/start")
    assert (delivery.state, delivery.status) == ("pending", 403)
    assert await traces(tg) == before and tg.fake.sent_to(YOUSSEF.id) == []

    tg.fake.bot(CLIENT_TOKEN).secret_token = SECRET  # fixed: Telegram's retry goes through
    [retried] = await tg.fake.redeliver(CLIENT_TOKEN)
    assert (retried.state, retried.status) == ("delivered", 200)
    assert await tg.count(ProcessedEvent) == before[3] + 1
    assert len(tg.fake.sent_to(YOUSSEF.id)) == 1
    assert_wire_clean(tg.fake)


async def test_garbage_with_the_right_secret_is_refused(tg: TelegramApp) -> None:
    before = await traces(tg)
    assert (await tg.post("client", {"message": {}}))[0] == 400  # no update_id
    assert (await tg.post("client", ["not", "an", "update"]))[0] == 400
    nested = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"}"
    async with aiohttp.ClientSession() as http:
        for body in (b"{not json", b"\xff\xfe", b"[" * 100_000, nested, b"null"):
            async with http.post(
                tg.webhook("client"), data=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as resp:
                assert resp.status == 400, body[:20]
    assert await traces(tg) == before


# ---- exactly once ---------------------------------------------------------------------------


async def test_a_replayed_update_changes_nothing_and_sends_nothing(tg: TelegramApp) -> None:
    first = await tg.say(YOUSSEF, "/start")
    pressed = await tg.tap(YOUSSEF, "m:find")
    state, calls, before = (
        await conversation_json(tg, YOUSSEF),
        len(tg.fake.calls()),
        await traces(tg),
    )

    # Telegram redelivers (our answer was lost): the same JSON, twice at once, then again.
    for update in (first.update, pressed.update):
        statuses = await asyncio.gather(*(tg.post("client", update) for _ in range(2)))
        assert [s for s, _ in statuses] == [200, 200]
        assert (await tg.post("client", update))[0] == 200

    assert await conversation_json(tg, YOUSSEF) == state
    assert await traces(tg) == before
    new_calls = [c.method for c in tg.fake.calls()[calls:]]
    # A replayed press is answered again (before we know it is a replay): Telegram refuses
    # that as too old, and nothing else is sent.
    assert set(new_calls) <= {"answerCallbackQuery"}
    assert_wire_clean(tg.fake, refused=("answerCallbackQuery",))


async def test_same_update_id_on_the_other_bot_is_another_update(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    await tg.say(YOUSSEF, "/start", bot="provider")  # both bots number their updates from 1
    assert await tg.count(ProcessedEvent) == 2
    assert len(tg.fake.sent_to(YOUSSEF.id, bot=PROVIDER_TOKEN)) == 2  # the connect prompt


# ---- presses ------------------------------------------------------------------------------


async def test_a_stale_button_gets_a_note_and_the_current_step(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    menu = tg.last(YOUSSEF)
    await tg.say(YOUSSEF, "/start")  # a second menu below: the first one is older
    await tg.tap(YOUSSEF, "m:find", message=tg.last(YOUSSEF))
    assert (await conversation_json(tg, YOUSSEF))["flow"] == "discover"

    await tg.tap(YOUSSEF, "m:mine", message=menu)  # a button of the older menu
    note = tg.last(YOUSSEF)
    assert note.text == OLDER + "\n\n" + EN("What are you looking for?")
    assert any(d.endswith("|cat:photographer") for d in note.callback_data())
    assert menu.callback_data() == []  # the older menu's buttons were taken away (issue 19)
    state = await conversation_json(tg, YOUSSEF)
    assert (state["flow"], state["step"]) == ("discover", "category")
    assert len(tg.fake.callback_answers()) == 2  # the stale press was answered too
    assert_wire_clean(tg.fake)


async def test_a_press_is_answered_by_the_webhook_reply_or_early_when_slow(
    tg: TelegramApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await tg.say(YOUSSEF, "/start")
    # However loaded the machine, this step counts as quick.
    monkeypatch.setattr(telegram_channel, "EARLY_ANSWER_AFTER", 60.0)
    quick = await tg.tap(YOUSSEF, "m:find")
    # A step slower than EARLY_ANSWER_AFTER (here: any step) is answered at once, apart.
    monkeypatch.setattr(telegram_channel, "EARLY_ANSWER_AFTER", 0.0)
    slow = await tg.tap(YOUSSEF, "cat:photographer")

    def answers(pressed: Delivery) -> list[str]:
        return [
            c.source
            for c in tg.fake.calls()
            if c.method == "answerCallbackQuery"
            and c.params["callback_query_id"] == pressed.callback_query_id
        ]

    assert answers(quick) == ["webhook-reply"]
    assert answers(slow) == ["http"]  # once: the webhook's reply carried nothing more
    assert tg.fake.callback_answers()[-1].query_id == slow.callback_query_id
    assert_wire_clean(tg.fake)


async def test_a_reply_refused_by_a_proxy_goes_to_the_outbox(tg: TelegramApp) -> None:
    tg.fake.bad_gateway_once("sendMessage")
    await tg.say(YOUSSEF, "/start")  # committed, then the reply met an HTML 502
    assert tg.fake.sent_to(YOUSSEF.id) == []
    # Queued; the worker may already hold it ("sending") or have sent it by now.
    assert (await outbox_row(tg, "direct_reply")).status in ("pending", "sending", "sent")

    def menu_arrived() -> bool:
        sent = tg.fake.sent_to(YOUSSEF.id)
        return bool(sent) and any(d.endswith("|m:find") for d in sent[-1].callback_data())

    await eventually(menu_arrived, what="the queued reply")

    # The worker records "sent" just after the fake has the message: wait for the record.
    async def recorded_sent() -> bool:
        return (await outbox_row(tg, "direct_reply")).status == "sent"

    await eventually(recorded_sent, what="the reply recorded as sent")


async def test_presses_from_groups_and_on_vanished_messages(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    find = button_data(tg.last(YOUSSEF), "m:find")
    calls = len(tg.fake.calls())
    press = {"id": "779", "from": YOUSSEF.to_json(), "chat_instance": "1", "data": find}
    group = {"chat": {"id": -100123, "type": "supergroup", "title": "g"}, "message_id": 5}
    in_group = await tg.fake.inject(
        CLIENT_TOKEN, {"callback_query": {**press, "message": {**group, "date": 1}}}
    )
    assert (in_group.state, in_group.status) == ("delivered", 200)
    assert tg.fake.calls()[calls:] == []  # nothing said in the group, nothing done
    assert (await conversation_json(tg, YOUSSEF))["flow"] == "menu"
    # A message too old for Telegram to show us (date 0): answered with a new message,
    # without trying to edit what can't be edited.
    vanished = {"chat": YOUSSEF.chat_json(), "message_id": 99999, "date": 0}
    await tg.fake.inject(
        CLIENT_TOKEN, {"callback_query": {**press, "id": "780", "message": vanished}}
    )
    methods = [c.method for c in tg.fake.calls()[calls:]]
    assert "editMessageText" not in methods and "sendMessage" in methods
    assert (await conversation_json(tg, YOUSSEF))["flow"] == "discover"


async def test_two_fast_taps_give_one_step(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    menu = tg.last(YOUSSEF)
    sent = len(tg.fake.sent_to(YOUSSEF.id))

    # Through the fake, as Telegram does it: the second press queues behind the first.
    await asyncio.gather(*(tg.tap(YOUSSEF, "m:find", message=menu) for _ in range(2)))
    assert len(tg.fake.sent_to(YOUSSEF.id)) == sent  # the menu became the categories
    assert len(tg.fake.edits(YOUSSEF.id)) == 1
    assert len(tg.fake.callback_answers()) == 2
    category = tg.last(YOUSSEF)
    seq = (await conversation_json(tg, YOUSSEF))["seq"]

    # Straight at our webhook, truly at once (say, two webhook connections): still one step.
    data = next(d for d in category.callback_data() if d.endswith("|cat:photographer"))
    updates = [press_update(10_000 + n, YOUSSEF, category, data) for n in range(2)]
    statuses = await asyncio.gather(*(tg.post("client", u) for u in updates))
    assert [s for s, _ in statuses] == [200, 200]
    state = await conversation_json(tg, YOUSSEF)
    assert (state["step"], state["seq"]) == ("city", seq + 1)
    assert len(tg.fake.sent_to(YOUSSEF.id)) == sent
    assert len(tg.fake.edits(YOUSSEF.id)) == 2
    assert tg.last(YOUSSEF).text == EN("In which city is the event?")


async def test_a_forwarded_contact_does_not_connect_a_provider(tg: TelegramApp) -> None:
    """Only the sender's own contact (user_id = sender) proves a phone number."""
    await tg.say(YOUSSEF, "/start", bot="provider")
    contact = {"phone_number": tg.provider.phone, "first_name": "Owner", "user_id": 999}
    message = {
        "message_id": 777,
        "from": YOUSSEF.to_json(),
        "chat": YOUSSEF.chat_json(),
        "date": 1_777_885_200,
        "contact": contact,
    }
    delivery = await tg.fake.inject(PROVIDER_TOKEN, {"message": message})
    assert delivery.status == 200
    identity = await tg.rows(
        ChannelIdentity,
        ChannelIdentity.channel == "telegram_provider",
        ChannelIdentity.external_id == str(YOUSSEF.id),
    )
    assert identity[0].user_id != tg.provider.owner_id
    assert EN("Your account is connected.") not in tg.texts(YOUSSEF, bot="provider")
    assert (
        EN("Please write your answer, or choose an option.")
        in tg.texts(YOUSSEF, bot="provider")[-2]
    )


# ---- delivery: blocked bots, flood control, failed direct replies --------------------------


async def test_a_blocked_bot_marks_the_user_unreachable_without_retrying(
    tg: TelegramApp,
) -> None:
    await tg.say(YOUSSEF, "/start")
    user_id = await client_id(tg, YOUSSEF)
    blocked = await tg.fake.user_blocks(CLIENT_TOKEN, YOUSSEF)
    assert blocked is not None and blocked.state == "filtered"  # my_chat_member not asked for

    await accepted_booking_for(tg, YOUSSEF)

    async def gave_up() -> bool:
        return (await outbox_row(tg, "booking_accepted")).status == "dead"

    await eventually(gave_up, what="the outbox row to die on 403")
    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.user_id == user_id)
    assert identity.unreachable
    [flag] = await tg.rows(Flag)
    assert (flag.kind, flag.subject_type, flag.subject_id) == ("bot_blocked", "user", str(user_id))
    assert flag.details["channel"] == "telegram_client"

    # No retry storm: two more worker rounds, still the one refused send.
    await asyncio.sleep(1.2)
    refused = [c for c in tg.fake.calls("sendMessage") if c.params["chat_id"] == YOUSSEF.id]
    assert [c.status for c in refused[1:]] == [403]  # after the /start menu
    row = await outbox_row(tg, "booking_accepted")
    assert (row.status, row.attempts) == ("dead", 1)
    assert await tg.count(Flag) == 1
    assert_wire_clean(tg.fake, refused=("sendMessage",))


async def test_a_user_who_unblocks_the_bot_is_reachable_again(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    await tg.fake.user_blocks(CLIENT_TOKEN, YOUSSEF)
    booking_id = await accepted_booking_for(tg, YOUSSEF)

    async def gave_up() -> bool:
        return (await outbox_row(tg, "booking_accepted")).status == "dead"

    await eventually(gave_up, what="the outbox row to die on 403")
    await tg.say(YOUSSEF, "/start")  # one can only write to a bot one has unblocked
    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.external_id == str(YOUSSEF.id))
    assert not identity.unreachable

    now = tg.container.clock.now()
    # Cancelled by the provider: the client hears of it (not of their own cancellation).
    await act(
        tg.uows, booking_id, Action.CANCEL, Actor(Role.PROVIDER, tg.provider.owner_id), now=now
    )
    [booking] = await tg.rows(Booking, Booking.id == booking_id)
    news = EN(CLIENT_TEXT["booking_cancelled"], ref=booking.reference, provider=tg.provider.slug)
    await eventually(lambda: news in tg.texts(YOUSSEF), what="the news after unblocking")


async def test_429_is_retried_after_retry_after(tg: TelegramApp, clock: FixedClock) -> None:
    tg.fake.rate_limits = RateLimits(per_chat=3, per_chat_window=1.0, per_bot=30)
    for _ in range(3):  # three answers within the (frozen) second: the chat's burst is used
        await tg.say(YOUSSEF, "/start")
    booking_id = await accepted_booking_for(tg, YOUSSEF)
    now = clock.now()

    async def attempted() -> bool:  # counted when it began, "pending" once it ended
        row = await outbox_row(tg, "booking_accepted")
        return (row.attempts, row.status) == (1, "pending")

    await eventually(attempted, what="the first delivery attempt")
    row = await outbox_row(tg, "booking_accepted")
    assert row.status == "pending" and "retry after 1" in (row.last_error or "")
    assert row.next_attempt_at == now + timedelta(seconds=1)  # retry_after, not the backoff
    await asyncio.sleep(1.2)  # the worker comes round twice: not due yet, not sent again
    assert (await outbox_row(tg, "booking_accepted")).attempts == 1
    assert [c.status for c in tg.fake.calls("sendMessage")][-1] == 429

    clock.advance(timedelta(seconds=1))

    async def sent() -> bool:
        return (await outbox_row(tg, "booking_accepted")).status == "sent"

    await eventually(sent, what="the retry after retry_after")
    row = await outbox_row(tg, "booking_accepted")
    assert row.attempts == 2
    [news] = [m for m in tg.fake.sent_to(YOUSSEF.id) if f"g|bk:{booking_id}" in m.callback_data()]
    assert (news.text or "").startswith("Good news:")  # the acceptance, in English
    assert f"g|pay:{booking_id}" in news.callback_data()  # its link made before each attempt


async def test_a_direct_reply_refused_midway_queues_only_the_rest(
    tg: TelegramApp, clock: FixedClock
) -> None:
    fr = translator("fr")
    await tg.say(YOUSSEF, "/start")
    tg.fake.rate_limits = RateLimits(per_chat=1, per_chat_window=1.0)
    await tg.tap(YOUSSEF, "m:lang")
    sends = len(tg.fake.sent_to(YOUSSEF.id))
    clock.advance(timedelta(seconds=1))
    # A new language is answered with two messages, "changed" and the menu: the second
    # one hits the flood limit (429) and must go through the outbox, alone.
    await tg.tap(YOUSSEF, "lang:fr")
    assert tg.texts(YOUSSEF)[sends:] == [fr("Language changed.")]
    row = await last_reply_row(tg)
    [queued] = row.payload["replies"]
    assert queued["text"].startswith("Bienvenue sur Mounasabet")  # the menu, in French

    clock.advance(timedelta(seconds=1))

    async def sent() -> bool:
        return (await last_reply_row(tg)).status == "sent"

    await eventually(sent, what="the queued rest of the answer")
    later = tg.texts(YOUSSEF)[sends:]
    assert later == [fr("Language changed."), queued["text"]]  # nothing said twice
    assert tg.last(YOUSSEF).callback_data() == [
        b["payload"] for row in queued["buttons"] for b in row
    ]


async def test_a_request_made_before_the_provider_connects_reaches_him(tg: TelegramApp) -> None:
    await tg.say(YOUSSEF, "/start")
    now = tg.container.clock.now()
    await request(tg.uows, now, await client_id(tg, YOUSSEF), tg.provider.service_id, DAY)

    async def held() -> bool:
        return (await outbox_row(tg, "booking_requested")).status == "held"

    await eventually(held, what="the request to wait for a provider identity")
    await tg.say(AMINA, "/start", bot="provider")
    await tg.share(AMINA, tg.provider.phone, bot="provider")
    # From now on the chat speaks the provider account's language (French), not Telegram's.
    assert translator("fr")("Your account is connected.") in tg.texts(AMINA, bot="provider")

    async def sent() -> bool:
        return (await outbox_row(tg, "booking_requested")).status == "sent"

    await eventually(sent, within=2.0, what="the held request once the provider connected")


async def test_a_provider_writing_arabic_is_answered_in_arabic_and_offered_to_keep_it(
    tg: TelegramApp,
) -> None:
    """The provider bot follows the language a message is written in, as the client bot
    does (issue 14): the account is in French, Arabic typed is answered in Arabic with a
    button to keep Arabic, and the presses that follow stay in Arabic."""
    await tg.say(AMINA, "/start", bot="provider")
    await tg.share(AMINA, tg.provider.phone, bot="provider")  # the account: French
    fr, ar = translator("fr"), translator("ar")
    assert fr("Your account is connected.") in tg.texts(AMINA, bot="provider")
    sent = len(tg.texts(AMINA, bot="provider"))
    await tg.say(AMINA, "السلام عليكم، بغيت نشوف الطلبات", bot="provider")
    # One message: the home in Arabic (it was French), the offer at its end. (No request is
    # listed on the home yet: the note asks for an option.)
    [answer] = tg.texts(AMINA, bot="provider")[sent:]
    assert answer.startswith(ar("Please choose an option."))
    assert answer.endswith(ar("You wrote in Arabic. Shall we continue in Arabic?"))
    owner = await tg.scalar(User.locale, User.id == tg.provider.owner_id)
    assert owner == "fr"  # only offered
    await tg.tap(AMINA, "g|lang:ar", bot="provider")
    assert ar("Language changed.") in tg.texts(AMINA, bot="provider")
    assert await tg.scalar(User.locale, User.id == tg.provider.owner_id) == "ar"


# ---- start-up: what the bots tell Telegram --------------------------------------------------


async def test_commands_and_webhook_are_registered(tg: TelegramApp) -> None:
    fake = tg.fake
    for token, kind in ((CLIENT_TOKEN, "client"), (PROVIDER_TOKEN, "provider")):
        lists = {code: fake.commands(token, language_code=code) for code in ("ar", "fr", "en")}
        for code, commands in lists.items():
            names = [c["command"] for c in commands]
            assert "start" in names and "help" in names, (kind, code)
            t = translator(code)
            assert commands[0]["description"] == t(
                "main menu" if kind == "client" else "your requests"
            )
        assert len({c[0]["description"] for c in lists.values()}) == 3  # three languages
        assert fake.commands(token) == lists["fr"]  # everybody else: the default locale

        [hook] = fake.calls("setWebhook", bot=token)
        assert hook.params["url"] == tg.webhook(kind)
        assert hook.params["secret_token"] == SECRET
        assert hook.params["allowed_updates"] == ["message", "callback_query"]
        assert fake.bot(token).webhook_url == tg.webhook(kind)
    assert_wire_clean(fake)


async def test_a_text_that_looks_like_html_stays_text(tg: TelegramApp) -> None:
    await tg.say(AMINA, "/start")
    await tg.tap(AMINA, "m:find")
    await tg.say(AMINA, "<b>hi</b> & co <i>")  # understood as nothing: asked again
    for message in tg.fake.sent_to(AMINA.id):
        assert message.entities == []
    await tg.say(AMINA, "/start <b>")  # a deep link payload that is not one
    assert_wire_clean(tg.fake)


# ---- without tokens ---------------------------------------------------------------------------


async def test_without_tokens_the_webhooks_are_off_and_the_rest_runs(
    tmp_path: Path, clock: FixedClock
) -> None:
    url = migrated_sqlite(tmp_path / "off.db")
    async with (
        FakeTelegramAPI(clock=clock, rate_limits=None) as fake,
        telegram_app(url, fake, clock, migrate=False, tokens=False) as tg,
        aiohttp.ClientSession() as http,
    ):
        for kind in ("client", "provider"):
            async with http.post(
                tg.webhook(kind),
                json=text_update(1, YOUSSEF, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as resp:
                assert resp.status in (404, 405)
        async with http.get(f"{tg.url}/healthz") as resp:
            assert resp.status == 200
            health = await resp.json()
        assert health["status"] == "ok"
        assert health["channels"]["telegram_client"] is False
        # With a public URL the sandbox (anyone acting as any provider) is off by default.
        assert health["channels"]["sandbox"] is False
        async with http.post(
            f"{tg.url}/sandbox/api/send", json={"pane": "provider", "chat": "x", "text": "hi"}
        ) as resp:
            assert resp.status == 404
        assert fake.calls() == []  # nobody called Telegram
        assert await tg.count(User) == 1  # only the seeded provider's owner
