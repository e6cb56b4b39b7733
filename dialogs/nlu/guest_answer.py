"""Reading the answer to "how many guests?": one whole number (or a round one said in words:
"mia", "une centaine"), or a reason it isn't one.

Free text elsewhere may mention a count in passing ("photographer for 200 guests");
here the whole answer must be the count, so nothing is guessed: "-5", "1e9", "10^9" and
"10²" are not counts (the old digit filter read them as 5, 19, 109 and 102), and a range
("2-3", "200 à 300") is a question back, not the larger or the glued-together number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from dialogs.nlu.normalize import normalize, words
from dialogs.nlu.quantities import GUEST_UNITS, alternation

# Words that may come before the number without changing it ("environ 200", "حوالي 200").
APPROXIMATELY: Final = words(
    "environ, à peu près, a peu pres, près de, pres de, about, around, approximately, approx,"
    "roughly, some, حوالي, حوالى, تقريبا, قرابة, نحو, ta9riban, taqriban, chi, ~"
)
RANGE_JOINERS: Final = words(
    "à, a, to, till, until, ou, or, et, and, إلى, الى, أو, او, و, ila, l, wla"
)
RANGE_OPENERS: Final = words("entre, between, from, de, بين, من, mn, bin")

# Longest count we read: one more digit than the domain's bound, so "100000" is "too many"
# and a phone number is "not a count".
_DIGITS: Final = 6
_NUMBER: Final = rf"\d{{1,3}}(?:[ .,]\d{{3}})+|\d{{1,{_DIGITS}}}"
_UNIT: Final = rf"(?:{alternation(GUEST_UNITS)})s?"
_APPROX: Final = rf"(?:(?:{alternation(APPROXIMATELY)})\s*)?"
_ONE: Final = re.compile(
    rf"^{_APPROX}(?P<n>{_NUMBER})(?:\s*(?:de\s+|d\s+)?{_UNIT})?$"
    rf"|^{_UNIT}\s*[:=]?\s*(?P<m>{_NUMBER})$"
)
_RANGE: Final = re.compile(
    rf"^{_APPROX}(?:(?:{alternation(RANGE_OPENERS)})\s+)?\d[\d .,]*"
    rf"\s*(?:[-–—/~]|(?:{alternation(RANGE_JOINERS)})(?!\w))\s*\d[\d .,]*(?:\s*{_UNIT})?$"
)


# Round counts said in words, as people answer "how many?" ("mia", "une centaine",
# "ميتين"): the whole answer, or with a word of approximation or a unit around it.
COUNT_WORDS: Final = {
    **dict.fromkeys(words("cinquantaine, une cinquantaine, fifty, khamsin, خمسين"), 50),
    **dict.fromkeys(
        words("cent, une centaine, centaine, hundred, a hundred, mia, miya, مية, مائة, مئة"), 100
    ),
    **dict.fromkeys(
        words("deux cents, deux centaines, two hundred, miatayn, mitin, ميتين, مئتين, مائتين"), 200
    ),
    **dict.fromkeys(
        words("trois cents, three hundred, tlt mia, tlata mia, تلت مية, ثلاثمائة, ثلاثمئة"), 300
    ),
    **dict.fromkeys(
        words("cinq cents, five hundred, khms mia, khamsmia, خمس مية, خمسمية, خمسمائة"), 500
    ),
    **dict.fromkeys(words("mille, thousand, a thousand, alf, ألف, الف"), 1000),
}
_COUNT_WORD: Final = re.compile(
    rf"^{_APPROX}(?P<w>{alternation(list(COUNT_WORDS))})(?:\s*(?:de\s+|d\s+)?{_UNIT})?$"
)
_COUNTS: Final = {normalize(w): n for w, n in COUNT_WORDS.items()}


class GuestProblem(StrEnum):
    RANGE = "range"  # "2-3", "200 à 300": ask for one number
    UNREADABLE = "unreadable"  # anything that is not one whole number


@dataclass(frozen=True, slots=True)
class GuestAnswer:
    count: int | None = None
    problem: GuestProblem | None = None


def read_guest_answer(text: str) -> GuestAnswer:
    """The count a typed answer gives ("200", "٢٠٠", "200 personnes", "1 200"), else why not.

    The count is not bounded here: how many a service takes is the caller's rule.
    """
    # NFKD (inside normalize) turns "²" into "2": a digit that is not a plain decimal one
    # means the answer is something else (a power, a footnote) before any folding.
    if any(ch.isdigit() and not ch.isdecimal() for ch in text):
        return GuestAnswer(problem=GuestProblem.UNREADABLE)
    norm = normalize(text)
    match = _ONE.match(norm)
    if match is not None:
        digits = re.sub(r"[ .,]", "", match.group("n") or match.group("m"))
        return GuestAnswer(count=int(digits))
    said = _COUNT_WORD.match(norm)
    if said is not None and said.group("w") in _COUNTS:
        return GuestAnswer(count=_COUNTS[said.group("w")])
    if _RANGE.match(norm):
        return GuestAnswer(problem=GuestProblem.RANGE)
    return GuestAnswer(problem=GuestProblem.UNREADABLE)


def read_guest_code(payload: str) -> int | None:
    """The count a guest button carries (``gst:150``): plain ASCII digits only."""
    raw = payload.removeprefix("gst:")
    if not raw or len(raw) > _DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
