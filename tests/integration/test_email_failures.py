"""Which SMTP failures are worth another try: a real aiosmtpd server refuses, our sender's
rule decides."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from payments.email import permanent_failure
from tests.support.payments import free_port


class Refusing:
    """Refuses recipients by their local part: ``550@…`` gets 550, ``451@…`` gets 451."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        code = address.split("@")[0]
        if code.isdigit():
            return f"{code} refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_port() -> Iterator[int]:
    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


async def failure(port: int, to: str) -> Exception:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@mounasabet.test", to, "Invoice"
    message.set_content("hello")
    with pytest.raises(aiosmtplib.SMTPException) as raised:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port)
    return raised.value


async def test_a_refused_address_is_given_up_and_a_busy_server_retried(smtp_port: int) -> None:
    assert permanent_failure(await failure(smtp_port, "550@example.test")) is True
    assert permanent_failure(await failure(smtp_port, "451@example.test")) is False
    assert permanent_failure(aiosmtplib.SMTPServerDisconnected("gone")) is False
