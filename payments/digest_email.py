"""The admins' daily digest as an email: counts only, in the admin's language."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from typing import Any

from payments.i18n import N_, Translate

LINES = (
    ("requested", N_("New booking requests: {n}")),
    ("confirmed", N_("Bookings confirmed: {n}")),
    ("completed", N_("Bookings completed: {n}")),
    ("cancelled", N_("Bookings cancelled: {n}")),
    ("declined", N_("Requests declined: {n}")),
    ("expired", N_("Bookings expired: {n}")),
    ("disputed", N_("Bookings disputed: {n}")),
    ("refunds_pending", N_("Refunds still pending: {n}")),
    ("flags_raised", N_("Flags raised: {n}")),
    ("flags_open", N_("Flags open: {n}")),
    ("tickets_opened", N_("Tickets opened: {n}")),
    ("tickets_open", N_("Tickets open: {n}")),
)


def compose_digest(message: EmailMessage, t: Translate, payload: dict[str, Any]) -> EmailMessage:
    figures: dict[str, Any] = dict(payload.get("figures") or {})
    day = date.fromisoformat(str(payload["day"]))
    currency = str(figures.get("currency", "MAD"))
    message["Subject"] = t("Mounasabet daily digest — {date}", date=t.date(day, "medium"))
    lines = [t("The last 24 hours on Mounasabet:"), ""]
    lines += [t(msgid, n=int(figures.get(key, 0))) for key, msgid in LINES[:7]]
    lines.append(
        t(
            "Payments received: {n} ({amount})",
            n=int(figures.get("payments", 0)),
            amount=t.money(int(figures.get("payments_minor", 0)), currency),
        )
    )
    lines.append(
        t(
            "Refunds sent: {n} ({amount})",
            n=int(figures.get("refunds", 0)),
            amount=t.money(int(figures.get("refunds_minor", 0)), currency),
        )
    )
    lines += [t(msgid, n=int(figures.get(key, 0))) for key, msgid in LINES[7:]]
    failed = [str(s) for s in figures.get("failed_sweeps", [])]
    lines.append(
        t("Failed sweeps: {names}", names=", ".join(failed)) if failed else t("No sweep failed.")
    )
    lines += ["", t("Details: mounasabet-admin dashboard, flags, tickets and jobs.")]
    message.set_content("\n".join(lines) + "\n")
    return message
