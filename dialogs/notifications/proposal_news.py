"""News of the provider's work on a booking: counter-proposals and their answers, and a
delivery with its proof for the client to confirm."""

from __future__ import annotations

from core.booking.delivery_proof import Proof, proof_of
from core.booking.news_view import BookingNews, booking_news
from core.booking.proposals import ProposalStatus, ProposalTerms, proposal_for_news
from core.booking.states import BookingState
from core.notifications.outbox import Envelope
from core.uow import UnitOfWork
from dialogs.framework.context import global_button
from dialogs.framework.replies import Button, Reply, link_button
from dialogs.i18n.translator import N_, Translator, translator
from dialogs.notifications.buttons import view_button
from dialogs.provider.app import decision_buttons
from dialogs.shared.proposal_text import proposal_lines, proposal_note

PROPOSAL_KINDS = frozenset(
    {"proposal_made", "proposal_accepted", "proposal_refused", "proposal_refusal_explained"}
)
DELIVERED = N_("{provider} marked {ref} as delivered. Please confirm it went well.")


def is_work_news(envelope: Envelope) -> bool:
    if envelope.kind in PROPOSAL_KINDS:
        return True
    return envelope.kind == "booking_delivered" and envelope.payload.get("audience") == "client"


async def work_news(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    news = await booking_news(
        uow, user_id=envelope.user_id, booking_id=envelope.payload.get("booking_id", 0)
    )
    if news is None:
        return []
    t = translator(news.locale)
    if envelope.kind == "booking_delivered":
        return _delivered(news, await proof_of(uow, news.booking.id), t)
    if envelope.kind == "proposal_accepted":  # a state change: the booking has the terms
        return _accepted(news, t)
    terms = await proposal_for_news(uow, envelope.payload.get("proposal_id"))
    if terms is None or terms.booking_id != news.booking.id:
        return []
    if envelope.kind == "proposal_made":
        return _proposed(news, terms, t)
    if envelope.kind == "proposal_refusal_explained":
        return _explained(news, terms, t)
    return _refused(news, t)


def _explained(news: BookingNews, terms: ProposalTerms, t: Translator) -> list[Reply]:
    """To the provider: why the client refused, as they wrote it; the request's answers
    while it still waits."""
    text = t(
        "About your proposal for {ref}, the client says: “{words}”",
        ref=news.booking.reference,
        words=t.isolate(terms.answer_note or ""),
    )
    return [_reply(text, t, decision_buttons(news.booking, t))]


def _reply(
    text: str, t: Translator, buttons: tuple[tuple[Button, ...], ...], **kw: object
) -> Reply:
    return Reply(text, buttons, rtl=t.rtl, meta={"locale": t.locale}, **kw)  # type: ignore[arg-type]


def _provider_name(news: BookingNews, t: Translator) -> str:
    return t.pick(news.provider.name) if news.provider else "—"


def _proposed(news: BookingNews, terms: ProposalTerms, t: Translator) -> list[Reply]:
    """To the client, while the proposal is open: the terms, Accept / Refuse."""
    booking = news.booking
    if terms.status != ProposalStatus.PENDING or booking.state != BookingState.REQUESTED:
        return []  # answered, replaced, or the request moved on: nothing to decide any more
    lines = [
        t(
            "{provider} proposes other terms for your request {ref}:",
            provider=_provider_name(news, t),
            ref=booking.reference,
        ),
        *proposal_lines(terms, t),
        *proposal_note(terms, t, "client"),
        "",
        t("Do you accept? If you refuse, your request stays as it was."),
    ]
    buttons = (
        (
            global_button("✅ " + t("Accept"), f"cpa:{terms.id}"),
            global_button("✖ " + t("Refuse"), f"cpr:{terms.id}"),
        ),
        (view_button(booking, t),),
    )
    return [_reply("\n".join(lines), t, buttons)]


def _accepted(news: BookingNews, t: Translator) -> list[Reply]:
    booking = news.booking
    text = t(
        "The client accepted your proposal for {ref}: it is booked for {date}, total {total}."
        " They have been asked to pay the deposit.",
        ref=booking.reference,
        date=t.date(booking.event_date),
        total=t.money(booking.total_minor, booking.currency),
    )
    return [_reply(text, t, ((view_button(booking, t, "provider"),),))]


def _refused(news: BookingNews, t: Translator) -> list[Reply]:
    booking = news.booking
    text = t(
        "The client refused your proposal for {ref}. The request stays as it was: accept it,"
        " decline it or propose again.",
        ref=booking.reference,
    )
    # Accept, decline or propose again, while it is still a request.
    return [_reply(text, t, decision_buttons(booking, t))]


def _delivered(news: BookingNews, proof: Proof | None, t: Translator) -> list[Reply]:
    """To the client: the proof, and a button to confirm while the delivery awaits it."""
    booking = news.booking
    text = t(DELIVERED, provider=_provider_name(news, t), ref=booking.reference)
    rows: list[tuple[Button, ...]] = []
    photos: tuple[str, ...] = ()
    if proof is not None:
        text += "\n\n" + t("Proof of delivery") + ": " + proof.url
        if proof.kind == "photo":
            photos = (proof.url,)
        else:
            rows.append((link_button("🔗 " + t("See the work"), proof.url),))
    if booking.state == BookingState.DELIVERED and booking.delivery_confirmed_at is None:
        rows.append((global_button("✅ " + t("Confirm delivery"), f"cdl:{booking.id}"),))
    rows.append((view_button(booking, t),))
    return [_reply(text, t, tuple(rows), photos=photos)]
