"""WhatsApp rendering: clean splits, numbered options the engine maps back, pagination,
Content templates only where they fit. Pure functions: no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.whatsapp.media import MediaLinks
from bots.whatsapp.render import (
    TEXT_LIMIT,
    WhatsAppRenderer,
    option_lines,
    size,
    split_text,
    text_pages,
)
from core.clock import FixedClock
from dialogs.framework.options import chosen_option, option_list
from dialogs.framework.replies import Button, Document, Reply

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def links(tmp_path: Path) -> MediaLinks:
    return MediaLinks(
        b"k" * 32, tmp_path, "https://mounasabet.example", timedelta(hours=1), FixedClock(NOW)
    )


def reply_with(labels: list[str], text: str = "Choose:") -> Reply:
    rows = tuple((Button(label, f"3|opt:{i}"),) for i, label in enumerate(labels))
    return Reply(text, rows)


def test_short_text_is_one_message() -> None:
    assert split_text("Hello\nworld") == ["Hello\nworld"]


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    lines = [f"Line {i:03d} " + "x" * 90 for i in range(60)]  # ~6,000 characters
    pages = split_text("\n".join(lines))
    assert len(pages) > 3
    assert all(size(p) <= TEXT_LIMIT for p in pages)
    # Nothing lost, nothing cut inside a line: rejoined, the pages are the text again.
    assert "\n".join(pages) == "\n".join(lines)
    assert all(p.split("\n")[0].startswith("Line ") for p in pages)


def test_a_line_longer_than_the_limit_is_cut_at_spaces() -> None:
    words = " ".join(f"w{i:04d}" for i in range(600))  # one 3,599-character line
    pages = split_text(words)
    assert all(size(p) <= TEXT_LIMIT for p in pages)
    assert " ".join(pages).split() == words.split()


def test_emoji_count_as_twilio_counts_them() -> None:
    text = "🎉" * 1000  # 2,000 UTF-16 units, 1,000 code points
    pages = split_text(text)
    assert len(pages) == 2 and all(size(p) <= TEXT_LIMIT for p in pages)


def test_options_are_numbered_in_button_order_and_typing_the_number_picks_them() -> None:
    reply = Reply(
        "In which city?",
        (
            (Button("« Back", "4|nav:back"),),
            (Button("Casablanca", "4|city:casablanca"), Button("Rabat", "4|city:rabat")),
            (Button("✖ Cancel", "4|nav:cancel"),),
        ),
        meta={"locale": "en"},
    )
    (page,) = text_pages(reply)
    # Back and Cancel are words to type, not numbers (issue 19): they take no option slot.
    assert page == "In which city?\n\n1. Casablanca\n2. Rabat\n\nOr type: back · cancel"
    options = option_list(reply)
    assert chosen_option(options, "2") == "4|city:rabat"
    assert chosen_option(options, "3") is None
    for word, code in [("back", "nav:back"), ("Retour", "nav:back"), ("رجوع", "nav:back")]:
        assert chosen_option(options, word) == f"4|{code}"
    for word in ("cancel", "ANNULER", "إلغاء", "الغاء"):
        assert chosen_option(options, word) == "4|nav:cancel"


def test_back_words_take_a_screen_s_own_way_back_where_it_has_no_back() -> None:
    """The provider's services and hours end with "« Menu", not Back: "retour" there said
    "Please choose an option" on WhatsApp."""
    home = [["Lundi", "7|day:0"], ["« Menu", "7|home"]]
    for word in ("retour", "Back", "رجوع"):
        assert chosen_option(home, word) == "7|home"
    assert chosen_option([["Nom", "8|f:name"], ["🏠 Accueil", "8|home"]], "retour") == "8|home"
    # With Back of its own, Back; with two ways back, neither is guessed.
    assert chosen_option([*home, ["« Back", "7|nav:back"]], "retour") == "7|nav:back"
    assert chosen_option([*home, ["« Mes prestations", "7|list"]], "retour") is None


def test_the_first_words_of_one_option_alone_pick_it() -> None:
    """On WhatsApp a label is typed rather than its number: "حجز" ("book") on a profile
    whose only option is "حجز: تغطية" got "Please choose a service to book"."""
    one = option_list(reply_with(["📅 حجز: تغطية", "رجوع"]))
    for typed in ("حجز", "  حجز "):
        assert chosen_option(one, typed) == "3|opt:0", typed
    two = option_list(reply_with(["Book: Coverage", "Book: Album", "Budget"]))
    assert chosen_option(two, "book") is None  # names neither
    assert chosen_option(two, "book album") == "3|opt:1"
    assert chosen_option(two, "bo") is None  # too little to name anything
    assert chosen_option(two, "budget 5000") is None  # more than a label: typed text


def test_words_for_skip_no_yes_and_confirm_pick_those_options() -> None:
    """ "بدون" ("none") at the notes question was stored as the notes, and "لا" at the
    email question was refused as an address: both mean Skip where Skip is offered."""

    def options(*codes: str) -> list[list[str]]:
        return [[f"label {code}", f"5|{code}"] for code in (*codes, "nav:back", "nav:cancel")]

    for typed in ("بدون", "لا", "Rien", "non", "walo", "والو", "ما كاين والو", "none"):
        assert chosen_option(options("skip"), typed) == "5|skip", typed
    for typed, code in [("لا", "no"), ("Non", "no"), ("نعم", "yes"), ("oui", "yes")]:
        assert chosen_option(options("yes", "no"), typed) == f"5|{code}", typed
    assert chosen_option(options("confirm", "edit:name"), "تأكيد") == "5|confirm"
    for typed in ("تم", "Continuer", "safi", "صافي"):  # after ticking choices (onboarding)
        assert chosen_option(options("cat:dj", "next"), typed) == "5|next", typed
    assert chosen_option(options("done"), "تم") == "5|done"
    assert chosen_option(options("confirm"), "non") is None  # no Skip or No to pick
    assert chosen_option(options("skip"), "Salle Al Amal") is None


def test_the_last_words_of_one_option_alone_pick_it() -> None:
    """ "même date" at "Propose another date" (option "Garder la même date") was read as a
    date and refused (a walk through the webhook, 2026-12-07)."""
    keep = option_list(reply_with(["Garder la même date", "retour"]))
    for typed in ("même date", "la meme date", "Même date"):
        assert chosen_option(keep, typed) == "3|opt:0", typed
    two = option_list(reply_with(["Garder la même date", "Changer la date"]))
    assert chosen_option(two, "date") is None  # the end of both: names neither
    assert chosen_option(two, "la date") == "3|opt:1"  # the end of one
    assert chosen_option(keep, "te") is None  # too little to name anything


def test_yes_and_no_answer_other_terms_when_one_proposal_asks() -> None:
    """ "Acceptez-vous?" under other terms: "non" got "Please choose an option". The codes
    carry the proposal's id ("cpr:12"); with two proposals on a list, "oui" names neither."""
    one = [["✅ Accepter", "g|cpa:12"], ["✖ Refuser", "g|cpr:12"], ["💬 Aide", "5|help"]]
    for typed, code in [("non", "cpr:12"), ("لا", "cpr:12"), ("oui", "cpa:12"), ("واخا", "cpa:12")]:
        assert chosen_option(one, typed) == f"g|{code}", typed
    two = [*one, ["✅ Accepter · MSB-2", "g|cpa:13"], ["✖ Refuser · MSB-2", "g|cpr:13"]]
    assert chosen_option(two, "oui") is None


