"""Review news: the request and its reminder to the client, the new review to the
provider (with "Reply"), and the provider's reply to the client. Each says nothing once
it is no longer true: a request after the review, a review already answered."""

from __future__ import annotations

from core.booking.review_reads import ReviewNews, review_news
from core.notifications.outbox import Envelope
from core.uow import UnitOfWork
from dialogs.client.review import star_buttons, stars
from dialogs.framework.context import global_button
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator, translator

REVIEW_KINDS = frozenset({"review_request", "review_reminder", "review_posted", "review_replied"})
ASK = {
    "review_request": N_(
        "How did {provider} do for your event {ref}? Choose a number of stars to rate them; "
        "a short comment can follow. Your review helps other clients choose."
    ),
    "review_reminder": N_(
        "A reminder: you can still rate {provider} for your event {ref}. It takes ten seconds."
    ),
}


async def review_replies(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    news = await review_news(
        uow, user_id=envelope.user_id, booking_id=envelope.payload.get("booking_id")
    )
    if news is None:
        return []
    t = translator(news.locale)
    text, buttons = _news(envelope.kind, news, t)
    return [Reply(text, buttons, rtl=t.rtl, meta={"locale": t.locale})] if text else []


def _news(kind: str, news: ReviewNews, t: Translator) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    provider = t.pick(news.provider_name) or "—"
    if kind in ASK:
        if not news.completed or news.review_id is not None:
            return "", ()  # reviewed since (or the booking moved): nothing to ask
        return t(ASK[kind], provider=provider, ref=news.reference), star_buttons(news.booking_id)
    if news.review_id is None or news.stars is None:
        return "", ()
    said = f"{stars(news.stars)} {news.comment}".strip()
    if kind == "review_posted":
        text = t("New review for {ref}:", ref=news.reference) + "\n" + said
        if news.reply is not None:
            return text, ()
        reply = global_button(t("Reply to this review"), f"rvr:{news.review_id}")
        return text + "\n\n" + t("You can reply once; your reply is public."), ((reply,),)
    if kind == "review_replied" and news.reply:
        head = t(
            "{provider} replied to your review of {ref}:", provider=provider, ref=news.reference
        )
        return f"{head}\n{news.reply}", ()
    return "", ()
