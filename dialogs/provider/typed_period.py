"""A period typed at once: "du 1er au 10 août", "from 28 July to 3 August", "من 1 إلى 10
غشت", "1-10/08". A provider asked for the first day of a vacation writes the whole of it;
read as one date, "du 1er au 10 août" closed the 10th alone (a walk, 2026-12-07).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from dialogs.nlu.normalize import normalize

# On normalized text (dialogs/nlu/normalize.py: "à" is "a" there, "إلى" "الي", "حتى"
# "حتي"): what stands between the two days, and before the first ("du", "from", "من").
RANGE_WORDS = r"au|a|to|through|till|until|jusqu au|الي|حتي|ل|l"  # also between two weekdays
_BETWEEN = re.compile(rf"\s+(?:{RANGE_WORDS})\s+|\s*[-–—]\s*")
_BEFORE = re.compile(r"^\s*(?:du|from|de|من|mn|men)\s+")
# A first day given by its number alone ("1er", "1st", "28"): the last day's month.
_DAY_NUMBER = re.compile(r"^\s*(\d{1,2})\s*(?:er|ere|st|nd|rd|th)?\s*$")


def period_parts(text: str) -> tuple[str, str] | None:
    """The text of the first and the last day (normalized), or None when the text names
    one day."""
    parts = _BETWEEN.split(_BEFORE.sub("", normalize(text)), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    return parts[0].strip(), parts[1].strip()


def day_before(first: str, last: date) -> date | None:
    """A first day typed as its number alone, in the last day's month (or the month
    before: "28 au 3 août"); None if it is more than a number or no such day."""
    found = _DAY_NUMBER.match(first)
    if found is None:
        return None
    number = int(found.group(1))
    month_start = last.replace(day=1)
    for start in (month_start, (month_start - timedelta(days=1)).replace(day=1)):
        try:
            day = start.replace(day=number)
        except ValueError:
            continue
        if day <= last:
            return day
    return None
