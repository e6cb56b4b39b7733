"""Our answers to a support ticket and its status changes, in the user's language."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Ticket, TicketMessage, User
from core.notifications.outbox import Envelope
from dialogs.framework.context import global_button
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, translator

SUPPORT_KINDS = frozenset({"ticket_reply", "ticket_status"})
STATUS_NEWS = {
    "closed": N_("Your ticket #{n} is closed. Tell us how we did: tap below to rate our answer."),
    "open": N_("Your ticket #{n} is open again. Our team will answer you here."),
}


async def support_news(session: AsyncSession, envelope: Envelope) -> list[Reply]:
    """[] when the ticket or the message is gone (nothing is left to say)."""
    user = await session.get(User, envelope.user_id)
    ticket = await session.get(Ticket, envelope.payload.get("ticket_id", 0))
    if user is None or ticket is None:
        return []
    t = translator(user.locale)
    if envelope.kind == "ticket_reply":
        message = await session.get(TicketMessage, envelope.payload.get("message_id", 0))
        if message is None:
            return []
        text = t("Our team answered your ticket #{n}:", n=ticket.id) + "\n\n" + message.body
        label = t("Reply")
    else:
        msgid = STATUS_NEWS.get(str(envelope.payload.get("status")))
        if msgid is None:
            return []
        text = t(msgid, n=ticket.id)
        label = t("Rate our answer") if ticket.status == "closed" else t("Reply")
    button = global_button(label, f"tk:{ticket.id}")
    return [Reply(text, ((button,),), rtl=t.rtl, meta={"locale": t.locale})]
