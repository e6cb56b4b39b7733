"""The Telegram benchmark's ``--by-step`` table (bench/telegram_report.py): each step's CPU
per update, share of the mix and Bot API calls per update, from what the driver measured."""

from bench.telegram_report import Run, StepCost, step_table

SCRIPT = (("text", "/start"), ("tap", "confirm"))


def test_each_step_shows_its_cpu_per_update_and_its_share_of_the_mix() -> None:
    run = Run("ours", "booking")
    # seconds of the bot's CPU, and the calls the fake received
    run.steps = [StepCost(0, 400, 0.28, 400), StepCost(1, 400, 2.52, 1600)]

    lines = step_table(run, SCRIPT).splitlines()

    assert lines[1].split() == [
        "1",
        "text",
        "/start",
        "0.70",
        "ms",
        "10.0",
        "%",
        "1.00",
        "calls/update",
    ]
    assert lines[2].split() == [
        "2",
        "tap",
        "confirm",
        "6.30",
        "ms",
        "90.0",
        "%",
        "4.00",
        "calls/update",
    ]
    assert lines[3].split() == ["all", "steps", "3.50", "ms"]  # 2.8 s over 800 updates


def test_a_step_no_chat_reached_costs_nothing() -> None:
    run = Run("ours", "booking")
    run.steps = [StepCost(0, 2, 0.002), StepCost(1, 0, 0.0)]

    lines = step_table(run, SCRIPT).splitlines()

    assert lines[2].split()[3:5] == ["0.00", "ms"]
