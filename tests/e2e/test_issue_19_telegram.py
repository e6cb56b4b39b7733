"""Issue 19 on Telegram: long texts split after entity parsing, labels cut at a word.

The fake Bot API (behind our real webhook) measures a message as Telegram does: 4096
UTF-16 units of the text once its HTML is parsed, and refuses markup it cannot parse.
"""

from __future__ import annotations

from core.db.tables import Provider, Service
from tests.fakes import FakeUser
from tests.support.telegram_app import TelegramApp, assert_wire_clean

SALMA = FakeUser(id=2001, first_name="Salma", language_code="fr")


async def describe(tg: TelegramApp, description: str, title: str = "Reportage") -> None:
    async with tg.uows() as uow:
        provider = await uow.session.get(Provider, tg.provider.provider_id)
        service = await uow.session.get(Service, tg.provider.service_id)
        assert provider is not None and service is not None
        provider.description = {"fr": description, "en": description, "ar": description}
        service.title = {"fr": title, "en": title, "ar": title}
        await uow.commit()


async def test_ampersands_do_not_push_a_text_past_the_limit(tg: TelegramApp) -> None:
    # 3,700 characters as read, 4,300 once "&" is written "&amp;": one message, whole.
    description = "Mariages & fiançailles " * 160
    await describe(tg, description.strip())
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    profile = tg.last(SALMA)
    assert profile.text is not None and description.strip() in profile.text
    assert_wire_clean(tg.fake)


async def test_a_profile_too_long_for_one_message_loses_nothing(tg: TelegramApp) -> None:
    lines = [f"Ligne {i} : reportage <complet> & album" for i in range(300)]  # ~11,000
    await describe(tg, "\n".join(lines))
    before = len(tg.fake.sent_to(SALMA.id))
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    texts = [m.text or "" for m in tg.fake.sent_to(SALMA.id)[before:]]
    joined = "\n".join(texts)
    assert all(line in joined for line in lines)  # every section, in order
    assert len(texts) >= 3 and all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    last = tg.last(SALMA)
    assert any("book:" in d for d in last.callback_data())  # the buttons under the last part
    assert_wire_clean(tg.fake)


async def test_long_button_labels_are_cut_at_a_word_with_an_ellipsis(tg: TelegramApp) -> None:
    title = "Reportage photo complet de la cérémonie et de la soirée avec album imprimé"
    await describe(tg, "Studio", title)
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    keyboard = tg.last(SALMA).reply_markup or {}
    labels = [b["text"] for row in keyboard["inline_keyboard"] for b in row]
    (book,) = [label for label in labels if label.startswith("Réserver")]
    assert book.endswith("…") and len(book) <= 60
    assert f"{book[:-1]} " in f"Réserver: {title} "  # cut between two words
