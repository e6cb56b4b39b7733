"""The id of the request or update being handled, carried to what it causes.

Set where an input arrives (a webhook: the Telegram update, the Twilio MessageSid, the
Stripe event id, or a request id), read by the log lines written meanwhile and stored
on the outbox rows it queues, so the worker's send logs the same id later, perhaps in
another process. Ids only: never a name, a phone number or a message's text.
"""

from __future__ import annotations

from contextvars import ContextVar

MAX_TRACE_CHARS = 64  # the outbox column's size
TRACE: ContextVar[str | None] = ContextVar("mounasabet_trace", default=None)


def current_trace() -> str | None:
    return TRACE.get()


def set_trace(trace: str | None) -> None:
    """The id of what this task handles from now on (each request runs in its own task)."""
    TRACE.set(trace[:MAX_TRACE_CHARS] if trace else None)
