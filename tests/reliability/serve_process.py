"""`mounasabet serve` (or `worker`) as a real process with every channel's settings.

Extends tests/support/serve_process.py: the same start, SIGKILL and stop, with the
Twilio and Stripe settings and the reliability tests' distinctive secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes import FakeTelegramAPI
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.reliability.world import (
    CLIENT_TOKEN,
    LINK_SECRET,
    PROVIDER_TOKEN,
    STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET,
    TELEGRAM_SECRET,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
)
from tests.support.serve_process import ServeProcess


def channel_settings(
    telegram: FakeTelegramAPI, twilio: FakeTwilioAPI, stripe: FakeStripe
) -> dict[str, str]:
    return {
        "MOUNASABET_TELEGRAM_CLIENT_TOKEN": CLIENT_TOKEN,
        "MOUNASABET_TELEGRAM_PROVIDER_TOKEN": PROVIDER_TOKEN,
        "MOUNASABET_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "MOUNASABET_TELEGRAM_API_URL": telegram.base_url,
        "MOUNASABET_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "MOUNASABET_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "MOUNASABET_TWILIO_WHATSAPP_FROM": TWILIO_FROM,
        "MOUNASABET_TWILIO_API_URL": twilio.base_url,
        "MOUNASABET_STRIPE_SECRET_KEY": STRIPE_KEY,
        "MOUNASABET_STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "MOUNASABET_STRIPE_API_URL": stripe.url,
        "MOUNASABET_PAYMENTS_LINK_SECRET": LINK_SECRET,
        "MOUNASABET_OFFLINE_PAYMENTS": "0",
    }


@dataclass
class ChannelsServe(ServeProcess):
    """A ServeProcess whose environment adds ``settings`` (MOUNASABET_* variables)."""

    settings: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return super().env() | self.settings

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
