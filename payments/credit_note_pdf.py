"""The credit note as a PDF, laid out as the invoice it corrects (payments/invoice_pdf.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.catalog.vocabulary import MARKET_TZ
from payments.i18n import Translate
from payments.invoice_pdf import _Invoice, header, parties, quiet_font_logs


def render_credit_note(data: dict[str, Any], t: Translate) -> bytes:
    """The PDF bytes of one credit note; the same data always gives the same document."""
    quiet_font_logs()
    issued = datetime.fromisoformat(str(data["issued_at"]))
    currency = str(data["currency"])
    pdf = _Invoice(t.rtl)
    pdf.set_creation_date(issued)
    pdf.set_title(t("Credit note {number}", number=data["number"]))
    pdf.set_author("Mounasabet")
    pdf.add_page()
    header(pdf, data.get("platform") or {}, t)
    pdf.text_line(t("Credit note {number}", number=data["number"]), size=14, bold=True, gap=9)
    pdf.text_line(t("Issued on {date}", date=t.date(issued.astimezone(MARKET_TZ).date())))
    pdf.text_line(t("Corrects invoice {number}", number=data["invoice_number"]))
    pdf.ln(3)
    parties(pdf, data.get("client") or {}, data.get("provider") or {}, t)
    booking = data.get("booking") or {}
    pdf.text_line(t("Booking {ref}", ref=booking.get("reference", "—")), bold=True)
    pdf.text_line(t("Service") + ": " + (t.pick(booking.get("service")) or "—"))
    pdf.ln(4)
    pdf.row(t("Refunded"), t.money(int(data["amount_minor"]), currency), bold=True)
    pdf.row(t("Paid for the booking"), t.money(int(data["paid_minor"]), currency))
    pdf.row(t("Refunded to date"), t.money(int(data["refunded_to_date_minor"]), currency))
    pdf.ln(5)
    pdf.text_line(t("Amounts in {currency}.", currency=currency), size=9)
    return bytes(pdf.output())
