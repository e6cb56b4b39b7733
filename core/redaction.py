"""Secrets never reach a log line or a stored error.

A ``Redactor`` knows the configured secrets (bot tokens, webhook secrets, API keys, the
SMTP password, link secrets), also percent-encoded as they appear in URLs, and the shapes
of secrets we were not told about (Stripe keys, passwords in URLs). ``install`` puts it on
every log handler at start-up and makes it the one ``redact`` that code storing an error
(``outbox.last_error``) calls; before that, ``redact`` still removes the known shapes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

MASK = "[redacted]"
MIN_SECRET_CHARS = 6  # shorter "secrets" would mask ordinary words; none of ours is that short
SHAPES = (
    re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"),  # Stripe secret keys
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}"),  # Stripe webhook secrets
    re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"),  # Telegram bot tokens
    re.compile(r"(?<=://)[^\s:/@]*:[^\s/@]+(?=@)"),  # user:password@ in a URL
)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants = {
            form
            for secret in secrets
            if len(secret) >= MIN_SECRET_CHARS
            for form in (secret, quote(secret, safe=""), quote(secret))
        }
        longest_first = sorted(variants, key=len, reverse=True)
        self.secrets = (
            re.compile("|".join(map(re.escape, longest_first))) if longest_first else None
        )

    def __call__(self, text: str) -> str:
        if self.secrets is not None:
            text = self.secrets.sub(MASK, text)
        for shape in SHAPES:
            text = shape.sub(MASK, text)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites a record before any handler formats it: message, arguments, traceback."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redactor(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


_active = Redactor()


def redact(text: str | None) -> str | None:
    """What may be stored of an error text."""
    return None if text is None else _active(text)


def install(redactor: Redactor, logger: logging.Logger | None = None) -> Callable[[], None]:
    """From now on: every handler of ``logger`` (the root one) and ``redact`` hide the
    secrets. Call after the handlers are set up; returns how to undo it (for tests)."""
    global _active
    target = logger or logging.getLogger()
    log_filter, previous = RedactingFilter(redactor), _active
    handlers = list(target.handlers)
    for handler in handlers:
        handler.addFilter(log_filter)
    _active = redactor

    def undo() -> None:
        global _active
        for handler in handlers:
            handler.removeFilter(log_filter)
        _active = previous

    return undo
