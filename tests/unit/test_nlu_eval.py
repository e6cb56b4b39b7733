"""Held-out evaluation of the built-in NLU: intent accuracy and slot F1 on nlu_eval.yml."""

from __future__ import annotations

import datetime
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogs.nlu.builtin import BuiltinParser
from dialogs.nlu.model import Intent, NluParser, NluResult
from dialogs.nlu.rasa_adapter import RasaParser

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "nlu_eval.yml"
SLOTS = ("category", "city", "date", "guests", "budget_minor")
# Just under what the built-in parser measures (0.952 = 240/252, slot F1 0.9944), so that
# one more wrong intent (0.948) or one more missed slot (0.9930) fails.
MIN_INTENT_ACCURACY = 0.95
MIN_SLOT_F1 = 0.994
# A Rasa model is trained elsewhere and not measured here: it keeps the first bar.
RASA_MIN_INTENT_ACCURACY = 0.90
RASA_MIN_SLOT_F1 = 0.85
# Opt-in: evaluate a running Rasa server (see dialogs/nlu/rasa/README.md) on the same set.
RASA_URL = os.environ.get("MOUNASABET_TEST_RASA_URL")


@dataclass
class Score:
    """Running counts for intent accuracy and micro-averaged slot F1."""

    total: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_slot: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, gold: dict[str, Any], got: NluResult) -> list[str]:
        """Score one utterance and return a description of each error."""
        errors: list[str] = []
        self.total += 1
        if got.intent == Intent(gold["intent"]):
            self.correct += 1
        else:
            errors.append(f"intent {got.intent.value} != {gold['intent']}")
        for slot in SLOTS:
            expected, actual = gold.get(slot), getattr(got, slot)
            counts = self.per_slot.setdefault(slot, Counter())
            if actual is not None and actual == expected:
                self.tp += 1
                counts["tp"] += 1
                continue
            if actual is not None:
                self.fp += 1
                counts["fp"] += 1
            if expected is not None:
                self.fn += 1
                counts["fn"] += 1
            if actual is not None or expected is not None:
                errors.append(f"{slot} {actual!r} != {expected!r}")
        return errors

    @property
    def accuracy(self) -> float:
        """Share of utterances whose intent was right."""
        return self.correct / self.total if self.total else 0.0

    @staticmethod
    def f1(tp: int, fp: int, fn: int) -> float:
        """Harmonic mean of precision and recall."""
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def slot_f1(self) -> float:
        """Micro-averaged F1 over all slots."""
        return self.f1(self.tp, self.fp, self.fn)


def load_eval() -> tuple[datetime.date, list[dict[str, Any]]]:
    """The reference date and the labelled utterances."""
    data = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    return data["today"], data["utterances"]


def test_eval_set_is_large_and_balanced() -> None:
    _, utterances = load_eval()
    by_lang = Counter(u["lang"] for u in utterances)
    assert len(utterances) >= 150
    for lang in ("ar", "fr", "en"):
        assert by_lang[lang] >= 40, by_lang
    assert by_lang["darija"] > 0
    for utterance in utterances:
        assert Intent(utterance["intent"])
        assert set(utterance) <= {"lang", "text", "intent", *SLOTS}


@pytest.fixture(scope="module")
def parser() -> BuiltinParser:
    return BuiltinParser()


async def evaluate(nlu: NluParser) -> tuple[Score, list[str]]:
    """Score a parser on the eval set; returns the totals and a printable report."""
    today, utterances = load_eval()
    overall = Score()
    by_lang: dict[str, Score] = {}
    failures: list[str] = []
    for utterance in utterances:
        got = await nlu.parse(utterance["text"], today=today, locale="fr")
        errors = overall.add(utterance, got)
        by_lang.setdefault(utterance["lang"], Score()).add(utterance, got)
        if errors:
            failures.append(f"[{utterance['lang']}] {utterance['text']!r}: {'; '.join(errors)}")
    lines = [
        f"NLU eval ({type(nlu).__name__}) on {overall.total} utterances: "
        f"intent accuracy {overall.accuracy:.3f}, slot F1 {overall.slot_f1:.3f}",
        *(
            f"  {lang:7} n={s.total:3} intent {s.accuracy:.3f} slot F1 {s.slot_f1:.3f}"
            for lang, s in sorted(by_lang.items())
        ),
        *(
            f"  slot {slot:12} F1 {Score.f1(c['tp'], c['fp'], c['fn']):.3f} "
            f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']})"
            for slot, c in overall.per_slot.items()
        ),
        f"  {len(failures)} utterances with an error:",
        *(f"    {line}" for line in failures),
    ]
    return overall, lines


async def test_builtin_parser_meets_eval_thresholds(
    parser: BuiltinParser, capsys: pytest.CaptureFixture[str]
) -> None:
    overall, lines = await evaluate(parser)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert overall.accuracy >= MIN_INTENT_ACCURACY
    assert overall.slot_f1 >= MIN_SLOT_F1


@pytest.mark.skipif(not RASA_URL, reason="set MOUNASABET_TEST_RASA_URL to evaluate a Rasa server")
async def test_rasa_server_meets_eval_thresholds(
    parser: BuiltinParser, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    rasa = RasaParser(RASA_URL or "", fallback=parser, timeout=10)
    try:
        overall, lines = await evaluate(rasa)
    finally:
        await rasa.close()
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    # A fallback would silently measure the built-in parser instead of Rasa.
    assert "built-in parser" not in caplog.text
    assert overall.accuracy >= RASA_MIN_INTENT_ACCURACY
    assert overall.slot_f1 >= RASA_MIN_SLOT_F1
