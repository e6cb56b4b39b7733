"""The one typed settings object, read from MOUNASABET_* variables and a .env file.

Built once by each program's command (bots/cli.py, admin_cli/app.py) and handed to its
composition root, never at import time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.deadlines import Deadlines

# `mounasabet serve`'s default --host and --port (bots/cli.py).
DEFAULT_SERVED_URL = "http://127.0.0.1:8080"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOUNASABET_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./mounasabet.db"
    public_url: str | None = None  # where the outside world reaches us (webhooks, links)
    # Where `mounasabet serve` listens, set by the command itself (`serving_at`): without a
    # public URL, the links we send must point at the port actually served (issue 14).
    served_url: str | None = None
    default_locale: str = "fr"
    # Search pages and provider profiles shown in chat may be this old (0: always read);
    # this process's own writes show at once, other processes' within this time.
    catalog_cache_seconds: float = Field(default=30.0, ge=0, le=600)

    # A client gets this long for a request's head (from connecting or from the previous
    # answer) and again for its body: slow senders cannot hold connections open.
    http_read_seconds: float = Field(default=10.0, gt=0, le=300)

    telegram_client_token: SecretStr | None = None
    telegram_provider_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # The client bot's @username for the site's t.me links; unset: asked with getMe.
    telegram_client_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{3,64}$")

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # Content templates for in-session buttons, keyed by how many options they hold and,
    # most specific first, its language: "3:ar", then 3 (layout in bots/whatsapp/render.py).
    twilio_quick_reply_sids: dict[int | str, str] = Field(default_factory=dict)
    twilio_list_picker_sids: dict[int | str, str] = Field(default_factory=dict)
    # Approved templates for news outside the 24-hour window: "kind:locale" (or "kind")
    # -> "HX..." or {"sid": "HX...", "variables": ["ref", "provider", ...]}.
    twilio_templates: dict[str, str | dict[str, Any]] = Field(default_factory=dict)
    twilio_media_secret: SecretStr | None = None  # signs document links; default: from the token
    twilio_media_dir: str = "./var/media"
    twilio_media_ttl_seconds: int = Field(default=3600, ge=60)
    # Where providers' own photos and their thumbnails are kept (core/catalog/photo_store.py).
    photo_dir: str = "./var/photos"

    stripe_secret_key: SecretStr | None = None
    # Without a Stripe key the offline gateway takes "payments" where no money moves: fine on
    # a laptop, a trap on a public URL unless this says it is a demo (see payment_mode).
    offline_payments: bool = False
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_url: str = "https://api.stripe.com"
    # Seconds Stripe's client waits for an answer. A request it gave up on may still be
    # done at Stripe: core/payments/unfinished_links.py finds and expires such a session.
    stripe_timeout: float = Field(default=30.0, gt=0, le=120)
    # Signs invoice links (/invoices/<token>.pdf); default: derived from the Stripe key,
    # or a random one per process (links then die on restart) when there is none.
    payments_link_secret: SecretStr | None = None
    auto_confirm_delivery_days: int = Field(default=3, ge=1, le=60)

    # How long a message being sent is held before another attempt may be made: after a
    # crash mid-send, the message goes again this long after (core/notifications/outbox.py,
    # `Leases`: a webhook's own attempt at its reply holds it half as long, and gives up
    # after a third: at least 2 s for a send to Telegram).
    send_lease_seconds: float = Field(default=30.0, ge=6, le=600)
    # The scheduler (bots/scheduler.py): one process at a time holds the sweeps' lease.
    scheduler_lease_seconds: float = Field(default=30.0, ge=3, le=600)
    # Runs every sweep this often instead of its own period (tests, staging); unset: own.
    sweep_interval_seconds: float | None = Field(default=None, gt=0)
    # Items a sweep handles per transaction: a crash loses at most one batch's work, which
    # the next run redoes; smaller batches hold the SQLite write lock for less time.
    sweep_batch_size: int = Field(default=200, ge=1, le=5000)
    # A request waits this long for the provider's answer, an accepted booking this long for
    # its deposit (both capped at the event's start); the deposit reminder comes before that.
    request_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    deposit_window_hours: int = Field(default=48, ge=2, le=24 * 14)
    deposit_reminder_hours: int = Field(default=24, ge=1, le=24 * 14 - 1)
    event_reminder_hour: int = Field(default=10, ge=0, le=23)  # local time, D-7 and D-1
    ticket_sla_hours: int = Field(default=4, ge=1, le=72)
    admin_digest_hour: int = Field(default=7, ge=0, le=23)  # market time

    smtp_url: str | None = None
    email_from: str = "Mounasabet <no-reply@mounasabet.ma>"
    rasa_url: str | None = None

    commission_bp: int = Field(default=1000, ge=0, le=10_000)
    # The platform as its invoices name it: legal name, address, ICE, IF and RC.
    platform_legal_name: str = "Mounasabet"
    platform_address: str = ""
    platform_ice: str = Field(default="", pattern=r"^(\d{15})?$")
    platform_if: str = ""
    platform_rc: str = ""
    # Set (basis points, 2000 = 20 %): invoices show the platform's commission in the
    # amount paid, with the VAT it includes. Unset: no commission line.
    invoice_commission_vat_bp: int | None = Field(default=None, ge=0, le=10_000)
    # How far ahead an event can be booked (core.booking.availability.MAX_DAYS_AHEAD).
    max_booking_days_ahead: int = Field(default=730, ge=1, le=3650)
    # Importing a provider's ICS feed (core/calendar_sync, bots/calendar_fetcher.py): the
    # whole fetch, redirects included, gets this long and this many bytes; busy time is
    # stored this many days ahead. Private, loopback and link-local addresses are refused
    # unless in these networks (CIDRs: tests and staging only).
    calendar_fetch_seconds: float = Field(default=15.0, gt=0, le=120)
    calendar_max_bytes: int = Field(default=3_000_000, ge=1024, le=50_000_000)
    calendar_max_redirects: int = Field(default=3, ge=0, le=10)
    calendar_horizon_days: int = Field(default=365, ge=7, le=1100)
    calendar_allowed_networks: list[str] = Field(default_factory=list)
    # The local chat at /sandbox lets anyone act as any provider: on by default only where
    # the world can't reach us (no public URL); set it explicitly to override.
    sandbox_enabled: bool | None = None

    @model_validator(mode="after")
    def _reminder_before_deadline(self) -> Self:
        if self.deposit_reminder_hours >= self.deposit_window_hours:
            raise ValueError("deposit_reminder_hours must be less than deposit_window_hours")
        return self

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(
            request_ttl=timedelta(hours=self.request_ttl_hours),
            deposit_window=timedelta(hours=self.deposit_window_hours),
        )

    def secret_values(self) -> list[str]:
        """Every configured secret, for redaction (core.redaction): never log or store these."""
        secrets = [
            value.get_secret_value()
            for value in (
                self.telegram_client_token,
                self.telegram_provider_token,
                self.telegram_webhook_secret,
                self.twilio_auth_token,
                self.twilio_media_secret,
                self.stripe_secret_key,
                self.stripe_webhook_secret,
                self.payments_link_secret,
            )
            if value is not None
        ]
        smtp_password = urlsplit(self.smtp_url).password if self.smtp_url else None
        return secrets + ([unquote(smtp_password)] if smtp_password else [])

    @property
    def sandbox_on(self) -> bool:
        if self.sandbox_enabled is not None:
            return self.sandbox_enabled
        return self.public_url is None

    @property
    def sandbox_is_local(self) -> bool:
        """The sandbox on a laptop (no public URL): only its user can reach it, so it may
        vouch for what a web page cannot prove elsewhere (a phone shared to sign up)."""
        return self.sandbox_on and self.public_url is None

    @property
    def time_travel_on(self) -> bool:
        """The sandbox's "skip ahead" clock: only with the sandbox on a laptop, where no
        money moves (no public URL, no Stripe key): a skipped week would otherwise charge
        real balances and confirm real deliveries early."""
        return self.sandbox_is_local and not self.stripe_enabled

    @property
    def base_url(self) -> str:
        """The public URL, or else the address served (a laptop); programs that serve no
        HTTP (worker, admin) fall back to `serve`'s default address."""
        return (self.public_url or self.served_url or DEFAULT_SERVED_URL).rstrip("/")

    def serving_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on ``host:port``."""
        # A wildcard address is no place to send a browser to: this machine's loopback is.
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return self.model_copy(update={"served_url": f"http://{shown}:{port}"})

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_client_token is not None or self.telegram_provider_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_secret_key is not None

    @property
    def payment_mode(self) -> str:
        """``stripe``; ``offline`` on a laptop; ``demo`` (offline on a public URL, chosen);
        ``refused``: offline on a public URL by accident, which ``serve`` will not start."""
        if self.stripe_enabled:
            return "stripe"
        if self.public_url is None:
            return "offline"
        return "demo" if self.offline_payments else "refused"