def test_numeric_labels_are_bulleted_since_a_number_is_then_a_value() -> None:
    reply = reply_with(["50", "100", "200", "« Back"])
    assert option_lines(reply) == ["• 50", "• 100", "• 200", "• « Back"]
    assert chosen_option(option_list(reply), "100") == "3|opt:1"


def test_many_options_stay_in_one_message_while_they_fit() -> None:
    reply = reply_with([f"Option {i}" for i in range(1, 24)])
    (page,) = text_pages(reply)
    assert page.split("\n") == ["Choose:", "", *[f"{i}. Option {i}" for i in range(1, 24)]]
    assert chosen_option(option_list(reply), "17") == "3|opt:16"


def test_a_long_text_with_options_keeps_every_message_within_the_limit() -> None:
    text = "\n".join("y" * 150 for _ in range(15))  # 2,264 characters
    pages = text_pages(reply_with(["A", "B", "C"], text))
    assert all(size(p) <= TEXT_LIMIT for p in pages)
    assert pages[-1].endswith("1. A\n2. B\n3. C")


def quick_renderer(tmp_path: Path) -> WhatsAppRenderer:
    return WhatsAppRenderer(links(tmp_path), {2: "HXquick2", 3: "HXquick3"}, {5: "HXlist5"})


def test_quick_reply_template_carries_body_titles_and_payloads(tmp_path: Path) -> None:
    reply = reply_with(["Yes", "No"], "Confirm?")
    (message,) = quick_renderer(tmp_path).render(reply)
    assert message.content_sid == "HXquick2" and message.body is None
    assert message.content_variables == {
        "1": "Confirm?",
        "2": "Yes",
        "3": "3|opt:0",
        "4": "No",
        "5": "3|opt:1",
    }


def test_list_picker_for_up_to_ten_short_items(tmp_path: Path) -> None:
    (message,) = quick_renderer(tmp_path).render(reply_with(["A", "B", "C", "D", "E"]))
    assert message.content_sid == "HXlist5"
    assert message.content_variables is not None and message.content_variables["11"] == "3|opt:4"


@pytest.mark.parametrize(
    "labels",
    [
        ["A title longer than 20", "No"],  # a quick-reply title is at most 20 characters
        ["Same", "Same"],  # titles must be unique
        ["A", "B", "C", "D"],  # no template configured for four
    ],
)
def test_the_numbered_list_when_no_template_fits(tmp_path: Path, labels: list[str]) -> None:
    messages = quick_renderer(tmp_path).render(reply_with(labels))
    assert [m.content_sid for m in messages] == [None]
    assert messages[0].body is not None and "1. " in messages[0].body


def test_photos_and_documents_become_media_messages(tmp_path: Path) -> None:
    (tmp_path / "invoices").mkdir()
    (tmp_path / "invoices" / "INV-1.pdf").write_bytes(b"%PDF-1.4")
    reply = Reply(
        "Your invoice",
        photos=("/static/a.jpg", "https://cdn.example/b.jpg"),
        document=Document("INV-1.pdf", "media:invoices/INV-1.pdf"),
    )
    renderer = quick_renderer(tmp_path)
    photo_a, photo_b, text, document = renderer.render(reply)
    assert photo_a.media_url == "https://mounasabet.example/static/a.jpg"
    assert photo_b.media_url == "https://cdn.example/b.jpg"
    assert text.body == "Your invoice"
    # No caption: Twilio drops it on WhatsApp (the file name comes in Content-Disposition).
    assert document.body is None and document.media_url is not None
    token = document.media_url.removeprefix("https://mounasabet.example/media/")
    assert renderer.links.resolve(token) == (tmp_path / "invoices" / "INV-1.pdf").resolve()
