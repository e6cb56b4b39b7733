"""Issue 19: WhatsApp messages that feel like WhatsApp — Back and Cancel as words, templates
per language, no "/commands", documents without a caption."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bots.whatsapp.channel import as_command
from bots.whatsapp.render import (
    COMMANDS,
    LIST_PICKER_MAX,
    LIST_PICKER_TITLE,
    QUICK_REPLY_MAX,
    QUICK_REPLY_TITLE,
    TEXT_LIMIT,
    WhatsAppRenderer,
    plain,
    size,
)
from dialogs.client.app import CLIENT_APP
from dialogs.framework.engine import DialogApp
from dialogs.framework.replies import Button, Reply
from dialogs.provider.app import PROVIDER_APP
from tests.integration.test_whatsapp_render import links

BACK, CANCEL = Button("« رجوع", "5|nav:back"), Button("✖ إلغاء", "5|nav:cancel")


def question(locale: str, *labels: str) -> Reply:
    rows = tuple((Button(label, f"5|opt:{i}"),) for i, label in enumerate(labels))
    return Reply("?", (*rows, (BACK, CANCEL)), meta={"locale": locale})


def renderer(tmp_path: Path) -> WhatsAppRenderer:
    quick: dict[int | str, str] = {2: "HXquick2", "2:ar": "HXquick2ar"}
    return WhatsAppRenderer(links(tmp_path), quick, {"4": "HXlist4", "4:ar": "HXlist4ar"})


def test_quick_replies_are_for_the_choices_not_back_and_cancel(tmp_path: Path) -> None:
    (message,) = renderer(tmp_path).render(question("ar", "نعم", "لا"))
    assert message.content_sid == "HXquick2ar"  # two choices: Back and Cancel took no button
    variables = message.content_variables or {}
    assert [variables[k] for k in ("2", "4")] == ["نعم", "لا"]
    assert "6" not in variables
    assert variables["1"] == "?\n\nأو اكتبوا: رجوع · إلغاء"
    assert all(0 < size(variables[k]) <= QUICK_REPLY_TITLE for k in ("2", "4"))
    assert QUICK_REPLY_MAX == 3


def test_templates_are_chosen_per_language_then_per_count(tmp_path: Path) -> None:
    four = ("Mariage", "Fiançailles", "Henné", "Anniversaire")
    assert renderer(tmp_path).render(question("ar", *four))[0].content_sid == "HXlist4ar"
    (french,) = renderer(tmp_path).render(question("fr", *four))
    assert french.content_sid == "HXlist4"
    variables = french.content_variables or {}
    titles = [variables[str(2 + 2 * i)] for i in range(4)]
    assert len(titles) <= LIST_PICKER_MAX and all(size(t) <= LIST_PICKER_TITLE for t in titles)


def test_commands_are_words_on_whatsapp(tmp_path: Path) -> None:
    reply = Reply("Look for another provider with /start.\n/help — this help", meta={})
    (message,) = renderer(tmp_path).render(reply)
    assert message.body == "Look for another provider with start.\nhelp — this help"
    assert size(message.body) <= TEXT_LIMIT


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("menu", "/menu"),
        ("Menu", "/menu"),
        ("القائمة", "/menu"),
        ("aide", "/help"),
        ("start", "/start"),
        ("Salle Al Amal", "Salle Al Amal"),
    ],
)
def test_bare_command_words_are_commands(typed: str, command: str) -> None:
    assert as_command(typed) == command


@pytest.mark.parametrize("app", [CLIENT_APP, PROVIDER_APP], ids=["client", "provider"])
def test_every_command_an_app_names_is_a_word_on_whatsapp(app: DialogApp) -> None:
    """Each app's help names its commands with a "/": on WhatsApp every one shows, and is
    typed, as its bare word ("tickets", not "/tickets")."""
    named = set(app.commands) - {"cancel"}  # typed alone, the form's own Cancel word
    help_text = "\n".join(f"/{command} — …" for command in sorted(named))
    assert not named - set(COMMANDS)
    assert "/" not in plain(help_text)
    for command in named:
        assert as_command(command, app.commands) == f"/{command}"


@pytest.mark.parametrize(
    ("typed", "commands", "read_as"),
    [
        ("tickets", CLIENT_APP.commands, "/tickets"),
        ("services", PROVIDER_APP.commands, "/services"),
        ("services", CLIENT_APP.commands, "services"),  # no command of a client's
        ("mybookings", PROVIDER_APP.commands, "mybookings"),
    ],
)
def test_a_word_is_a_command_only_of_the_app_that_has_it(
    typed: str, commands: Mapping[str, object], read_as: str
) -> None:
    assert as_command(typed, commands) == read_as
