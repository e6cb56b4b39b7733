"""Times of day as clients type them: "20:30", "16h30", "4pm", "8 pm", "الساعة 4 عشية",
"m3a l3echia" (Darija: in the afternoon), and spans such as "16h-20h" or "de 20h à 23h".

People in Morocco say the hour on a twelve-hour dial and add the part of the day:
"4 d l3echia" is 16:00, "10 d lil" is 22:00, "9 d sba7" is 09:00. A part of the day
alone stands for its usual hour ("m3a l3echia" ≈ 16:00). The words are a small lexicon
here (dialogs), not in core: they are how people talk, not rules of the marketplace.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass
from typing import Final

from dialogs.nlu.normalize import TermMatcher, normalize, words


@dataclass(frozen=True)
class DayPart:
    """A part of the day: how it moves a twelve-hour hour, and its hour when alone."""

    afternoon: bool  # a 1-11 hour is read + 12
    usual_hour: int


DAY_PARTS: Final[dict[str, DayPart]] = {
    "morning": DayPart(afternoon=False, usual_hour=10),
    "afternoon": DayPart(afternoon=True, usual_hour=16),
    "evening": DayPart(afternoon=True, usual_hour=20),
}
DAY_PART_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "morning": words(
        "am, a.m., du matin, le matin, matin, morning, in the morning, sba7, sbah, f sba7,"
        "fe sba7, ssba7, صباحا, الصباح, صباح, فالصباح, الصبح, صبح"
    ),
    "afternoon": words(
        "pm, p.m., de l'après-midi, l'après-midi, après-midi, apres midi, afternoon,"
        "in the afternoon, l3echia, l3chia, 3echia, 3chia, l3achia, la3chia, l3ashiya,"
        "d l3echia, m3a l3echia, عشية, العشية, عشيه, بعد الظهر, بعد الزوال, الزوال"
    ),
    "evening": words(
        "du soir, le soir, soir, soirée, evening, in the evening, at night, night, lil,"
        "f lil, fel lil, d lil, lila, masa2, مساء, المساء, مساءا, ليلا, الليل, فالليل, بالليل"
    ),
}

_HOUR: Final = r"(?P<h>[01]?\d|2[0-3])"
_MARK: Final = r"(?:[:.]|h|heures?|hours?|sa3a|ساعه)"
# "20:30", "20.30", "20h30", "20h", "8 heures", "8 pm": the hour, then maybe minutes.
_CLOCK: Final = re.compile(
    rf"(?<![\w:.,/]){_HOUR}(?:\s*(?P<mark>{_MARK})\s*(?P<m>[0-5]\d)?)?(?![\w/]|[.,:]\d)"
)
# A bare hour counts after "الساعة", "m3a", "à", "at"... or with a part of the day, so
# that "150 invités" or "le 12 juin" is never a time.
# The patterns run on normalized text (dialogs/nlu/normalize.py): "على" is "علي" there,
# "حتى" "حتي" and "إلى" "الي".
_CUE: Final = re.compile(r"(?<!\w)(?:الساعه|ساعه|علي|m3a|ma3a|at|a|vers|around|wa9t|f)\s*$")
_AM_PM: Final = re.compile(r"(?<=\d)(?=[ap]\.?m(?:\.|\b))")
_SPAN_SEP: Final = re.compile(
    r"\s*(?:-|–|\ba\b|\bto\b|\btill\b|\buntil\b|\bjusqu a\b|\bl\b|\b(?:h|7)?ta\b|حتي|الي|ل)\s*"
)
# "من 21 حتى 2", "de 21 à 2", "from 21 to 2": bare hours said as a span, which count
# when one of them is past noon (a 24-hour reading); "de 4 à 8" stays unread (morning?).
_FROM: Final = re.compile(r"(?<!\w)(?:من|mn|men|de|from|entre|between)\s*$")
# "5 ديال العشية", "8 d lil": the word tying an hour to its part of the day.
_OF: Final = re.compile(r"(?<!\w)(?:ديال|dyal|dial|d)(?!\w)")
_MATCHER: Final = TermMatcher(DAY_PART_WORDS, inflect=False, strip_article=False)


def read_time(text: str) -> datetime.time | None:
    """The time of day a message names, or None when it names none clearly."""
    norm = _AM_PM.sub(" ", normalize(text))
    if not norm:
        return None
    if norm.isdigit() and int(norm) < 24:  # the whole answer is an hour: "20"
        return datetime.time(int(norm))
    part = DAY_PARTS.get(_MATCHER.first(norm) or "")
    for match in _CLOCK.finditer(norm):
        cued = _CUE.search(norm[: match.start()]) is not None
        if match.group("mark") or cued or part:
            return _on_the_dial(int(match.group("h")), int(match.group("m") or 0), part)
    return datetime.time(part.usual_hour) if part else None


def read_span(text: str) -> tuple[datetime.time, datetime.time] | None:
    """A start and an end ("16h-20h", "de 20h à 23h30", "de 4 à 8 du soir",
    "من 21 حتى 2"), or None."""
    norm = _AM_PM.sub(" ", normalize(text))
    part = DAY_PARTS.get(_MATCHER.first(norm) or "")
    clocks = list(_CLOCK.finditer(norm))
    for first, second in itertools.pairwise(clocks):
        between = norm[first.end() : second.start()]
        # "4 pm to 8", "5 ديال العشية حتى 8": the parts of the day are not separators
        if not _SPAN_SEP.fullmatch(_OF.sub(" ", _MATCHER.pattern.sub(" ", between))):
            continue
        past_noon = max(int(first.group("h")), int(second.group("h"))) > 12
        from_cue = _FROM.search(norm[: first.start()]) is not None
        if not (first.group("mark") or second.group("mark") or part or (from_cue and past_noon)):
            continue
        # Each hour may say its own part ("5 de l'après-midi à 8 du soir"); one said once
        # is for both ("de 4 à 8 du soir").
        start_part = DAY_PARTS.get(_MATCHER.first(between) or "") or part
        end_part = DAY_PARTS.get(_MATCHER.first(norm[second.end() :]) or "") or part
        start = _on_the_dial(int(first.group("h")), int(first.group("m") or 0), start_part)
        end = _on_the_dial(int(second.group("h")), int(second.group("m") or 0), end_part)
        return (start, end) if start != end else None
    return None


def _on_the_dial(hour: int, minute: int, part: DayPart | None) -> datetime.time:
    """A twelve-hour ``hour`` moved by the part of the day ("4 pm" 16:00, "12 am" 00:00)."""
    if part is not None and hour <= 12:
        if part.afternoon and hour < 12:
            hour += 12
        elif not part.afternoon and hour == 12:
            hour = 0
    return datetime.time(hour % 24, minute)


def minutes_between(start: datetime.time, end: datetime.time) -> int:
    """Minutes from ``start`` to ``end``, past midnight when ``end`` comes earlier."""
    delta = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return delta if delta > 0 else delta + 24 * 60
