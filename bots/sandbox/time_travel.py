"""The sandbox's "skip ahead" control (issue 14): ``GET /sandbox/api/time`` tells the page
the sandbox's time; ``POST`` with ``{"skip": "hour" | "day" | "week"}`` moves it forward.

Marking a booking delivered needs its event to have started, and nobody books in the past:
without skipping, nobody could walk a booking to its review on the day they try it. The
whole process shares the clock (dialogs, payment pages, outbox worker, sweeps), so skipping
a week lets the auto-confirmation and the review request happen as they would a week later:
the process's sweeps run at once after a skip (``after_skip``), not at their next tick,
which could be an hour away.
Moving only forward, and only where ``Settings.time_travel_on`` (a laptop, no real money).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from aiohttp import web

from core.catalog.vocabulary import MARKET_TZ
from core.clock import Clock, ShiftedClock
from dialogs.i18n.translator import N_

SKIPS: dict[str, timedelta] = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
# The page's labels for the control (bots/sandbox/labels.py adds them to the page's words).
TIME_LABELS: dict[str, str] = {
    "skip_ahead": N_("Skip ahead"),
    "skip_hour": N_("+1 hour"),
    "skip_day": N_("+1 day"),
    "skip_week": N_("+1 week"),
    "sandbox_time": N_("Sandbox time"),
}


class SandboxTime:
    """``travel`` is the process's clock when it may be moved, else None (read only)."""

    def __init__(
        self,
        clock: Clock,
        travel: ShiftedClock | None,
        *,
        after_skip: Callable[[], None] | None = None,
    ) -> None:
        self.clock, self.travel, self.after_skip = clock, travel, after_skip

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/sandbox/api/time", self.show),
            web.post("/sandbox/api/time", self.skip),
        ]

    def _state(self) -> dict[str, object]:
        now = self.clock.now()
        skipped = self.travel.offset if self.travel else timedelta(0)
        return {
            "enabled": self.travel is not None,
            "now": now.isoformat(),
            # In the market's time zone: the one event days and "has it started" are read in.
            "market_time": now.astimezone(MARKET_TZ).strftime("%Y-%m-%d %H:%M"),
            "time_zone": str(MARKET_TZ),
            "skipped_seconds": int(skipped.total_seconds()),
        }

    async def show(self, _: web.Request) -> web.Response:
        return web.json_response(self._state())

    async def skip(self, request: web.Request) -> web.Response:
        if self.travel is None:
            raise web.HTTPNotFound(text="time travel is off here")
        try:
            body = await request.json()
        except ValueError:
            body = None
        step = body.get("skip") if isinstance(body, dict) else None
        if not isinstance(step, str) or step not in SKIPS:
            return web.json_response({"error": "skip must be hour, day or week"}, status=400)
        self.travel.skip(SKIPS[step])
        if self.after_skip is not None:
            self.after_skip()
        return web.json_response(self._state())
