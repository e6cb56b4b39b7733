"""How long a pending booking waits for its next step: settings, carried by the units of work.

Why on the unit of work: every service that moves a booking already holds one, so a deployment
that changes `MOUNASABET_DEPOSIT_WINDOW_HOURS` changes every path at once, with no setting
threaded through the dialogs and the payment code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Deadlines:
    request_ttl: timedelta = timedelta(hours=24)  # the provider's time to answer
    deposit_window: timedelta = timedelta(hours=48)  # the client's time to pay the deposit
