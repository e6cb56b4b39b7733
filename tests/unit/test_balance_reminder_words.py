"""The balance reminder as the client reads it: the link the outbox worker made just
before, or, when the gateway was down, a button that asks for one (the sweep that queues
the reminder makes no link: core/payments/sweeps.py)."""

from __future__ import annotations

from core.booking.states import BookingState
from core.payments.links import PendingLink
from core.rows import Booking
from dialogs.framework.context import global_button
from dialogs.i18n.translator import translator
from dialogs.notifications.payment_news import balance_reminder

fr = translator("fr")
VIEW = (global_button("View booking", "bk:7"),)


def owing(state: BookingState = BookingState.PAYMENT_DUE) -> Booking:
    return Booking(
        id=7,
        reference="MSB-ABCD234",
        state=state.value,
        total_minor=500_000,
        paid_minor=150_000,
        currency="MAD",
    )


def test_the_reminder_carries_the_link_the_worker_made() -> None:
    url = "https://checkout.stripe.com/c/pay/cs_test_1"
    [reply] = balance_reminder(owing(), PendingLink(url, "stripe"), fr, VIEW)
    assert reply.text == fr(
        "Reminder: the balance of {amount} for {ref} is still due. Pay here: {url}",
        amount=fr.money(350_000, "MAD"),
        ref="MSB-ABCD234",
        url=url,
    )
    [pay] = reply.buttons[0]
    assert (pay.url, pay.payload) == (url, "g|pay:7")


def test_a_demo_link_says_no_money_moves() -> None:
    [reply] = balance_reminder(
        owing(), PendingLink("http://x/pay/cs_offline_1", "offline"), fr, VIEW
    )
    assert reply.text.endswith(fr("Demo — no money moves."))


def test_without_a_link_the_button_asks_for_one() -> None:
    [reply] = balance_reminder(owing(), None, fr, VIEW)
    due = fr(
        "Reminder: the balance of {amount} for {ref} is still due.",
        amount=fr.money(350_000, "MAD"),
        ref="MSB-ABCD234",
    )
    assert reply.text == due + "\n" + fr("Choose the option below to get a new payment link.")
    assert "Rappel" in reply.text  # translated, not the English msgid
    [pay] = reply.buttons[0]
    assert (pay.url, pay.payload) == ("", "g|pay:7")
    assert reply.buttons[1] == VIEW


def test_a_balance_paid_since_is_not_reminded() -> None:
    assert balance_reminder(owing(BookingState.COMPLETED), None, fr, VIEW) == []
