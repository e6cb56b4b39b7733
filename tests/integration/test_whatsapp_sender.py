"""The fake Twilio API and our sender, through the real ``twilio`` client over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bots.rate_limit import SendLimiter
from bots.whatsapp.media import MediaLinks
from bots.whatsapp.render import WhatsAppRenderer
from bots.whatsapp.sender import AiohttpTwilioClient, TwilioWhatsAppSender, make_client
from bots.whatsapp.templates import TemplateBook
from core.clock import FixedClock
from core.db.tables import ChannelIdentity, Flag
from core.notifications.outbox import DeliveryOutcome
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Button, Reply
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilioAPI
from tests.support.factories import make_user

PHONE = "+212612345678"
CALLBACK = "https://mounasabet.example/webhooks/twilio/status"


def test_signatures_match_twilios_documented_example() -> None:
    """The example of Twilio's webhook-security documentation (PROTOCOLS.md)."""
    validator = RequestValidator("12345")
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "To": "+18005551212"}
    first = params | {"From": "+14158675309", "Caller": "+14158675309"}
    second = params | {"From": "+12349013030", "Caller": "+12349013030"}
    assert validator.compute_signature(url, first) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert validator.compute_signature(url, second) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert validator.validate(url, first, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not validator.validate(url, second, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(clock=clock) as api:
        yield api


@pytest.fixture
async def http() -> AsyncIterator[AiohttpTwilioClient]:
    client = AiohttpTwilioClient(timeout=5)
    yield client
    await client.close()


async def test_the_twilio_client_creates_a_message_on_the_fake(
    fake: FakeTwilioAPI, http: AiohttpTwilioClient
) -> None:
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, fake.base_url, http)
    sent = await client.messages.create_async(
        from_=WHATSAPP_FROM, to=f"whatsapp:{PHONE}", body="Salam", status_callback=CALLBACK
    )
    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert sent.status == "queued" and sent.direction == "outbound-api"
    (recorded,) = fake.messages
    assert (recorded.sid, recorded.body, recorded.status_callback) == (sent.sid, "Salam", CALLBACK)


async def test_the_fake_checks_basic_auth(fake: FakeTwilioAPI, http: AiohttpTwilioClient) -> None:
    client = make_client(ACCOUNT_SID, "wrong-token", fake.base_url, http)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(from_=WHATSAPP_FROM, to=f"whatsapp:{PHONE}", body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert fake.messages == []


@pytest.fixture
async def sender(
    fake: FakeTwilioAPI,
    http: AiohttpTwilioClient,
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    tmp_path: Path,
) -> TwilioWhatsAppSender:
    links = MediaLinks(b"k", tmp_path, "https://mounasabet.example", timedelta(hours=1), clock)
    return TwilioWhatsAppSender(
        make_client(ACCOUNT_SID, AUTH_TOKEN, fake.base_url, http),
        from_number=WHATSAPP_FROM,
        status_callback=CALLBACK,
        renderer=WhatsAppRenderer(links),
        templates=TemplateBook({}),
        uows=uows,
        clock=clock,
        limiter=SendLimiter(per_chat_interval=0),
    )


@pytest.fixture
async def identity(uows: UnitOfWorkFactory, clock: FixedClock) -> ChannelIdentity:
    user_id = await make_user(uows, clock.now())
    row = ChannelIdentity(
        user_id=user_id,
        channel="whatsapp",
        external_id=PHONE,
        last_inbound_at=clock.now(),
        created_at=clock.now(),
    )
    async with uows() as uow:
        uow.session.add(row)
        await uow.commit()
        uow.session.expunge(row)
    return row


REPLY = Reply("Which city?", ((Button("Rabat", "2|city:rabat"), Button("Fès", "2|city:fes")),))


async def test_a_reply_is_sent_with_its_options_and_its_sid_recorded(
    fake: FakeTwilioAPI, sender: TwilioWhatsAppSender, identity: ChannelIdentity
) -> None:
    result = await sender.deliver(identity, [REPLY])
    (message,) = fake.sent_to(PHONE)
    assert result.outcome is DeliveryOutcome.SENT and result.external_id == message.sid
    assert message.body == "Which city?\n\n1. Rabat\n2. Fès"
    assert (message.from_, message.status_callback) == (WHATSAPP_FROM, CALLBACK)


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (429, 20429, DeliveryOutcome.RETRY),
        (500, 20500, DeliveryOutcome.RETRY),
        (503, 20503, DeliveryOutcome.RETRY),
        (400, 63016, DeliveryOutcome.HOLD),
        (400, 21211, DeliveryOutcome.GIVE_UP),
    ],
)
async def test_twilio_errors_map_to_outbox_outcomes(
    fake: FakeTwilioAPI,
    sender: TwilioWhatsAppSender,
    identity: ChannelIdentity,
    uows: UnitOfWorkFactory,
    status: int,
    code: int,
    outcome: DeliveryOutcome,
) -> None:
    fake.fail_next(status, code)
    result = await sender.deliver(identity, [REPLY])
    assert result.outcome is outcome
    assert str(code) in (result.error or "")
    async with uows() as uow:
        flags = (await uow.session.execute(select(Flag.kind, Flag.subject_id))).all()
    # Only a refusal for good raises a flag; a retry or a hold is not news for the admins.
    assert [tuple(f) for f in flags] == (
        [("whatsapp_send_failed", str(identity.user_id))]
        if outcome is DeliveryOutcome.GIVE_UP
        else []
    )
    assert fake.messages == []
    # The failure was one-off: the next attempt goes through.
    assert (await sender.deliver(identity, [REPLY])).outcome is DeliveryOutcome.SENT


async def test_network_failure_is_retried(
    fake: FakeTwilioAPI, sender: TwilioWhatsAppSender, identity: ChannelIdentity
) -> None:
    await fake.stop()
    result = await sender.deliver(identity, [REPLY])
    assert result.outcome is DeliveryOutcome.RETRY and "network" in (result.error or "")


async def test_outside_the_window_a_reply_without_template_is_held(
    fake: FakeTwilioAPI,
    sender: TwilioWhatsAppSender,
    identity: ChannelIdentity,
    clock: FixedClock,
) -> None:
    clock.advance(timedelta(hours=24))
    result = await sender.deliver(identity, [REPLY])
    assert result.outcome is DeliveryOutcome.HOLD and fake.messages == []
