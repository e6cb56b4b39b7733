"""Issue 19 on WhatsApp: the numbers typed mean the last list shown; a provider who only
uses WhatsApp hears of requests; a payment link outside the 24-hour window is not lost.

Signed Twilio webhooks in, the outbox worker's REST calls out to the fake Twilio API
(tests/fakes/twilio_api.py), SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.whatsapp.screen import record_shown
from core.booking.actors import Actor
from core.booking.proposals import propose
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, OutboxMessage, Payment, Provider
from core.payments.checkout_links import deposit_link
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Button, Reply
from payments.offline_gateway import OfflineGateway
from tests.fakes.twilio_api import SentMessage
from tests.integration.test_whatsapp_channel import (
    PHONE,
    PROVIDER_PHONE,
    PUBLIC,
    TEMPLATE,
    Stack,
    provider_with_phone,
    user_by_phone,
    whatsapp_stack,
)
from tests.support.bookings import act, drive_to, request
from tests.support.factories import make_provider, make_user
from tests.support.provider_dashboard import Links

FIRST, SECOND = date(2027, 1, 19), date(2027, 3, 20)
_NUMBERED = re.compile(r"^(\d+)\. (.+)$")


@pytest.fixture
async def stack(uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Stack]:
    async with whatsapp_stack(uows, clock, tmp_path) as s:
        yield s


async def states(stack: Stack) -> dict[str, str]:
    async with stack.uows() as uow:
        rows = await uow.session.execute(select(Booking.reference, Booking.state))
        return {ref: state for ref, state in rows}


async def references(stack: Stack, *ids: int) -> list[str]:
    async with stack.uows() as uow:
        return [(await uow.session.get(Booking, i)).reference for i in ids]  # type: ignore[union-attr]


def bodies(messages: list[SentMessage]) -> list[str]:
    return [m.body or "" for m in messages]


async def two_held_requests(stack: Stack) -> tuple[int, int]:
    """A provider on WhatsApp only, two requests made while they never wrote to us."""
    _, _, service_id = await provider_with_phone(stack)
    client = await make_user(stack.uows, stack.clock.now())
    first = await request(stack.uows, stack.clock.now(), client, service_id, FIRST)
    second = await request(stack.uows, stack.clock.now(), client, service_id, SECOND)
    assert await stack.flush() == 0  # no template configured: both wait for the provider
    return first, second


async def test_a_typed_1_opens_the_first_line_of_the_list_shown_last_not_a_held_card(
    stack: Stack,
) -> None:
    first, second = await two_held_requests(stack)
    ref_first, ref_second = await references(stack, first, second)
    shown = await stack.say(PROVIDER_PHONE, "Bonjour")
    # The held cards go first, the answer to "Bonjour" (the home list) last, as seen.
    *cards, home = bodies(shown)
    assert [ref_first in c for c in cards] == [True, False]
    assert ref_second in cards[1] and "1. ✅ Accepter" in cards[1]
    assert home.startswith("Bonjour studio-atlas") and f"1. {ref_first}" in home

    shown = await stack.say(PROVIDER_PHONE, "1")
    assert await states(stack) == {ref_first: "requested", ref_second: "requested"}
    assert [m.body.split("\n")[0] for m in shown if m.body] == [
        f"Demande de réservation {ref_first} — en attente du prestataire"
    ]


async def test_after_news_without_options_an_accept_by_number_is_confirmed_naming_the_booking(
    stack: Stack,
) -> None:
    first, second = await two_held_requests(stack)
    ref_first, ref_second = await references(stack, first, second)
    await stack.say(PROVIDER_PHONE, "Bonjour")
    (card,) = await stack.say(PROVIDER_PHONE, "1")  # the first request, Accept / Decline
    assert card.body and card.body.endswith("1. ✅ Accepter\n2. ✖ Refuser\n3. ↪ Autres conditions")
    # Meanwhile the client cancels the other request: news with no options of its own.
    async with stack.uows() as uow:
        client = (await uow.session.get(Booking, second)).client_id  # type: ignore[union-attr]
    await act(stack.uows, second, Action.CANCEL, Actor(Role.CLIENT, client), now=stack.clock.now())
    await stack.flush()
    assert ref_second in (stack.fake.sent_to(PROVIDER_PHONE)[-1].body or "")

    (question,) = await stack.say(PROVIDER_PHONE, "1")
    assert question.body is not None and ref_first in question.body.split("\n\n")[0]
    assert f"1. ✅ Accepter {ref_first}" in question.body
    assert (await states(stack))[ref_first] == "requested"  # nothing done yet

    (done, *_) = await stack.say(PROVIDER_PHONE, "1")
    assert done.body and f"Vous avez accepté {ref_first}" in done.body
    assert (await states(stack))[ref_first] == "accepted"


async def test_a_provider_on_whatsapp_only_gets_a_new_request_as_a_template(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    templates = {"provider.booking_requested": {"sid": TEMPLATE, "variables": ["ref", "date"]}}
    async with whatsapp_stack(uows, clock, tmp_path, twilio_templates=templates) as stack:
        _, _, service_id = await provider_with_phone(stack)
        client = await make_user(uows, clock.now())
        booking_id = await request(uows, clock.now(), client, service_id, FIRST)
        assert await stack.flush() == 1
        (news,) = stack.fake.sent_to(PROVIDER_PHONE)
        (reference,) = await references(stack, booking_id)
        assert (news.content_sid, news.content_variables["1"]) == (TEMPLATE, reference)
        assert not news.outside_window  # an approved template may open the conversation
        async with uows() as uow:
            row = await uow.session.scalar(select(OutboxMessage))
            assert row is not None and (row.status, row.external_id) == ("sent", news.sid)


async def test_a_payment_link_outside_the_window_goes_in_the_template_and_again_in_session(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    variables = ["ref", "deposit", "link_path"]
    templates = {"booking_accepted": {"sid": TEMPLATE, "variables": variables}}
    async with whatsapp_stack(uows, clock, tmp_path, twilio_templates=templates) as stack:
        owner, booking_id = await client_s_request(stack)
        clock.advance(timedelta(hours=25))
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
        link = await deposit_link(uows, OfflineGateway(PUBLIC), booking_id, clock.now())
        await stack.flush()
        news = stack.fake.sent_to(PHONE)[-1]
        assert news.content_sid == TEMPLATE
        # A URL button "https://mounasabet.example/{{3}}" opens the very link.
        assert PUBLIC + "/" + news.content_variables["3"] == link.url

        shown = await stack.say(PHONE, "Bonjour")
        texts = bodies(shown)
        assert any(link.url in t for t in texts[:-1])  # the whole news, then the answer
        assert texts[-1].startswith("Bienvenue") or "Mounasabet" in texts[-1]


def numbered(messages: list[SentMessage]) -> dict[str, set[str]]:
    """Every "N. text" line of a screen: what each number is said to mean."""
    meaning: dict[str, set[str]] = {}
    for line in "\n".join(bodies(messages)).split("\n"):
        found = _NUMBERED.match(line)
        if found:
            meaning.setdefault(found[1], set()).add(found[2].split(" — ")[0].strip())
    return meaning


def option(messages: list[SentMessage], wanted: str) -> str:
    return next(n for n, said in numbered(messages).items() if any(wanted in s for s in said))


async def client_s_request(stack: Stack) -> tuple[int, int]:
    """The client has written once (their chat is known); a request of theirs to a
    provider on WhatsApp: (the provider's user, the booking)."""
    await stack.say(PHONE, "Bonjour")
    owner, _, service_id = await provider_with_phone(stack)
    client = (await user_by_phone(stack.uows, PHONE)).id
    return owner, await request(stack.uows, stack.clock.now(), client, service_id, FIRST)


async def test_pay_chosen_by_number_on_whatsapp_hands_out_the_deposit_link(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """ "Pay" makes its link before its step's transaction (a fetch, declared by the global
    action): typed as a number on WhatsApp, it is found from the list shown last."""
    payments = Payments(OfflineGateway(PUBLIC), Links())
    async with whatsapp_stack(uows, clock, tmp_path, payments=payments) as stack:
        owner, booking_id = await client_s_request(stack)
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
        await stack.flush()  # the news, without a link: this stack's worker makes none
        (reference,) = await references(stack, booking_id)
        shown = await stack.say(PHONE, "Bonjour")
        for label in ("Mes réservations", reference):
            shown = await stack.say(PHONE, option(shown, label))
        assert "Payer l'acompte" in "\n".join(bodies(shown))
        async with uows() as uow:
            assert not (await uow.session.scalars(select(Payment))).all()

        paid = await stack.say(PHONE, option(shown, "Payer l'acompte"))
        async with uows() as uow:
            rows = await uow.session.execute(select(Payment.booking_id, Payment.checkout_url))
            (payment,) = rows.all()
        assert payment.checkout_url is not None and payment.booking_id == booking_id
        assert any(payment.checkout_url in body for body in bodies(paid)), bodies(paid)
        # Chosen again: the same link, no second payment.
        shown = await stack.say(PHONE, "Bonjour")
        for label in ("Mes réservations", reference):
            shown = await stack.say(PHONE, option(shown, label))
        again = await stack.say(PHONE, option(shown, "Payer l'acompte"))
        assert any(payment.checkout_url in body for body in bodies(again))
        async with uows() as uow:
            assert len((await uow.session.scalars(select(Payment))).all()) == 1


async def test_page_2_of_results_has_one_numbering(stack: Stack) -> None:
    for n in range(7):  # photographers in Rabat: two pages of five
        await make_provider(stack.uows, stack.clock.now(), slug=f"photo-rabat-{n:02d}")
    shown = await stack.say(PHONE, "Bonjour")
    for label in ("Trouver un prestataire", "Photographe", "Rabat", "Toutes les dates"):
        shown = await stack.say(PHONE, option(shown, label))
    shown = await stack.say(PHONE, option(shown, "Suivant"))
    meaning = numbered(shown)
    assert "Page 2" in bodies(shown)[0]
    # Each number means one thing on this screen: the text's "1." is the option "1.".
    assert all(len(said) == 1 for said in meaning.values()), meaning
    assert meaning["1"] == {"photo-rabat-05"}
    assert any("Précédent" in s for s in meaning["3"])
    (profile, *_) = await stack.say(PHONE, "1")
    assert "photo-rabat-05" in (profile.body or "")


async def test_a_refused_answer_on_a_profile_does_not_send_it_again(stack: Stack) -> None:
    _, provider_id, _ = await make_provider(stack.uows, stack.clock.now())
    async with stack.uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        provider.photos = ["/static/demo/studio-atlas-1.jpg"]
        await uow.commit()
    profile = await stack.say(PHONE, "p-studio-atlas")
    assert [m.media_urls for m in profile if m.media_urls]  # the profile came with its photo
    (again,) = await stack.say(PHONE, "xyzzy")
    assert again.media_urls == [] and again.body is not None
    assert again.body.startswith("Veuillez choisir un service à réserver.")
    assert "✦ studio-atlas" not in again.body  # the profile is right above
    assert "1. Réserver" in again.body  # its choices come again


async def test_the_help_names_every_command_as_a_word_that_works(stack: Stack) -> None:
    """WhatsApp has no command menu: the help's commands are words ("tickets", not
    "/tickets"), and each typed alone is the command, e.g. the client's support tickets."""
    (shown,) = await stack.say(PHONE, "aide")
    lines = (shown.body or "").splitlines()
    assert "tickets — vos tickets d'assistance" in lines, lines
    assert not [line for line in lines if line.startswith("/")], lines

    (tickets,) = await stack.say(PHONE, "tickets")
    assert (tickets.body or "").startswith("Vous n'avez aucun ticket d'assistance."), tickets.body


async def test_a_wrong_answer_on_a_numbered_screen_asks_for_an_option_not_a_button(
    stack: Stack,
) -> None:
    """The numbered options are no buttons on WhatsApp: the note after an answer that is
    none of them says to choose one."""
    await stack.say(PHONE, "Bonjour")
    _, _, service_id = await provider_with_phone(stack)
    client = (await user_by_phone(stack.uows, PHONE)).id
    booking_id = await request(stack.uows, stack.clock.now(), client, service_id, FIRST)
    (reference,) = await references(stack, booking_id)
    shown = await stack.say(PHONE, "Bonjour")
    for label in ("Mes réservations", reference):
        shown = await stack.say(PHONE, option(shown, label))
    (again,) = await stack.say(PHONE, "ABC" * 200)  # the booking's screen: none of its options
    body = again.body or ""
    assert body.startswith("Veuillez choisir une option.\n\nRéservation"), body
    assert "bouton" not in body.lower(), body


async def test_retour_leaves_a_provider_screen_that_has_its_own_way_back(stack: Stack) -> None:
    """The hours and the profile end with "« Menu" and "🏠 Accueil", not Back: "retour"
    takes them, as Back on every other screen."""
    await provider_with_phone(stack)
    for screen in ("availability", "profile"):
        (shown,) = await stack.say(PROVIDER_PHONE, screen)
        assert "retour ·" not in (shown.body or "")  # no Back word offered: its own way back
        (home,) = await stack.say(PROVIDER_PHONE, "retour")
        assert (home.body or "").startswith("Bonjour studio-atlas."), home.body


async def test_a_voice_note_is_asked_to_be_written(stack: Stack) -> None:
    """A client's voice note (or picture) is no answer the dialogs can read: they are asked
    to write it, in words that make sense for something they did send."""
    await stack.say(PHONE, "Bonjour")
    before = len(stack.fake.messages)
    posted = await stack.fake.user_sends(PHONE, "", media=[(f"{PUBLIC}/v.ogg", "audio/ogg")])
    assert posted.status == 200
    await stack.flush()
    [said] = stack.fake.messages[before:]
    assert (said.body or "").startswith("Veuillez écrire votre réponse, ou choisir une option.")


async def test_a_provider_s_greeting_shows_the_home_without_a_reproach(stack: Stack) -> None:
    """The home asks to choose a request; "Salam" typed there (each morning) is a greeting,
    not a wrong answer. Other text still gets the note: to choose a request when the home
    lists some, an option when it lists none."""
    _, _, service_id = await provider_with_phone(stack)
    await stack.say(PROVIDER_PHONE, "Salam")
    for greeting in ("Salam", "bonjour", "salut"):
        (home,) = await stack.say(PROVIDER_PHONE, greeting)
        assert (home.body or "").startswith("Bonjour studio-atlas."), home.body
    (noted,) = await stack.say(PROVIDER_PHONE, "xyz")  # no request on the home: none to choose
    assert (noted.body or "").startswith("Veuillez choisir une option.\n\nBonjour"), noted.body
    client = await make_user(stack.uows, stack.clock.now())
    await request(stack.uows, stack.clock.now(), client, service_id, FIRST)
    await stack.flush()  # the request's notice
    await stack.say(PROVIDER_PHONE, "Salam")  # the home, listing it
    (noted,) = await stack.say(PROVIDER_PHONE, "xyz")
    assert (noted.body or "").startswith(
        "Veuillez choisir une demande ou une option dans la liste."
    ), noted.body


async def test_back_typed_under_a_booking_card_with_nothing_to_do_shows_the_home(
    stack: Stack,
) -> None:
    """A confirmed booking before its day has nothing to do yet: its card offers its whole
    screen (details and history), and "retour" typed under it is the home again, not a
    wrong answer."""
    owner, _, service_id = await provider_with_phone(stack)
    client = await make_user(stack.uows, stack.clock.now())
    booking_id = await request(stack.uows, stack.clock.now(), client, service_id, FIRST)
    await drive_to(
        stack.uows, booking_id, BookingState.CONFIRMED, owner=owner, now=stack.clock.now()
    )
    await stack.flush()
    await stack.say(PROVIDER_PHONE, "Salam")
    (home,) = await stack.say(PROVIDER_PHONE, "Salam")
    assert "1. MSB-" in (home.body or ""), home.body
    (card,) = await stack.say(PROVIDER_PHONE, "1")
    assert "L'événement n'a pas encore commencé" in (card.body or ""), card.body
    assert (card.body or "").endswith("1. 🔎 Détails et historique"), card.body
    for back in ("retour", "Back"):
        (shown,) = await stack.say(PROVIDER_PHONE, back)
        assert (shown.body or "").startswith("Bonjour studio-atlas."), shown.body
    await stack.say(PROVIDER_PHONE, "1")
    (whole,) = await stack.say(PROVIDER_PHONE, "1")  # the booking's screen under Bookings
    assert "🕘 Historique" in (whole.body or "") and "Montant payé: " in (whole.body or ""), (
        whole.body
    )


async def test_after_help_the_numbers_still_name_the_menu(stack: Stack) -> None:
    """Help chosen on the menu ("4") comes with the menu asked again below it: "1" typed
    next opens the search (it used to get "not understood": help had no options)."""
    (menu,) = await stack.say(PHONE, "Bonjour")
    help_number = next(
        line.partition(". ")[0] for line in (menu.body or "").splitlines() if "Aide" in line
    )
    (helped,) = await stack.say(PHONE, help_number)
    body = helped.body or ""
    assert "mybookings — " in body  # the help, commands without their slash on WhatsApp
    assert "1. 🔎 Trouver un prestataire" in body  # and the menu, numbered, below it
    (search,) = await stack.say(PHONE, "1")
    assert (search.body or "").startswith("Que recherchez-vous?"), search.body


async def test_pay_typed_right_after_accepting_new_terms_hands_out_the_link(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """The answer to accepting a provider's new terms ends with "1. 💳 Payer l'acompte":
    "1" typed next makes the link before its step (found on a walk: it answered "we could
    not reach the payment service")."""
    payments = Payments(OfflineGateway(PUBLIC), Links())
    async with whatsapp_stack(uows, clock, tmp_path, payments=payments) as stack:
        owner, booking_id = await client_s_request(stack)
        async with uows() as uow:
            actor = Actor(Role.PROVIDER, owner)
            await propose(uow, booking_id, actor, now=clock.now(), total_minor=950_000)
            await uow.commit()
        await stack.flush()
        clock.advance(timedelta(minutes=2))
        news = stack.fake.sent_to(PHONE)[-1]
        accepted = await stack.say(PHONE, option([news], "Accepter"))
        assert "Payer l'acompte" in "\n".join(bodies(accepted)), bodies(accepted)
        paid = await stack.say(PHONE, option(accepted, "Payer l'acompte"))
        async with uows() as uow:
            rows = await uow.session.execute(select(Payment.booking_id, Payment.checkout_url))
            (payment,) = rows.all()
        assert payment.checkout_url is not None and payment.booking_id == booking_id
        assert any(payment.checkout_url in body for body in bodies(paid)), bodies(paid)


async def test_pay_typed_where_another_process_moved_the_screen_still_makes_the_link(
    uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """The web process remembers the chat at its menu; meanwhile a separate worker
    delivered news whose last option is Pay and recorded it (the conversation row moved
    on). "1" is Pay there: the link is made before the step, for where the chat stands,
    not for where this process remembered it (found on a walk: "we could not reach the
    payment service")."""
    payments = Payments(OfflineGateway(PUBLIC), Links())
    async with whatsapp_stack(uows, clock, tmp_path, payments=payments) as stack:
        await stack.say(PHONE, "Bonjour")  # remembered: the menu, "1" is the search
        owner, _, service_id = await provider_with_phone(stack)
        client = (await user_by_phone(uows, PHONE)).id
        booking_id = await request(uows, clock.now(), client, service_id, FIRST)
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
        # What another process's worker records once its news is on the screen.
        news = Reply("Payez l'acompte", ((Button("💳 Payer l'acompte", f"g|pay:{booking_id}"),),))
        await record_shown(uows, PHONE, "client", [news], answer=False, now=clock.now())
        clock.advance(timedelta(minutes=1))  # read, not typed over (no "which one?")

        paid = await stack.say(PHONE, "1")
        async with uows() as uow:
            rows = await uow.session.execute(select(Payment.booking_id, Payment.checkout_url))
            (payment,) = rows.all()
        assert payment.booking_id == booking_id and payment.checkout_url is not None
        assert any(payment.checkout_url in body for body in bodies(paid)), bodies(paid)
