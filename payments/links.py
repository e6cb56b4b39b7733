"""Signed, expiring links to invoices and credit notes: ``/invoices/<id>.<expiry>.<mac>.pdf``,
``/credit-notes/<id>.<expiry>.<mac>.pdf``.

The id alone would let anyone walk through everyone's invoices; the HMAC makes the link
unguessable and the expiry bounds how long a forwarded link works. Each kind of document
signs under its own purpose, so a token for credit note 7 never opens invoice 7.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

from core.settings import Settings

TOKEN = re.compile(r"^(\d{1,18})\.(\d{1,12})\.([A-Za-z0-9_-]{20,64})$")
DEFAULT_TTL = timedelta(days=30)
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PURPOSES = frozenset({INVOICE, CREDIT_NOTE})

log = logging.getLogger(__name__)


def link_secret(settings: Settings) -> bytes:
    """The key of invoice links: the configured secret, else one derived from the Stripe key,
    else a random one: links then die with the process, and another process (a worker
    beside the web process, compose.yaml) can't check them."""
    if settings.payments_link_secret is not None:
        return settings.payments_link_secret.get_secret_value().encode()
    if settings.stripe_secret_key is not None:
        key = settings.stripe_secret_key.get_secret_value().encode()
        return hmac.new(key, b"mounasabet invoice links", hashlib.sha256).digest()
    log.warning(
        "no MOUNASABET_PAYMENTS_LINK_SECRET: invoice links last until the next restart and"
        " only this process can check them"
    )
    return secrets.token_bytes(32)


class HmacLinks:
    """The LinkSigner of core.payments.ports, with its checking half."""

    def __init__(self, secret: bytes, base_url: str, *, ttl: timedelta = DEFAULT_TTL) -> None:
        if len(secret) < 16:
            raise ValueError("link secret too short")
        self._secret, self.base_url, self.ttl = secret, base_url.rstrip("/"), ttl

    def _mac(self, purpose: str, document_id: int, expires: int) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        # The purpose is signed with the id: "invoice:7:…" was the only form before credit
        # notes, so invoice links already handed out stay valid.
        message = f"{purpose}:{document_id}:{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")

    def token(self, document_id: int, *, now: datetime, purpose: str = INVOICE) -> str:
        expires = int((now + self.ttl).timestamp())
        return f"{document_id}.{expires}.{self._mac(purpose, document_id, expires)}"

    def invoice_url(self, invoice_id: int, *, now: datetime) -> str:
        return f"{self.base_url}/invoices/{self.token(invoice_id, now=now)}.pdf"

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str:
        token = self.token(credit_note_id, now=now, purpose=CREDIT_NOTE)
        return f"{self.base_url}/credit-notes/{token}.pdf"

    def check(self, token: str, *, now: datetime, purpose: str = INVOICE) -> int | None:
        """The id of the document of ``purpose`` a token grants, or None if it is forged,
        expired or signed for another kind of document."""
        match = TOKEN.match(token)
        if match is None:
            return None
        document_id, expires, mac = int(match[1]), int(match[2]), match[3]
        if not hmac.compare_digest(mac, self._mac(purpose, document_id, expires)):
            return None
        if now.timestamp() > expires:
            return None
        return document_id
