"""The rows core services hand to the dialogs, importable without the persistence layer.

Dialogs may hold and read these (a booking to show, the user of the update) but never
query or open a transaction themselves: everything they load comes from a core service
or query. Frozen read models (see core/booking/queries.py) are preferred for
what only gets shown; these stay where a step passes the row back to a service.
"""

from __future__ import annotations

from core.db.tables import Booking, Provider, Service, Ticket, User

__all__ = ["Booking", "Provider", "Service", "Ticket", "User"]
