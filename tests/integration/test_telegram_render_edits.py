"""The Telegram renderer against the fake Bot API: how a reply treats the message it answers
(issue 19) — edited in place, "message is not modified" taken as done, an edit refused
falling back to a new message, the pressed message's buttons taken away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bots.telegram.render import TelegramRenderer
from bots.telegram.setup import make_bot
from dialogs.framework.replies import Button, Reply
from tests.fakes import FakeTelegramAPI, FakeUser

TOKEN = "444:render"
LINA = FakeUser(id=5001, first_name="Lina", language_code="en")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(rate_limits=None) as api:
        api.add_bot(TOKEN)
        api.open_chat(TOKEN, LINA)
        yield api


@pytest.fixture
async def renderer(fake: FakeTelegramAPI) -> AsyncIterator[TelegramRenderer]:
    bot = make_bot(TOKEN, fake.base_url)
    yield TelegramRenderer(bot, "http://127.0.0.1:1")
    await bot.session.close()


def screen(text: str, **kwargs: object) -> Reply:
    buttons = ((Button("Next", "3|page:next"), Button("« Back", "3|nav:back")),)
    return Reply(text, buttons, meta={"locale": "en"}, **kwargs)  # type: ignore[arg-type]


async def test_an_edit_replaces_the_text_and_buttons_in_place(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    [first] = await renderer.send(LINA.id, [screen("Page 1")])
    assert await renderer.send(LINA.id, [screen("Page 2", edit=True)], editable=first) == [first]
    [message] = fake.sent_to(LINA.id)
    assert (message.message_id, message.text) == (first, "Page 2")
    assert [e.method for e in fake.edits(LINA.id)] == ["editMessageText"]


async def test_not_modified_is_taken_as_done(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    [first] = await renderer.send(LINA.id, [screen("Page 1")])
    assert await renderer.send(LINA.id, [screen("Page 1", edit=True)], editable=first) == [first]
    [call] = fake.calls("editMessageText")
    assert not call.ok and "not modified" in str(call.response)
    assert len(fake.sent_to(LINA.id)) == 1  # nothing sent again


async def test_a_message_that_cannot_be_edited_gets_a_new_one(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    await renderer.send(LINA.id, [screen("Page 1")])
    ids = await renderer.send(LINA.id, [screen("Page 2", edit=True)], editable=999)
    assert len(ids) == 1 and ids[0] != 999
    assert [m.text for m in fake.sent_to(LINA.id)] == ["Page 1", "Page 2"]


async def test_a_replaced_screen_loses_its_buttons(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    [first] = await renderer.send(LINA.id, [screen("Results")])
    news = Reply("Cancelled.", close_pressed=True)
    await renderer.send(LINA.id, [news, screen("Menu")], editable=first)
    old, said, menu = fake.sent_to(LINA.id)
    assert (old.text, old.callback_data()) == ("Results", [])
    assert (said.text, menu.text) == ("Cancelled.", "Menu") and menu.callback_data()
    assert [e.method for e in fake.edits(LINA.id)] == ["editMessageReplyMarkup"]


async def test_the_keyboard_removal_rides_on_a_message_without_buttons(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    await renderer.send(LINA.id, [screen("Your phone?", request_contact=True)])
    assert fake.reply_keyboard(LINA.id, bot=TOKEN) is not None
    await renderer.send(LINA.id, [Reply("Thanks.", remove_keyboard=True)])
    assert fake.calls("sendMessage")[-1].params["reply_markup"] == {"remove_keyboard": True}
    assert fake.reply_keyboard(LINA.id, bot=TOKEN) is None
    assert fake.sent_to(LINA.id)[-1].text == "Thanks."


async def test_with_buttons_it_takes_a_short_message_of_its_own(
    fake: FakeTelegramAPI, renderer: TelegramRenderer
) -> None:
    await renderer.send(LINA.id, [screen("Your phone?", request_contact=True)])
    [first] = await renderer.send(LINA.id, [screen("Email?")])
    sent = await renderer.send(
        LINA.id, [replace(screen("Guests?"), edit=True, remove_keyboard=True)], editable=first
    )
    assert sent[0] == first  # edited in place...
    assert fake.reply_keyboard(LINA.id, bot=TOKEN) is None  # ...and the keyboard went
    carrier = fake.sent_to(LINA.id)[-1]
    assert carrier.text == "OK." and carrier.callback_data() == []
    assert fake.message(TOKEN, LINA.id, first).text == "Guests?"
