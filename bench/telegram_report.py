"""What the Telegram webhook benchmark reports: one run's figures, and each mix's verdict
against the targets of issue 18 (bench/README.md, "Telegram webhook")."""

from __future__ import annotations

import contextlib
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

# Throughput of ours over the aiogram echo bot's, per mix (issue 18), and over PTB's.
TARGET_VS_ECHO = {"navigation": 1.0, "booking": 0.6, "provider": None}
TARGET_VS_PTB = 1.5


@dataclass(frozen=True)
class StepCost:
    """One step of a mix's script in ``--by-step`` mode: the bot's CPU over its updates."""

    index: int  # in the mix's script
    updates: int
    cpu_s: float
    calls: int = 0  # Bot API calls the fake received for the step (webhook answers too)


@dataclass
class Run:
    name: str  # the bot: echo (aiogram), ptb or ours
    mix: str = ""
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    api_calls: int = 0
    webhook_replies: int = 0  # of api_calls: made by Telegram from the webhook's answer
    failed_calls: int = 0
    undelivered: int = 0
    server_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0  # this process: the fake Bot API and the load driver
    round: int = 0
    outcome: str = ""  # ours: the bench providers' bookings by state after the load
    load_done: bool = True  # ours: every chat's booking made, or every provider's moved
    # ours: the dialog updates of the load by path (fast, transaction) and the fast path's
    # version conflicts, read from the bot's own /metrics before and after
    paths: dict[str, int] = field(default_factory=dict)
    steps: list[StepCost] = field(default_factory=list)  # --by-step only

    @property
    def updates(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.updates / self.wall_s

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    def line(self) -> str:
        return (
            f"{self.mix:<10} {self.name:<4} {self.updates} updates in {self.wall_s:.2f} s: "
            f"{self.throughput:.0f} updates/s, p50 {self.quantile(50):.1f} ms, "
            f"p99 {self.quantile(99):.1f} ms, max {max(self.latencies_ms):.1f} ms; "
            f"{self.api_calls / self.updates:.2f} Bot API calls/update "
            f"({self.webhook_replies / self.updates:.2f} in webhook answers, "
            f"{self.failed_calls} refused), {self.undelivered} undelivered; "
            f"CPU per update: bot {1000 * self.server_cpu_s / self.updates:.2f} ms, "
            f"fake + driver {1000 * self.driver_cpu_s / self.updates:.2f} ms"
            + (
                "; dialog paths: " + ", ".join(f"{v} {k}" for k, v in sorted(self.paths.items()))
                if self.paths
                else ""
            )
        )


def step_table(run: Run, script: tuple[tuple[str, str], ...]) -> str:
    """``--by-step``: the bot's CPU per update of each step, and each step's share."""
    total = sum(s.cpu_s for s in run.steps) or 1.0
    lines = [f"{run.mix} {run.name}, step by step (the bot's CPU per update; share of the mix):"]
    for s in run.steps:
        kind, argument = script[s.index]
        per_update = 1000 * s.cpu_s / s.updates if s.updates else 0.0
        lines.append(
            f"  {s.index + 1:>2} {kind:<7} {argument[:28]:<28} {per_update:6.2f} ms"
            f" {100 * s.cpu_s / total:5.1f} %  {s.calls / (s.updates or 1):4.2f} calls/update"
        )
    updates = sum(s.updates for s in run.steps) or 1
    lines.append(f"     {'all steps':<36} {1000 * total / updates:6.2f} ms")
    return "\n".join(lines)


def verdicts(runs: list[Run]) -> int:
    """Per mix and round: ours over each baseline measured next to it, against the targets."""
    code = 0
    by_key = {(r.round, r.mix, r.name): r for r in runs}
    for (round_no, mix, name), ours in by_key.items():
        if name != "ours":
            continue
        parts = [f"round {round_no + 1} {mix}: {ours.outcome or 'nothing booked'}"]
        echo, ptb = by_key.get((round_no, mix, "echo")), by_key.get((round_no, mix, "ptb"))
        if echo is not None:
            ratio, target = ours.throughput / echo.throughput, TARGET_VS_ECHO[mix]
            met = target is None or ratio >= target
            code |= 0 if met else 1
            aim = (
                "no target"
                if target is None
                else f"target >= {target}: " + ("meets" if met else "MISSES")
            )
            parts.append(f"ours / aiogram echo {ratio:.2f} ({aim})")
        if ptb is not None:
            ratio = ours.throughput / ptb.throughput
            met = ratio >= TARGET_VS_PTB
            code |= 0 if met else 1
            verdict = "meets" if met else "MISSES"
            parts.append(f"ours / PTB echo {ratio:.2f} (target >= {TARGET_VS_PTB}: {verdict})")
        print("; ".join(parts))
    return code


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"
