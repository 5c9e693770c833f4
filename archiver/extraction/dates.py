"""Dates as Libyan news pages write them: ISO/RFC values, datelines, Arabic mastheads, relative times.

Pure functions: no I/O, no printing, no state. Month names, era suffixes, AM/PM words and relative-time
units are the named tables below (docs/sites.md, 'Dates across the outlets'); the regexes are built from them
once, at import.
Arabic matching runs on a folded copy of the text (digits to ASCII, tatweel and harakat removed, alef/yeh/
teh-marbuta variants unified, lower case), so each table lists a spelling once per real variant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

__all__ = ["LIBYA_TZ", "find_date", "normalise_digits", "parse_date"]

LIBYA_TZ: tzinfo = ZoneInfo("Africa/Tripoli")

# --- Month tables, one per naming system (docs/sites.md#dates-across-the-outlets). ------------------------------
STANDARD_MONTHS: dict[str, int] = {  # Egyptian / "standard", used by Libyan sites today
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونية": 6,
    "يونيه": 6, "يوليو": 7, "يولية": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10,
    "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
}  # fmt: skip
LEVANTINE_MONTHS: dict[str, int] = {  # Syriac names
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
    "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
}  # fmt: skip
MAGHREB_MONTHS: dict[str, int] = {  # Algeria / Tunisia
    "جانفي": 1, "فيفري": 2, "مارس": 3, "أفريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "أوت": 8,
    "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
}  # fmt: skip
MOROCCAN_MONTHS: dict[str, int] = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ماي": 5, "يونيو": 6, "يوليوز": 7, "غشت": 8,
    "شتنبر": 9, "أكتوبر": 10, "نونبر": 11, "دجنبر": 12,
}  # fmt: skip
# Libyan Jamahiriya names (1986-2011). Several are ordinary words (الماء water, الصيف summer, الطير birds)
# or a personal name (ناصر), so they only count as months between a day number and a year number.
JAMAHIRIYA_MONTHS: dict[str, int] = {
    "أي النار": 1, "أين النار": 1, "آي النار": 1, "النوار": 2, "الربيع": 3, "الطير": 4, "الماء": 5,
    "الصيف": 6, "ناصر": 7, "هانيبال": 8, "هنيبال": 8, "الفاتح": 9, "التمور": 10, "الحرث": 11, "الكانون": 12,
}  # fmt: skip
ENGLISH_MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# ربيع الأول/الآخر are Hijri months, never March: they live here, apart from the Jamahiriya الربيع.
HIJRI_MONTHS: dict[str, int] = {
    "محرم": 1, "المحرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع أول": 3, "ربيع الآخر": 4, "ربيع الثاني": 4,
    "ربيع آخر": 4, "ربيع ثاني": 4, "جمادى الأولى": 5, "جمادى الأول": 5, "جمادى الآخرة": 6, "جمادى الثانية": 6,
    "جمادى الآخر": 6, "جمادى الثاني": 6, "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10, "ذو القعدة": 11,
    "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
}  # fmt: skip

# --- Other named tables. ------------------------------------------------------------------------------------
# Year suffixes. "م"/"ف" mark Gregorian years; "و.ر" (وفاة الرسول) counts from the Prophet's death in 632.
YEAR_ERAS: dict[str, str] = {
    "م": "gregorian", "ميلادي": "gregorian", "ميلادية": "gregorian", "ف": "gregorian", "ad": "gregorian",
    "هـ": "hijri", "هجري": "hijri", "هجرية": "hijri", "و.ر": "death", "م.و.ر": "death", "ور": "death",
    "مور": "death",
}  # fmt: skip
# Gregorian year = year + 632 ("1369 و.ر" = 2001, "1376" = 2008 on Libyan pages). The count starts at the death
# (June 632), so dates early in a Jamahiriya year may really belong to +631: an accepted ±1 ambiguity.
DEATH_ERA_OFFSET = 632
AM_WORDS: tuple[str, ...] = ("صباحا", "صباحاً", "صباح", "ص", "am", "a.m.", "a.m")
PM_WORDS: tuple[str, ...] = ("مساء", "مساءً", "مساءا", "م", "pm", "p.m.", "p.m")  # "م" after a TIME is PM
UTC_WORDS: tuple[str, ...] = ("z", "gmt", "utc", "بتوقيت غرينتش", "بتوقيت جرينتش", "غرينتش", "جرينتش")
# Separators between a date and its time ("13 أغسطس 2020, 08:57", "31 مارس، 2016 على الساعة 13:17").
TIME_SEPARATORS: tuple[str, ...] = (
    ",", "،", "|", "@", "t", "-", "–", "—", "at", "على الساعة", "الساعة", "في",
)  # fmt: skip
# Relative-time units: word -> (relativedelta field, count the word itself implies). Singular forms imply 1,
# duals 2; plurals imply nothing, so "منذ ساعات" (hours ago, no number) is too vague and gives None.
RELATIVE_UNITS: dict[str, tuple[str, int | None]] = {
    "ثانية": ("seconds", 1), "ثوان": ("seconds", None), "ثواني": ("seconds", None),
    "ثانيتين": ("seconds", 2), "ثانيتان": ("seconds", 2),
    "دقيقة": ("minutes", 1), "دقائق": ("minutes", None), "دقايق": ("minutes", None),
    "دقيقتين": ("minutes", 2), "دقيقتان": ("minutes", 2),
    "ساعة": ("hours", 1), "ساعات": ("hours", None), "ساعتين": ("hours", 2), "ساعتان": ("hours", 2),
    "يوم": ("days", 1), "يوما": ("days", None), "أيام": ("days", None), "يومين": ("days", 2),
    "يومان": ("days", 2),
    "أسبوع": ("weeks", 1), "أسابيع": ("weeks", None), "أسبوعين": ("weeks", 2), "أسبوعان": ("weeks", 2),
    "شهر": ("months", 1), "أشهر": ("months", None), "شهور": ("months", None), "شهرين": ("months", 2),
    "شهران": ("months", 2),
    "سنة": ("years", 1), "سنوات": ("years", None), "سنين": ("years", None), "سنتين": ("years", 2),
    "سنتان": ("years", 2), "عام": ("years", 1), "أعوام": ("years", None), "عاما": ("years", None),
    "عامين": ("years", 2), "عامان": ("years", 2),
    "second": ("seconds", 1), "sec": ("seconds", 1), "minute": ("minutes", 1), "min": ("minutes", 1),
    "hour": ("hours", 1), "hr": ("hours", 1), "day": ("days", 1), "week": ("weeks", 1),
    "month": ("months", 1), "year": ("years", 1),
}  # fmt: skip
RELATIVE_PREFIXES: tuple[str, ...] = ("منذ", "قبل", "حوالي")  # "حوالي" (about) only as a whole value
DAYS_BACK_WORDS: dict[str, int] = {
    "أول أمس": 2, "أول من أمس": 2, "أمس": 1, "الأمس": 1, "بالأمس": 1, "البارحة": 1, "yesterday": 1,
    "منذ قليل": 0, "قبل قليل": 0, "just now": 0, "moments ago": 0,
}  # fmt: skip
WHOLE_VALUE_NOW_WORDS: tuple[str, ...] = ("اليوم", "الآن", "today", "now")  # only as the whole value
MIN_YEAR = 1900

# --- Normalisation (str.replace chains: far faster than str.translate on long Arabic text). -----------------
# ٫ is the Arabic decimal mark and ٬ the thousands mark: ASCII forms keep "١٠٫٠٠٠" one number-like token.
_DIGIT_PAIRS: tuple[tuple[str, str], ...] = (
    *((chr(0x0660 + i), str(i)) for i in range(10)), *((chr(0x06F0 + i), str(i)) for i in range(10)),
    ("\u066b", "."), ("\u066c", ","), ("\u0640", ""),
)  # fmt: skip
_LETTER_PAIRS: tuple[tuple[str, str], ...] = (
    ("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ی", "ي"), ("ة", "ه"), ("ک", "ك"),
    ("،", ","),
)  # fmt: skip
# Harakat, tanween and dagger alef; joiners and bidi marks that PDF and HTML text carry.
_IGNORABLE = re.compile("[\u064b-\u065f\u0670\u200c-\u200f\u061c\ufeff]+")


def _replace_all(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        if old in text:
            text = text.replace(old, new)
    return text


def normalise_digits(text: str) -> str:
    """Eastern Arabic (U+0660-0669) and Persian (U+06F0-06F9) digits to ASCII, ٫ to '.', ٬ to ',';
    tatweel (U+0640) removed. Nothing else changes."""
    return text if text.isascii() else _replace_all(text, _DIGIT_PAIRS)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return _IGNORABLE.sub("", _replace_all(normalise_digits(text), _LETTER_PAIRS)).lower()


# --- Regexes, built from the tables. ------------------------------------------------------------------------
_Trie = dict[str, "_Trie"]
_SPACES = re.compile(r"\s+")


def _alternation(words: Iterable[str], dots_optional: bool = False, guard: bool = False) -> str:
    """The words as a trie-shaped alternation: the engine tests a few first letters, not every word."""
    trie: _Trie = {}
    for word in {_SPACES.sub(" ", _fold(w)) for w in words}:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # end of a word

    def piece(char: str) -> str:
        if char == " ":
            return r"\s+"
        return r"\.?\s?" if char == "." and dots_optional else re.escape(char)

    def emit(node: _Trie) -> str:
        branches = [piece(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "|".join(branches)
        return f"(?:{body})?" if "" in node else (f"(?:{body})" if len(branches) > 1 else body)

    if not guard:
        return emit(trie)
    # Mid-pattern, a one-character class in front rejects most positions with a single bitmap test.
    first = "".join(sorted(re.escape(char) if char != " " else r"\s" for char in trie))
    return f"(?=[{first}]){emit(trie)}"


def _folded(*tables: Mapping[str, int]) -> dict[str, int]:
    return {_SPACES.sub(" ", _fold(name)): number for table in tables for name, number in table.items()}


_NAMED_MONTHS = _folded(STANDARD_MONTHS, LEVANTINE_MONTHS, MAGHREB_MONTHS, MOROCCAN_MONTHS, ENGLISH_MONTHS)
GREGORIAN_MONTHS: dict[str, int] = {**_NAMED_MONTHS, **_folded(JAMAHIRIYA_MONTHS)}  # all systems, merged
_JAMAHIRIYA = _folded(JAMAHIRIYA_MONTHS)
_HIJRI = _folded(HIJRI_MONTHS)
_ERAS = {re.sub(r"[\s.]", "", _fold(k)): v for k, v in YEAR_ERAS.items()}
_PM = {_fold(word).rstrip(".") for word in PM_WORDS}
_UNITS = {_fold(k): v for k, v in RELATIVE_UNITS.items()}
_DAYS_BACK = {_SPACES.sub(" ", _fold(k)): v for k, v in DAYS_BACK_WORDS.items()}

_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_ERA = rf"(?:\s*(?P<era>{_alternation(YEAR_ERAS, dots_optional=True)}){_NOT_LETTER_AFTER})?"
_SEPARATOR = rf"(?:\s*(?:{_alternation(TIME_SEPARATORS)})?\s*){{1,2}}"
_TAIL = (
    rf"(?:{_SEPARATOR}(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?:[.,](?P<frac>\d+))?)?"
    rf"(?!\d)(?:\s*(?P<ampm>{_alternation(AM_WORDS + PM_WORDS)}){_NOT_LETTER_AFTER})?"
    r"(?:\s?(?P<offset>[+-](?:\d\d:?\d\d|\d{1,2}))(?!\d))?)?"
    rf"(?:\s*(?P<tzname>{_alternation(UTC_WORDS)}){_NOT_LETTER_AFTER}(?P<tzoffset>[+-]\d{{1,2}}(?::?\d\d)?)?)?"
)
# Each pattern starts by consuming a digit or a letter (its boundary look-behind comes after that first
# character) so the regex engine can skip ahead to possible starts instead of trying every position.
_YEAR = r"(?P<year>\d{4})(?!\d)"
_DAY_MONTH_YEAR = re.compile(  # "13 أغسطس 2020", "16صفر 1438هـ", "28th, May 2025", "1 من سبتمبر 2020"
    rf"(?P<day>\d(?<![\d:]\d)\d?+)(?:st|nd|rd|th)?+[\s,]*+(?:[-–/][\s]*+)?+(?:(?:of|من)\s++)?+"
    rf"(?P<month>(?>{_alternation([*GREGORIAN_MONTHS, *_HIJRI], guard=True)})){_NOT_LETTER_AFTER}[\s.,\-–/]*+"
    rf"{_YEAR}{_ERA}{_TAIL}"
)
# "March 31, 2022", "أغسطس 2, 2020", "Jul 13th, 2024" (never Jamahiriya names): the day and year are matched
# first and the month looked up just before them, which is far cheaper than trying month names everywhere.
_DAY_YEAR = re.compile(rf"(?P<day>\d(?<![\d:]\d)\d?+)(?!\d)(?:st|nd|rd|th)?+[\s,]*+{_YEAR}{_ERA}{_TAIL}")
_MONTH_BEFORE = re.compile(rf"(?P<month>{_alternation(_NAMED_MONTHS)}){_NOT_LETTER_AFTER}\.?\s*\Z")
_MONTH_BEFORE_SPAN = 64  # longest name ("كانون الثاني") plus a dot and (indentation) spaces
_NUMERIC_DMY = re.compile(  # "10.11.2016", "01 / 05/ 2022م", "07/03/13" (two-digit years only with "/")
    r"(?P<day>\d(?<![\d./:]\d)\d?+)\s?+(?P<sep>[./-])\s?+(?P<month>\d\d?+)\s?+(?P=sep)\s?+"
    rf"(?P<year>\d{{4}}|(?<=/)\d\d)(?!\d|[./]\d){_ERA}{_TAIL}"
)
_NUMERIC_YMD = re.compile(  # ISO 8601 and "2020/10/22"
    r"(?P<year>\d(?<![\d./:]\d)\d{3})\s?+(?P<sep>[./-])\s?+(?P<month>\d\d?+)\s?+(?P=sep)\s?+(?P<day>\d\d?+)"
    rf"(?!\d|[./]\d){_ERA}{_TAIL}"
)
_YEAR_LIKE = re.compile(r"\d(?:\d{3}|/\d\d(?!\d|[./]\d))")
_YEAR_REACH = 1000  # a match starts at most this far before its year (day, month name, markup indentation)
_AGO_ARABIC = re.compile(  # "منذ ساعتين", "منذ 2 أيام", "قبل يومين", "حوالي 6 سنوات"
    rf"(?P<prefix>{_alternation(RELATIVE_PREFIXES)})\s*(?P<count>\d+)?\s*(?P<unit>{_alternation(_UNITS)})"
    rf"{_NOT_LETTER_AFTER}"
)
_AGO_ENGLISH = re.compile(rf"(?P<count>\d+|an?|one)\s+(?P<unit>{_alternation(_UNITS)})s?\s+ago(?![a-z])")
_DAYS_BACK_WORDS = re.compile(rf"(?P<word>{_alternation(_DAYS_BACK)}){_NOT_LETTER_AFTER}")
_WHOLE_NOW = re.compile(rf"\s*(?:{_alternation(WHOLE_VALUE_NOW_WORDS)})\s*")


def _starts_word(text: str, start: int) -> bool:
    """True unless the match begins inside a word; a glued conjunction (ومنذ, فمنذ) still starts one."""
    if start > 0 and text[start - 1] in "وف":
        start -= 1
    return start == 0 or not (text[start - 1].isalpha() or text[start - 1] == "_")


# --- Conversion helpers. ------------------------------------------------------------------------------------
class _Candidate(NamedTuple):
    hijri: bool  # a Hijri-only reading ranks after any Gregorian one ("... الموافق 17 نوفمبر 2016م")
    start: int
    moment: datetime


def _hijri_to_gregorian(year: int, month: int, day: int) -> date:
    """Tabular (arithmetical, civil epoch) Islamic calendar; may differ from sighting-based dates by a day."""
    if not (1 <= month <= 12 and 1 <= day <= 30 and year >= 1):
        raise ValueError("not a Hijri date")
    julian_day = day + -(-(59 * (month - 1)) // 2) + (year - 1) * 354 + (3 + 11 * year) // 30 + 1948439
    return date.fromordinal(julian_day - 1721425)


def _era_key(era: str) -> str:
    return re.sub(r"[\s.]", "", era)


def _zone(match: re.Match[str]) -> tzinfo:
    offset = match.group("offset") or match.group("tzoffset")
    if offset:
        digits = offset[1:].replace(":", "")
        hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
        delta = timedelta(hours=hours, minutes=minutes) * (-1 if offset[0] == "-" else 1)
        return UTC if not delta else timezone(delta)
    return UTC if match.group("tzname") else LIBYA_TZ


def _build(match: re.Match[str], ymd: tuple[int, int, int], month_name: str, max_year: int) -> datetime:
    """The datetime a match denotes; ValueError when it is no real date or its year is implausible."""
    year, month, day = ymd
    era = _ERAS.get(_era_key(match.group("era") or ""), "")
    if year < 100:  # two-digit years only come from d/m/yy
        year += 2000 if 2000 + year <= max_year else 1900
    if month_name in _NAMED_MONTHS and era == "hijri":
        raise ValueError("a Gregorian month name with a Hijri year")
    if month_name in _HIJRI or era == "hijri":
        day_date = _hijri_to_gregorian(year, month, day)
    else:
        if era == "death" or (month_name in _JAMAHIRIYA and year < MIN_YEAR and not era):
            year += DEATH_ERA_OFFSET  # Jamahiriya dates often print the death-era year without its suffix
        day_date = date(year, month, day)
    if not MIN_YEAR <= day_date.year <= max_year:  # LANA's "31 January 2106" and the like
        raise ValueError("implausible year")
    hour = int(match.group("hour") or 0)
    ampm = (match.group("ampm") or "").rstrip(".")
    if ampm and hour <= 12:
        hour = hour % 12 + (12 if ampm in _PM else 0)
    frac = match.group("frac")
    return datetime(
        day_date.year, day_date.month, day_date.day, hour, int(match.group("minute") or 0),
        int(match.group("second") or 0), int(frac[:6].ljust(6, "0")) if frac else 0, tzinfo=_zone(match),
    )  # fmt: skip


def _read(match: re.Match[str], folded: str, dayfirst: bool, max_year: int) -> _Candidate:
    pattern, start, day, year, month_name = match.re, match.start(), int(match["day"]), int(match["year"]), ""
    if pattern is _DAY_YEAR:
        before = _MONTH_BEFORE.search(folded, max(0, start - _MONTH_BEFORE_SPAN), start)
        if before is None or not _starts_word(folded, before.start()):
            raise ValueError("no month before the day")
        start, month_name = before.start(), _SPACES.sub(" ", before.group("month"))
        month = _NAMED_MONTHS[month_name]
    elif pattern is _DAY_MONTH_YEAR:
        month_name = _SPACES.sub(" ", match.group("month"))
        month = _HIJRI.get(month_name) or GREGORIAN_MONTHS[month_name]
    else:
        month = int(match.group("month"))
        if pattern is _NUMERIC_DMY and not dayfirst:
            day, month = month, day
        if month > 12 >= day:  # only one reading is possible
            day, month = month, day
    moment = _build(match, (year, month, day), month_name, max_year)
    hijri = month_name in _HIJRI or _ERAS.get(_era_key(match.group("era") or "")) == "hijri"
    return _Candidate(hijri, start, moment)


def _absolute(folded: str, dayfirst: bool, max_year: int) -> datetime | None:
    """The first Gregorian reading, else the first Hijri one. Scanning starts shortly before the first
    year-like number and stops shortly after the first Gregorian date found (a date with its time is short);
    look-behinds still see the text before the scan's start."""
    first_year = _YEAR_LIKE.search(folded)
    if first_year is None:  # every pattern needs a year: skip digit-dense text without one
        return None
    begin = max(0, first_year.start() - _YEAR_REACH)
    best: _Candidate | None = None
    for pattern in (_DAY_MONTH_YEAR, _NUMERIC_DMY, _NUMERIC_YMD, _DAY_YEAR):
        end = len(folded) if best is None or best.hijri else min(len(folded), best.start + _YEAR_REACH * 2)
        for match in pattern.finditer(folded, begin, end):
            try:
                candidate = _read(match, folded, dayfirst, max_year)
            except (ValueError, OverflowError):
                continue
            if best is None or (candidate.hijri, candidate.start) < (best.hijri, best.start):
                best = candidate
            if not candidate.hijri:
                break
    return best.moment if best else None


