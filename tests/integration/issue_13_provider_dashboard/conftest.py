"""Fixtures of the issue 13 tests: the database on each backend, and offline payments."""

from __future__ import annotations

import pytest

from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from payments.offline_gateway import OfflineGateway
from tests.support.provider_dashboard import Links


@pytest.fixture
def db(uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """SQLite, and PostgreSQL when MOUNASABET_TEST_POSTGRES_URL is set."""
    return uows


@pytest.fixture
def payments() -> Payments:
    return Payments(OfflineGateway("http://test"), Links(), 1000)
