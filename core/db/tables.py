"""Every table, imported in one place so metadata and Alembic see them all."""

from core.db.base import Base
from core.db.tables_admin import AdminAudit, SearchCount
from core.db.tables_booking import Booking, BookingTransition, SlotHold
from core.db.tables_calendar import CalendarImport
from core.db.tables_catalog import (
    Blackout,
    BusyInterval,
    Provider,
    ProviderCategory,
    ProviderCity,
    ProviderStatus,
    Service,
    WeeklyRule,
)
from core.db.tables_ops import (
    Conversation,
    Flag,
    OutboxMessage,
    ProcessedEvent,
    Ticket,
    TicketMessage,
)
from core.db.tables_payments import (
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceCounter,
    LedgerEntry,
    Payment,
    Refund,
    StripeCustomer,
)
from core.db.tables_people import Channel, ChannelIdentity, User, UserRole
from core.db.tables_proposals import BookingProposal, DeliveryProof
from core.db.tables_reviews import Review
from core.db.tables_scheduler import SchedulerLease, SweepRecord

__all__ = [
    "AdminAudit",
    "Base",
    "Blackout",
    "Booking",
    "BookingProposal",
    "BookingTransition",
    "BusyInterval",
    "CalendarImport",
    "Channel",
    "ChannelIdentity",
    "Conversation",
    "CreditNote",
    "CreditNoteCounter",
    "DeliveryProof",
    "Flag",
    "Invoice",
    "InvoiceCounter",
    "LedgerEntry",
    "OutboxMessage",
    "Payment",
    "ProcessedEvent",
    "Provider",
    "ProviderCategory",
    "ProviderCity",
    "ProviderStatus",
    "Refund",
    "Review",
    "SchedulerLease",
    "SearchCount",
    "Service",
    "SlotHold",
    "StripeCustomer",
    "SweepRecord",
    "Ticket",
    "TicketMessage",
    "User",
    "UserRole",
    "WeeklyRule",
]