def _relative(folded: str, reference: datetime, whole_value: bool) -> datetime | None:
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=LIBYA_TZ)
    if whole_value and _WHOLE_NOW.fullmatch(folded):
        return reference
    found: list[tuple[int, datetime]] = []
    for match in _DAYS_BACK_WORDS.finditer(folded):
        if _starts_word(folded, match.start()):
            days = _DAYS_BACK[_SPACES.sub(" ", match.group("word"))]
            found.append((match.start(), reference - timedelta(days=days)))
            break
    for pattern in (_AGO_ARABIC, _AGO_ENGLISH) if "ago" in folded else (_AGO_ARABIC,):
        for match in pattern.finditer(folded):
            raw = match.group("count") or ""
            if not (raw.isdigit() or _starts_word(folded, match.start())):
                continue
            if match.groupdict().get("prefix") == "حوالي" and not whole_value:
                continue  # "about six hours" in running text is a duration, not a time stamp
            unit, implied = _UNITS[match.group("unit")]
            count = int(raw) if raw.isdigit() else implied
            if count is None:
                continue
            found.append((match.start(), reference - relativedelta(**{unit: count})))  # type: ignore[arg-type]
            break
    return min(found, key=lambda item: item[0])[1] if found else None


def _best(text: str, reference: datetime | None, dayfirst: bool, whole_value: bool) -> datetime | None:
    try:
        folded = _fold(text)
        max_year = (reference or datetime.now(LIBYA_TZ)).year + 1
        moment = _absolute(folded, dayfirst, max_year)
        if moment is not None:
            return moment
        return _relative(folded, reference, whole_value) if reference is not None else None
    except Exception:  # the contract is "never raises": odd input yields None, not a crashed extraction
        return None


def parse_date(text: str, *, reference: datetime | None = None, dayfirst: bool = True) -> datetime | None:
    """Parse one date(time) value (a dateline, a <time> text, a meta value, an ISO or RFC 2822 string).

    Returns an aware datetime: the text's own zone or offset when it gives one (Z/GMT/UTC as UTC), else
    Africa/Tripoli; None when no date can be read. Relative values ("منذ ساعتين", "أمس", "20 hours ago")
    are resolved against `reference` (naive means Libya time) and give None without it. Never raises.
    """
    if not isinstance(text, str):
        return None
    return _best(text, reference, dayfirst, whole_value=True)


def find_date(text: str, *, reference: datetime | None = None) -> datetime | None:
    """The first date in a longer text (dateline, masthead, byline), day-first; a Gregorian date wins over
    a Hijri one ("16 صفر 1438هـ الموافق 17 نوفمبر 2016م" gives 17 November). Relative phrases count only
    when no absolute date is present and `reference` is given. Never raises."""
    if not isinstance(text, str):
        return None
    return _best(text, reference, dayfirst=True, whole_value=False)
