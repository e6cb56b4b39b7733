"""Our answers to a support ticket and its status changes, in the user's language."""

from __future__ import annotations

from core.notifications.outbox import Envelope
from core.support.news_view import ticket_news
from core.uow import UnitOfWork
from dialogs.framework.context import global_button
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, translator

SUPPORT_KINDS = frozenset({"ticket_reply", "ticket_status"})
STATUS_NEWS = {
    "closed": N_("Your ticket #{n} is closed. Tell us how we did: tap below to rate our answer."),
    "open": N_("Your ticket #{n} is open again. Our team will answer you here."),
}


async def support_news(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    """[] when the ticket or the message is gone (nothing is left to say)."""
    reply = envelope.kind == "ticket_reply"
    news = await ticket_news(
        uow,
        user_id=envelope.user_id,
        ticket_id=envelope.payload.get("ticket_id", 0),
        message_id=envelope.payload.get("message_id", 0) if reply else None,
    )
    if news is None:
        return []
    t = translator(news.locale)
    if reply:
        text = t("Our team answered your ticket #{n}:", n=news.ticket_id) + "\n\n"
        text += news.message or ""
        label = t("Reply")
    else:
        msgid = STATUS_NEWS.get(str(envelope.payload.get("status")))
        if msgid is None:
            return []
        text = t(msgid, n=news.ticket_id)
        label = t("Rate our answer") if news.status == "closed" else t("Reply")
    button = global_button(label, f"tk:{news.ticket_id}")
    return [Reply(text, ((button,),), rtl=t.rtl, meta={"locale": t.locale})]
