"""Event dates: find date-like spans in normalised text and resolve them against today.

Absolute dates ("14 juin", "June 14", "14/06", "14 يونيو") go to dateparser one short span
at a time. Relative words that dateparser gets wrong or does not know ("après demain" comes
back as tomorrow, "samedi prochain" and "السبت المقبل" as nothing, Darija "ghedda" and
Moroccan month names such as غشت are unknown) are resolved here.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from typing import Final

import dateparser

from dialogs.nlu.normalize import TermMatcher, normalize, words
from dialogs.nlu.quantities import CURRENCY_RE, UNIT_RE, alternation

MONTHS: Final = words(
    "janvier, février, mars, avril, mai, juin, juillet, août, septembre, octobre, novembre,"
    "décembre, janv, fév, févr, avr, juil, sept, oct, nov, déc, january, february, march,"
    "april, may, june, july, august, september, october, november, december, jan, feb, mar,"
    "apr, jun, jul, aug, sep, dec, يناير, فبراير, مارس, أبريل, مايو, يونيو, يونيه, يوليو,"
    "يوليه, أغسطس, سبتمبر, أكتوبر, نوفمبر, ديسمبر, ماي, يوليوز, غشت, شتنبر, نونبر, دجنبر"
)
# Moroccan month names (and ماي) that dateparser's Arabic data lacks -> the MSA names.
MOROCCAN_MONTHS: Final = {
    "ماي": "مايو",
    "يوليوز": "يوليو",
    "غشت": "أغسطس",
    "شتنبر": "سبتمبر",
    "نونبر": "نوفمبر",
    "دجنبر": "ديسمبر",
}
# The same months written in Latin letters, as Darija is typed on WhatsApp ("20 dijanbr")
# -> the French names dateparser reads.
LATIN_DARIJA_MONTHS: Final = {
    **dict.fromkeys(words("yanayr, yennayer, yanayir, ynayr"), "janvier"),
    **dict.fromkeys(words("fbrayr, fbrayer, febrayer, fibrayir"), "février"),
    **dict.fromkeys(words("abril, abrile"), "avril"),
    **dict.fromkeys(words("mayo"), "mai"),
    **dict.fromkeys(words("younyou, yunyu, yonyo, younyo"), "juin"),
    **dict.fromkeys(words("youliouz, yulyuz, yolyoz, youlyouz"), "juillet"),
    **dict.fromkeys(words("ghocht, ghucht, ghoucht, ghusht, ghosht"), "août"),
    **dict.fromkeys(words("chtanbr, chtenber, shtanbir, chtanbir, chtamber"), "septembre"),
    **dict.fromkeys(words("oktobr, oktober, uktubr, ktobr"), "octobre"),
    **dict.fromkeys(words("nouvanbir, nuvanbr, nonbr, nounbir, novanbr, nuwanbr"), "novembre"),
    **dict.fromkeys(
        words("dijanbr, dujanbir, dojanbir, dijanbir, dojanber, dujanbr, dejanbr, dijambr"),
        "décembre",
    ),
}
RELATIVE_DAYS: Final[dict[str, tuple[str, ...]]] = {
    # Past days are read too, so that "hier" is answered "in the past", not "I could not read".
    "-2": words("avant-hier, avant hier, day before yesterday, أول أمس, قبل البارحة, lbare7 lowel"),
    "-1": words("hier, yesterday, أمس, البارحة, امبارح, lbare7, lbareh, lbar7"),
    "0": words(
        "today, tonight, aujourd'hui, ce soir, اليوم, الليلة, lyoum, lyouma, lyoma, had nhar,ليوما"
    ),
    "1": words(
        "tomorrow, demain, غدا, غدوة, غد, الغد, ghedda, ghda, ghdda, ghadda, ghedwa, ghdwa,"
        "ghodwa, بكرة, bokra"
    ),
    "2": words(
        "day after tomorrow, après-demain, après demain, apres demain, بعد غد, بعد غدا,"
        "بعد الغد, بعد غدوة, ba3d ghedda, ba3d ghda, mn ba3d ghedda, من بعد غدا"
    ),
}
WEEKEND: Final = words(
    "weekend, week-end, week end, wiknd, wikend, lwiknd, الويكاند, ويكاند, الويكند, ويكند,"
    "نهاية الأسبوع"
)
WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "0": words("monday, lundi, الاثنين, الإثنين, الاتنين, التنين, tnin, letnin, ltnin"),
    "1": words("tuesday, mardi, الثلاثاء, التلات, ltlat, ttlat, nhar tlat"),
    "2": words("wednesday, mercredi, الأربعاء, الاربع, larb3, larba, larbe3"),
    "3": words("thursday, jeudi, الخميس, lkhmis, lekhmis, khmis"),
    "4": words("friday, vendredi, الجمعة, jem3a, jom3a, jam3a, jm3a, ljem3a, ljom3a, ljm3a"),
    # "The weekend" is read as its Saturday, as "next Saturday" is: the form then shows
    # the day it took, and the free dates, before anything is sent.
    "5": words("saturday, samedi, السبت, sebt, sabt, ssebt, ssabt") + WEEKEND,
    "6": words("sunday, dimanche, الأحد, الحد, l7ed, l7ad, lhed"),
}
# Offset unit -> (English unit for dateparser, count implied by an Arabic dual or None).
OFFSET_UNITS: Final[dict[str, tuple[str, int | None]]] = {
    **dict.fromkeys(words("day, days, jour, jours, يوم, أيام, iyam, ayam"), ("days", None)),
    **dict.fromkeys(
        words("week, weeks, semaine, semaines, أسبوع, أسابيع, simana, simanat"), ("weeks", None)
    ),
    **dict.fromkeys(words("month, months, mois, شهر, أشهر, شهور, chhar, chhour"), ("months", None)),
    "يومين": ("days", 2),
    "أسبوعين": ("weeks", 2),
    "شهرين": ("months", 2),
}
NUMBER_WORDS: Final[dict[str, int]] = {
    **dict.fromkeys(words("a, one, un, une, واحد, wa7ed"), 1),
    **dict.fromkeys(words("two, deux, jouj, joj"), 2),
    **dict.fromkeys(words("three, trois, ثلاثة, ثلاث, tlata"), 3),
    **dict.fromkeys(words("four, quatre, أربعة, reb3a"), 4),
    **dict.fromkeys(words("five, cinq, خمسة, khamsa"), 5),
    **dict.fromkeys(words("six, ستة, setta"), 6),
    **dict.fromkeys(words("ten, dix, عشرة, 3achra"), 10),
}
OFFSET_CUES: Final = words(
    "in, dans, d'ici, within, after, après, بعد, من بعد, من هنا, mn ba3d, men ba3d, mn daba,"
    "men daba, ba3d"
)

# At most this many spans go to dateparser per message, which bounds the cost of long input.
MAX_DATEPARSER_CALLS: Final = 3

_MONTH: Final = rf"(?P<month>{alternation([*MONTHS, *LATIN_DARIJA_MONTHS])})(?!\w)"
_ORDINAL: Final = r"(?:er|st|nd|rd|th|eme|e)?"
_YEAR: Final = r"(?:\s*,?\s*(?P<year>\d{4})(?!\d))?"
_ABSOLUTE: Final = (
    re.compile(
        rf"(?<![\w/.,])(?P<day>\d{{1,2}}){_ORDINAL}\s*(?:(?:of|de|d|من)\s+)?{_MONTH}{_YEAR}"
    ),
    re.compile(rf"(?<!\w){_MONTH}\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\w){_YEAR}"),
    re.compile(
        rf"(?<![\w/.,:])(?P<day>\d{{1,2}})(?P<sep>[/.-])(?P<month>\d{{1,2}})"
        rf"(?:(?P=sep)(?P<year>\d{{4}}|\d{{2}}))?(?![\w/]|[.,:]\d)"
        rf"(?!\s*(?:{CURRENCY_RE}|{UNIT_RE}))"
    ),
)
_OFFSET: Final = re.compile(
    rf"(?<!\w)(?:{alternation(OFFSET_CUES)})\s+"
    rf"(?:(?P<n>\d{{1,3}}|{alternation(list(NUMBER_WORDS))})\s*)?"
    rf"(?P<unit>{alternation(list(OFFSET_UNITS))})(?!\w)"
)
_ARABIC: Final = re.compile(r"[\u0600-\u06ff]")


def _settings(today: datetime.date) -> dict[str, object]:
    """dateparser settings anchored on `today` (noon, so no time-of-day edge cases)."""
    return {
        "RELATIVE_BASE": datetime.datetime.combine(today, datetime.time(12)),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def _dateparser(span: str, today: datetime.date, languages: list[str]) -> datetime.date | None:
    """Run dateparser on one short span, shielding callers from its exceptions."""
    return _dateparser_once(span, today, tuple(languages))


@functools.lru_cache(maxsize=4096)
def _dateparser_once(
    span: str, today: datetime.date, languages: tuple[str, ...]
) -> datetime.date | None:
    # The same few spans ("14 juin", "samedi prochain") come again and again on a given
    # day, and dateparser takes about half a millisecond for each: remember its answers.
    try:
        parsed = dateparser.parse(span, languages=list(languages), settings=_settings(today))
    except Exception:  # dateparser raises assorted errors on odd input; a miss is fine
        return None
    return parsed.date() if parsed is not None else None


def _numeric(day: int, month: int, year: str | None, today: datetime.date) -> datetime.date | None:
    """A date written in digits ("14/06", "14.06.2027", "14-6-27"): the pattern has read
    every part already, so no dateparser (about 2 ms a new span, and every chat types its
    own date); the calendar itself refuses a day its month does not have."""
    # Morocco writes day/month; an impossible month means a US-style month/day.
    if month > 12 >= day:
        day, month = month, day
    if not year:
        return _next_on_or_after(today, month, day) if 1 <= month <= 12 else None
    try:
        return datetime.date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    except ValueError:
        return None


def _next_on_or_after(today: datetime.date, month: int, day: int) -> datetime.date | None:
    """The first (month, day) on or after today; 29 February waits for a leap year."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


