"""The invoice as a PDF, in the client's language, from the data frozen at issue.

fpdf2 with a bundled DejaVu Sans (Latin and Arabic, see fonts/LICENSE-DejaVu.txt) and
HarfBuzz text shaping, so Arabic letters join and runs right to left; an Arabic
invoice is laid out from the right margin.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from core.catalog.labels import CITY_LABELS, EVENT_LABELS
from core.catalog.vocabulary import MARKET_TZ
from payments.i18n import N_, Translate

FONTS = Path(__file__).parent / "fonts"
LINE_LABELS = {"deposit": N_("Deposit"), "balance": N_("Balance")}


class _Invoice(FPDF):
    def __init__(self, rtl: bool) -> None:
        super().__init__(format="A4")
        self.rtl = rtl
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=15)

    def text_line(self, text: str, *, size: float = 10, bold: bool = False, gap: float = 6) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.cell(0, gap, text, align="R" if self.rtl else "L", new_x="LMARGIN", new_y="NEXT")

    def row(self, label: str, value: str, *, bold: bool = False) -> None:
        """A label and an amount on one line, mirrored for right-to-left."""
        self.set_font("DejaVu", "B" if bold else "", 10)
        width = self.epw / 2
        left, right = (value, label) if self.rtl else (label, value)
        self.cell(width, 7, left, border="B", align="L")
        self.cell(width, 7, right, border="B", align="R", new_x="LMARGIN", new_y="NEXT")


def quiet_font_logs() -> None:
    """fontTools logs every table of every subset at INFO: ~90 lines per document."""
    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def header(pdf: _Invoice, platform: dict[str, Any], t: Translate) -> None:
    """The issuer: the platform's name, address and identifiers."""
    pdf.text_line("Mounasabet — منصة مناسبات", size=18, bold=True, gap=10)
    if platform.get("name") and platform["name"] != "Mounasabet":
        pdf.text_line(str(platform["name"]), bold=True)
    identity(pdf, platform.get("address"), platform, t)
    pdf.ln(2)


def identity(pdf: _Invoice, address: object, ids: dict[str, Any], t: Translate) -> None:
    """An address and the ICE / IF / RC identifiers, each where it is known."""
    if address:
        pdf.text_line(str(address), size=9, gap=5)
    known = [
        f"{label} {ids[key]}"
        for key, label in (("ice", "ICE"), ("if", "IF"), ("rc", "RC"))
        if ids.get(key)
    ]
    if known:
        pdf.text_line(" · ".join(known), size=9, gap=5)


def parties(pdf: _Invoice, client: dict[str, Any], provider: dict[str, Any], t: Translate) -> None:
    pdf.text_line(t("Billed to"), bold=True)
    pdf.text_line(client.get("name") or "—")
    for extra in (client.get("email"), client.get("phone")):
        if extra:
            pdf.text_line(str(extra))
    pdf.ln(2)
    pdf.text_line(t("Service provider"), bold=True)
    pdf.text_line(t.pick(provider.get("name")) or "—")
    if provider.get("legal_name"):
        pdf.text_line(str(provider["legal_name"]), size=9, gap=5)
    identity(pdf, provider.get("address"), provider, t)
    pdf.ln(2)


def place(booking: dict[str, Any], t: Translate) -> str:
    return place_text(str(booking.get("venue") or ""), str(booking.get("city") or ""), t)


def place_text(venue: str, city_code: str, t: Translate) -> str:
    """Venue and city, the city once: a venue that names it already ("Casablanca") is enough."""
    venue = venue.strip()
    city = t(CITY_LABELS.get(city_code, city_code)) if city_code else ""
    if city and city.casefold() in venue.casefold():
        return venue
    return ", ".join(p for p in (venue, city) if p)


def commission_rows(pdf: _Invoice, line: dict[str, Any], currency: str, t: Translate) -> None:
    percent = f"{int(line['commission_bp']) / 100:g}"
    vat = f"{int(line['vat_bp']) / 100:g}"
    pdf.row(
        t("Of which Mounasabet's commission ({percent} %)", percent=percent),
        t.money(int(line["commission_minor"]), currency),
    )
    pdf.row(
        t("Of which VAT on the commission ({percent} %)", percent=vat),
        t.money(int(line["vat_minor"]), currency),
    )


def render_invoice(data: dict[str, Any], t: Translate) -> bytes:
    """The PDF bytes of one invoice; the same data always gives the same document."""
    quiet_font_logs()
    issued = datetime.fromisoformat(str(data["issued_at"]))
    pdf = _Invoice(t.rtl)
    pdf.set_creation_date(issued)
    pdf.set_title(t("Invoice {number}", number=data["number"]))
    pdf.set_author("Mounasabet")
    pdf.add_page()
    currency = str(data["currency"])
    booking, client, provider = data["booking"], data["client"], data["provider"]

    header(pdf, data.get("platform") or {}, t)
    pdf.text_line(t("Invoice {number}", number=data["number"]), size=14, bold=True, gap=9)
    pdf.text_line(t("Issued on {date}", date=t.date(issued.astimezone(MARKET_TZ).date())))
    pdf.ln(3)
    parties(pdf, client, provider, t)
    pdf.text_line(t("Booking {ref}", ref=booking["reference"]), bold=True)
    pdf.text_line(t("Service") + ": " + (t.pick(booking.get("service")) or "—"))
    event_type = str(booking.get("event_type", "other"))
    pdf.text_line(t("Occasion") + ": " + t(EVENT_LABELS.get(event_type, event_type)))
    pdf.text_line(t("Date") + ": " + t.date(date.fromisoformat(str(booking["event_date"]))))
    pdf.text_line(t("Place") + ": " + (place(booking, t) or "—"))
    pdf.ln(4)

    for line in data["lines"]:
        label = t(LINE_LABELS.get(line["kind"], line["kind"]))
        pdf.row(label, t.money(int(line["amount_minor"]), currency), bold=True)
    if commission := data.get("commission"):
        commission_rows(pdf, commission, currency, t)
    pdf.ln(3)
    pdf.row(t("Total price of the booking"), t.money(int(data["total_minor"]), currency))
    pdf.row(t("Deposit"), t.money(int(data["deposit_minor"]), currency))
    pdf.row(t("Paid to date"), t.money(int(data["paid_to_date_minor"]), currency))
    pdf.row(t("Balance due"), t.money(int(data["balance_due_minor"]), currency), bold=True)
    pdf.ln(5)
    payment = data.get("payment", {})
    pdf.text_line(
        t("Payment reference: {reference}", reference=payment.get("reference") or "—"), size=9
    )
    pdf.text_line(t("Amounts in {currency}.", currency=currency), size=9)
    return bytes(pdf.output())
