"""Domain error keys as sentences an operator understands (the admin tool speaks English)."""

from __future__ import annotations

from core.errors import DomainError

MESSAGES = {
    "ticket_not_found": "No ticket #{ticket_id}.",
    "ticket_closed": "Ticket #{ticket_id} is closed (reopen it first).",
    "ticket_not_closed": "Ticket #{ticket_id} is not closed (it is {status}).",
    "ticket_empty": "The message is empty.",
    "flag_not_found": "No flag #{flag_id}.",
    "flag_resolved": "Flag #{flag_id} is already resolved.",
    "provider_not_found": "No provider {provider}.",
    "provider_status": "Provider {provider} is {status}: cannot {action} it.",
    "user_not_found": "No user #{user_id}.",
    "user_blocked_already": "User #{user_id} is already blocked.",
    "user_not_blocked": "User #{user_id} is not blocked.",
    "booking_not_found": "No booking {booking_id}.",
    "illegal_transition": "A booking in state {state} cannot take the action {action}.",
    "admin_reason_required": "A reason is required (--reason).",
    "reason_required": "A reason is required (--reason).",
    "resolve_target_required": "Name the state the dispute resolves to.",
    "state_holds_no_money": "The booking still holds money: it cannot go back to {state}.",
    "refund_out_of_range": "Cannot refund {amount}: at most {available} can be refunded.",
    "refund_exceeds_payments": "The payments found cannot cover {amount} of this refund.",
    "unknown_sort": "Cannot sort by {sort}; choose one of: {allowed}.",
    "unknown_state": "Unknown state {state}; choose one of: {allowed}.",
    "unknown_filter": "Unknown {filter} {value}; choose one of: {allowed}.",
    "no_admin_path": "No transition leads from {source} to {target}.",
    "invoice_not_found": "No invoice {number}.",
    "unknown_severity": "Unknown severity {severity}.",
    "payments_off": "No payment gateway is configured: money cannot be moved from here.",
}


def human(error: DomainError) -> str:
    template = MESSAGES.get(error.key)
    if template is None:
        return str(error)  # key(params): still says what went wrong
    try:
        return template.format(**error.params)
    except (KeyError, IndexError):
        return f"{template} ({error})"
