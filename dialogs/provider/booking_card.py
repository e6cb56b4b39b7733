"""A booking as the provider's dashboard shows it: its details, its deadline, its history."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_timedelta

from core.booking.contacts import PartyContact
from core.booking.delivery_proof import Proof
from core.booking.proposals import ProposalStatus, ProposalTerms
from core.booking.provider_dashboard import BookingHistory, DashboardLine
from core.booking.states import BookingState
from core.catalog.vocabulary import MARKET_TZ
from core.rows import Booking, Service
from dialogs import labels
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import N_, Translator
from dialogs.notifications.contacts import party_name, party_phone
from dialogs.shared.event_time import event_when
from dialogs.shared.proposal_text import answer_note, proposal_lines, proposal_note

# How each step of a booking's history reads (the audit trail's action names).
HISTORY_ACTIONS: dict[str, str] = {
    "request": N_("request sent by the client"),
    "accept": N_("accepted by you"),
    "decline": N_("declined"),
    "expire": N_("expired without an answer or payment"),
    "cancel": N_("cancelled"),
    "pay_deposit": N_("deposit paid"),
    "mark_delivered": N_("marked as delivered"),
    "confirm_delivery": N_("delivery confirmed by the client"),
    "pay_balance": N_("balance paid"),
    "balance_failed": N_("balance payment failed"),
    "dispute": N_("under review by our team"),
    "resolve": N_("review finished"),
    "propose": N_("you proposed other terms"),
    "refuse_proposal": N_("the client refused your proposal"),
    "accept_proposal": N_("the client accepted your proposal"),
}
PROPOSAL_STATUS: dict[str, str] = {
    ProposalStatus.PENDING.value: N_("waiting for the client"),
    ProposalStatus.ACCEPTED.value: N_("accepted by the client"),
    ProposalStatus.REFUSED.value: N_("refused by the client"),
    ProposalStatus.SUPERSEDED.value: N_("replaced by a newer proposal"),
    ProposalStatus.LAPSED.value: N_("no longer open: the request moved on"),
}


def time_left(expires_at: datetime | None, now: datetime, t: Translator) -> str:
    """ "in 5 hours", in the reader's language; "—" without a deadline."""
    if expires_at is None:
        return "—"
    left = max(expires_at - now, timedelta(0))
    return t.isolate(format_timedelta(left, granularity="minute", threshold=1.5, locale=t.locale))


def local_when(at: datetime, t: Translator) -> str:
    local = at.astimezone(MARKET_TZ)
    return f"{t.date(local.date(), 'medium')} {t.time(local)}"


def dashboard_line(line: DashboardLine, now: datetime, t: Translator) -> str:
    """One booking on a dashboard button: reference, day and what it waits for."""
    parts = [line.reference, t.date(line.event_date, "short")]
    if line.state == BookingState.REQUESTED and line.proposal_pending:
        parts.append("↪ " + t("proposal sent"))
    elif line.state == BookingState.REQUESTED:
        parts.append("⏳ " + time_left(line.expires_at, now, t))
    else:
        parts.append(state_label(line.state, t))
    return " · ".join(parts)


BOOKING_REF = N_("Booking {ref}")


def request_card(
    booking: Booking, service: Service | None, t: Translator, client: PartyContact | None = None
) -> str:
    """The facts a provider needs to decide, in their language; with the client's name and
    phone once the deposit is paid (``client``)."""
    # A request until it is answered; a booking from then on.
    title = N_("Booking request {ref}") if booking.state == BookingState.REQUESTED else BOOKING_REF
    lines = [
        t(title, ref=booking.reference) + " — " + state_label(booking.state, t),
        t("Service") + ": " + (t.pick(service.title) if service else "—"),
        t("Occasion") + ": " + labels.event(booking.event_type, t),
        t("Date") + ": " + event_when(booking, service, t),
        t("Guests") + ": " + (t.number(booking.guests) if booking.guests else "—"),
        t("City") + ": " + labels.city(booking.city, t),
        t("Place") + ": " + (booking.venue or "—"),
        t("Notes") + ": " + (booking.notes or "—"),
        t("Total") + ": " + t.money(booking.total_minor, booking.currency),
    ]
    if client is not None:
        lines.append(t("Client") + ": " + party_name(client, t))
        if client.phone:  # none given (a booking made before phones were asked): no "—"
            lines.append(t("Phone") + ": " + party_phone(client, t))
    return "\n".join(lines)


def details_card(
    booking: Booking,
    service: Service | None,
    proposal: ProposalTerms | None,
    proof: Proof | None,
    now: datetime,
    t: Translator,
    client: PartyContact | None = None,
) -> str:
    """Everything about one booking the provider may need, in their language: the request's
    facts and the client's contact (one card for the home, the news and the dashboard),
    what is paid, the deadline, the pending proposal, the proof."""
    paid = booking.paid_minor - booking.refunded_minor
    lines = [
        request_card(booking, service, t, client),
        t("Paid") + ": " + t.money(paid, booking.currency),
    ]
    if booking.state == BookingState.REQUESTED:
        lines.append(t("Time left to answer") + ": " + time_left(booking.expires_at, now, t))
    if proposal is not None:
        lines += ["", t("Your proposal, waiting for the client:"), *proposal_lines(proposal, t)]
        lines += proposal_note(proposal, t, "provider")
    if proof is not None:
        lines.append(t("Proof of delivery") + ": " + proof.url)
    return "\n".join(lines)


def history_text(reference: str, history: BookingHistory, t: Translator) -> str:
    lines = [t("History of {ref}", ref=reference)]
    for entry in history.entries:
        label = HISTORY_ACTIONS.get(entry.action)
        lines.append(f"• {local_when(entry.at, t)} — " + (t(label) if label else entry.action))
    for terms in history.proposals:
        status = PROPOSAL_STATUS.get(terms.status)
        lines += [
            "",
            t("Proposal of {when}", when=local_when(terms.created_at, t))
            + " — "
            + (t(status) if status else terms.status),
            *proposal_lines(terms, t),
            *proposal_note(terms, t, "provider"),
            *answer_note(terms, t),
        ]
    return "\n".join(lines)