class DateExtractor:
    """Date patterns compiled once per parser; `extract` works on normalised text."""

    def __init__(self) -> None:
        self._relative = TermMatcher(RELATIVE_DAYS, inflect=False, strip_article=False)
        self._weekdays = TermMatcher(WEEKDAYS, inflect=False, strip_article=False)
        self._moroccan = {
            normalize(k): v for k, v in (MOROCCAN_MONTHS | LATIN_DARIJA_MONTHS).items()
        }
        self._units = {normalize(k): v for k, v in OFFSET_UNITS.items()}
        self._numbers = {normalize(k): v for k, v in NUMBER_WORDS.items()}

    def warm_up(self) -> None:
        """Load dateparser's language data now rather than on the first client message."""
        today = datetime.date(2000, 1, 1)
        _dateparser("14 juin", today, ["fr", "en"])
        _dateparser("14 يونيو", today, ["ar"])

    def extract(self, text: str, today: datetime.date) -> datetime.date | None:
        """The event date mentioned in normalised text, or None."""
        return self._absolute(text, today) or self._offset(text, today) or self._named(text, today)

    def _absolute(self, text: str, today: datetime.date) -> datetime.date | None:
        """Day-and-month dates, trying the earliest span first."""
        matches = sorted(
            (m for pattern in _ABSOLUTE for m in pattern.finditer(text)), key=lambda m: m.start()
        )
        for match in matches[:MAX_DATEPARSER_CALLS]:
            parsed = self._resolve_absolute(match, today)
            if parsed is not None:
                return parsed
        return None

    def _resolve_absolute(self, match: re.Match[str], today: datetime.date) -> datetime.date | None:
        """Hand one absolute-date match to dateparser and check it kept the day and month."""
        day, month, year = int(match.group("day")), match.group("month"), match.group("year")
        if month.isdigit():
            return _numeric(day, int(month), year, today)
        span = f"{day} {self._moroccan.get(month, month)}" + (f" {year}" if year else "")
        languages = ["ar"] if _ARABIC.search(span) else ["fr", "en"]
        parsed = _dateparser(span, today, languages)
        # dateparser may read a span as something else: reject any answer that lost the
        # day the user wrote.
        if parsed is None or parsed.day != day:
            return None
        # dateparser's "future" skips today; our rule is "on or after today".
        return parsed if year else _next_on_or_after(today, parsed.month, parsed.day)

    def impossible(self, text: str, today: datetime.date) -> bool:
        """Whether normalised text names a day its month does not have ("31 février",
        "30/02", "29 février 2027"): a date the calendar refuses, not one we misread."""
        for match in sorted(
            (m for pattern in _ABSOLUTE for m in pattern.finditer(text)), key=lambda m: m.start()
        )[:MAX_DATEPARSER_CALLS]:
            day, raw, year = int(match.group("day")), match.group("month"), match.group("year")
            month = int(raw) if raw.isdigit() else self._month_number(raw, today)
            if month is None or not 1 <= month <= 12:
                continue
            # Without a year any leap year will do: 29 February is a real, if rare, date.
            in_year = int(year) if year and len(year) == 4 else 2028
            if day == 0 or day > calendar.monthrange(in_year, month)[1]:
                return True
        return False

    def _month_number(self, name: str, today: datetime.date) -> int | None:
        span = f"1 {self._moroccan.get(name, name)}"
        parsed = _dateparser(span, today, ["ar"] if _ARABIC.search(span) else ["fr", "en"])
        return parsed.month if parsed is not None else None

    def _offset(self, text: str, today: datetime.date) -> datetime.date | None:
        """Offsets ("in 10 days", "بعد أسبوعين") via a canonical English phrase for dateparser."""
        match = _OFFSET.search(text)
        if match is None:
            return None
        unit, implied = self._units[match.group("unit")]
        raw = match.group("n")
        count = implied or (int(raw) if raw and raw.isdigit() else self._numbers.get(raw or "", 1))
        return _dateparser(f"in {count} {unit}", today, ["en"])

    def _named(self, text: str, today: datetime.date) -> datetime.date | None:
        """Today/tomorrow/after tomorrow words, else the next named weekday."""
        offset = self._relative.first(text)
        if offset is not None:
            return today + datetime.timedelta(days=int(offset))
        weekday = self._weekdays.first(text)
        if weekday is not None:
            # A bare or "next" weekday means the first one strictly after today.
            ahead = (int(weekday) - today.weekday()) % 7 or 7
            return today + datetime.timedelta(days=ahead)
        return None


@functools.cache
def _extractor() -> DateExtractor:
    return DateExtractor()


def names_impossible_date(text: str, today: datetime.date) -> bool:
    """Whether ``text`` names a day its month does not have ("31 février", "30/02")."""
    return _extractor().impossible(normalize(text), today)
