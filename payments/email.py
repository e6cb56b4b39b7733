"""The outbox's "email" channel: invoices and booking confirmations over SMTP.

``MOUNASABET_SMTP_URL`` is ``smtp://[user:password@]host[:port]`` (``smtps://`` for TLS
from the first byte). Texts come from the catalogs in the client's language; the invoice
travels as a PDF attachment, the confirmation with an .ics invite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.catalog.labels import EVENT_LABELS
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, Provider, User
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope
from core.uow import UnitOfWork, UnitOfWorkFactory
from payments.calendar_invite import booking_invite
from payments.digest_email import compose_digest
from payments.i18n import Translate, Translations
from payments.invoice_pdf import place_text
from payments.processing import InvoiceDocuments

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MOUNASABET_SMTP_URL must look like smtp://host:port")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
        )


class EmailSender:
    """A MessageSender for envelopes whose channel is "email"."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        smtp: SmtpTarget,
        *,
        sender: str,
        translations: Translations,
        documents: InvoiceDocuments,
        timeout: float = 30,
    ) -> None:
        self.uows, self.smtp, self.sender = uows, smtp, sender
        self.translations, self.documents, self.timeout = translations, documents, timeout

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        async with self.uows() as uow:
            message = await self.compose(uow, envelope)
        if message is None:
            return DeliveryResult(DeliveryOutcome.GIVE_UP, error="nothing to send any more")
        try:
            await aiosmtplib.send(
                message,
                hostname=self.smtp.host,
                port=self.smtp.port,
                username=self.smtp.username,
                password=self.smtp.password,
                use_tls=self.smtp.use_tls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning("email %s not sent: %s", envelope.id, error)
            # A 5xx answer (an address refused, a message rejected) won't change by trying
            # again; everything else (4xx, a server down, a timeout) may.
            outcome = DeliveryOutcome.GIVE_UP if permanent_failure(error) else DeliveryOutcome.RETRY
            return DeliveryResult(outcome, error=str(error)[:500])
        return DeliveryResult(DeliveryOutcome.SENT, external_id=str(message["Message-ID"])[:64])

    async def compose(self, uow: UnitOfWork, envelope: Envelope) -> EmailMessage | None:
        payload = envelope.payload
        to = payload.get("to")
        user = await uow.session.get(User, envelope.user_id)
        if envelope.kind == "admin_digest" and to and user is not None:  # about no booking
            digest = EmailMessage()
            digest["From"], digest["To"] = self.sender, str(to)
            digest["Message-ID"] = make_msgid(domain=self._domain())
            return compose_digest(digest, self.translations(user.locale), payload)
        booking = await uow.session.get(Booking, int(payload.get("booking_id", 0)))
        if not to or booking is None or user is None:
            return None
        t = self.translations(user.locale)
        provider = await uow.session.get(Provider, booking.provider_id)
        provider_name = t.pick(provider.name) if provider else "—"
        message = EmailMessage()
        message["From"], message["To"] = self.sender, str(to)
        message["Message-ID"] = make_msgid(domain=self._domain())
        if envelope.kind == "invoice_email":
            found = await self.documents.pdf_of(uow, int(payload.get("invoice_id", 0)))
            if found is None:
                return None
            invoice = found
            message["Subject"] = t("Invoice {number} — Mounasabet", number=invoice.number)
            message.set_content(
                t(
                    "Hello {name},\n\nThank you for your payment of {amount} for the booking "
                    "{ref} with {provider}. Your invoice {number} is attached.\n\n"
                    "The Mounasabet team",
                    name=_name(booking, user),
                    amount=t.money(invoice.amount_minor, invoice.currency),
                    ref=booking.reference,
                    provider=provider_name,
                    number=invoice.number,
                )
            )
            message.add_attachment(
                found.pdf, maintype="application", subtype="pdf", filename=f"{invoice.number}.pdf"
            )
            return message
        if envelope.kind == "credit_note_email":
            note = await self.documents.credit_note_pdf(uow, int(payload.get("credit_note_id", 0)))
            if note is None:
                return None
            message["Subject"] = t("Credit note {number} — Mounasabet", number=note.number)
            message.set_content(
                t(
                    "Hello {name},\n\nWe have refunded {amount} for the booking {ref} with "
                    "{provider}. Your credit note {number} is attached.\n\nThe Mounasabet team",
                    name=_name(booking, user),
                    amount=t.money(note.amount_minor, note.currency),
                    ref=booking.reference,
                    provider=provider_name,
                    number=note.number,
                )
            )
            message.add_attachment(
                note.pdf, maintype="application", subtype="pdf", filename=f"{note.number}.pdf"
            )
            return message
        if envelope.kind == "booking_confirmation_email":
            return self._confirmation(message, t, booking, user, provider_name, envelope)
        return None

    def _confirmation(
        self,
        message: EmailMessage,
        t: Translate,
        booking: Booking,
        user: User,
        provider_name: str,
        envelope: Envelope,
    ) -> EmailMessage:
        summary = t("{provider} — booking {ref}", provider=provider_name, ref=booking.reference)
        location = place_text(booking.venue, booking.city, t)
        when = t.date(booking.event_date)
        details = t(
            "Your booking {ref} with {provider} is confirmed.\n"
            "Occasion: {occasion}\nDate: {date}\nPlace: {place}\n"
            "Total: {total}. Paid: {paid}. The balance is charged after the event.",
            ref=booking.reference,
            provider=provider_name,
            occasion=t(EVENT_LABELS.get(booking.event_type, booking.event_type)),
            date=when,
            place=location or "—",
            total=t.money(booking.total_minor, booking.currency),
            paid=t.money(booking.paid_minor - booking.refunded_minor, booking.currency),
        )
        message["Subject"] = t("Your booking {ref} is confirmed", ref=booking.reference)
        greeting = t("Hello {name},", name=_name(booking, user))
        invite_note = t("The attached invitation adds the event to your calendar.")
        message.set_content(f"{greeting}\n\n{details}\n\n{invite_note}\n")
        invite = booking_invite(
            booking_id=booking.id,
            domain=self._domain(),
            sequence=int(envelope.payload.get("sequence", 0)),
            starts_at=booking.starts_at.astimezone(MARKET_TZ),
            ends_at=booking.ends_at.astimezone(MARKET_TZ),
            summary=summary,
            description=details,
            location=location,
            organizer_email=self._address(),
            attendee_email=str(envelope.payload["to"]),
            stamp=booking.updated_at,
        )
        message.add_attachment(
            invite,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": "REQUEST"},
        )
        return message

    def _address(self) -> str:
        return self.sender.rpartition("<")[2].rstrip(">").strip()

    def _domain(self) -> str:
        return self._address().rpartition("@")[2] or "mounasabet.local"


def permanent_failure(error: Exception) -> bool:
    """A 5xx refusal: trying again would get the same answer."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= refusal.code < 600 for refusal in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and 500 <= error.code < 600


def _name(booking: Booking, user: User) -> str:
    """The name the client gave with the booking (the one on the invoice), else theirs."""
    return booking.contact_name or user.full_name or user.display_name or ""
