"""`mounasabet-admin` lists what is in the database, as a table or as JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from admin_cli.app import app
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.bootstrap import build_uow_factory
from core.db.engine import make_engine
from core.db.tables import Invoice, OutboxMessage, User
from core.payments.checkout_links import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from demo import seed_demo
from payments.links import HmacLinks
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.migrated import migrate


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    migrate(url)

    async def seed() -> None:
        engine = make_engine(url)
        uows = build_uow_factory(engine)
        await seed_demo(uows, now=datetime(2026, 5, 4, 9, tzinfo=UTC))
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("MOUNASABET_DATABASE_URL", url)
    return url


def test_bookings_list_json_filters_by_state(seeded: str) -> None:
    result = CliRunner().invoke(app, ["bookings", "list", "--state", "confirmed", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {r["state"] for r in rows} == {"confirmed"}


def test_providers_list_table(seeded: str) -> None:
    result = CliRunner().invoke(app, ["providers", "list", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "Providers" in result.output and "active" in result.output


def test_bad_limit_is_refused(seeded: str) -> None:
    result = CliRunner().invoke(app, ["bookings", "list", "--limit", "0"])
    assert result.exit_code != 0


async def paid_invoice_number(uows: UnitOfWorkFactory, now: datetime) -> str:
    """One booking whose deposit went through the offline gateway: one invoice."""
    owner, _, service = await make_provider(uows, now, slug="studio-resend")
    client = await make_user(uows, now)
    async with uows() as uow:
        user = await uow.session.get(User, client)
        assert user is not None
        user.email = "client@example.test"
        await uow.commit()
    # The email the form filled in from the account, shown in the summary (issue 14).
    booking_id = await request(
        uows, now, client, service, now.date() + timedelta(days=30), contact_email=user.email
    )
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    gateway = OfflineGateway("http://test")
    session_id = (await deposit_link(uows, gateway, booking_id, now)).id
    event = GatewayEvent(
        "evt_resend",
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": "pi_resend",
            "metadata": {"booking_id": str(booking_id)},
        },
    )
    async with uows() as uow:
        await handle_gateway_event(
            uow, Payments(gateway, HmacLinks(b"k" * 32, "http://t")), event, now=now
        )
        await uow.commit()
    async with uows() as uow:
        number = await uow.session.scalar(select(Invoice.number))
    assert number is not None
    return str(number)


def test_invoice_resend_queues_the_chat_and_email_messages_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'resend.db'}"
    migrate(url)
    now = datetime(2026, 5, 4, 9, tzinfo=UTC)

    async def prepare() -> str:
        engine = make_engine(url)
        uows = build_uow_factory(engine)
        try:
            return await paid_invoice_number(uows, now)
        finally:
            await engine.dispose()

    async def count(kinds: tuple[str, ...]) -> int:
        engine = make_engine(url)
        async with engine.connect() as conn:
            total = await conn.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind.in_(kinds))
            )
        await engine.dispose()
        return int(total or 0)

    number = asyncio.run(prepare())
    kinds = ("invoice_issued", "invoice_email")
    before = asyncio.run(count(kinds))
    monkeypatch.setenv("MOUNASABET_DATABASE_URL", url)
    monkeypatch.setenv("MOUNASABET_PAYMENTS_LINK_SECRET", "x" * 32)
    result = CliRunner().invoke(app, ["invoices", "resend", number])
    assert result.exit_code == 0, result.output
    assert number in result.output
    assert asyncio.run(count(kinds)) == before + 2
    missing = CliRunner().invoke(app, ["invoices", "resend", "MSB-1999-000001"])
    assert missing.exit_code == 1
