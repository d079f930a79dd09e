"""Time words in a question -> a window of publication days, against a reference day.

Every question is asked at a reference day (today, an as-of date, the Slack
message's timestamp, a dataset's `asked_at`); nothing published after it is
used. A phrase such as "this week", "in March 2024", "since June" or "3 days
ago" narrows the window further. With no phrase, recency is a prior, not a
cut (see `rag.query.retrieval`); "latest", "current", "now", "still", "the
new X" make the prior stronger and count ages from the newest relevant
article rather than the reference day (see `rag.query.latest`).

The phrases are found with patterns written here, and the date inside "on 5
January" or "since June 2023" is read by `dateparser` relative to the
reference day. What it cannot do: phrases that name an event rather than a
date ("before the election", "after the war") are left alone; "weekend",
seasons and fiscal quarters are not read; a bare day number ("on the 5th")
is not a date; only English.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import cache

from rag.schema import Timeframe

# "jan" -> 1 ... "dec" -> 12: every month name and abbreviation starts with these three letters.
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_YEAR = r"(?:19|20)\d\d"
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_COUNT = r"(?<![\d,.])(\d{1,3}|a|one|two|three|four|five|six|seven|ten)"

# Words that ask for the newest state of things; "new" only after "the", "its", "the club's"... before a
# role or thing ("the new prime minister", "its new name"): "a new study", "the New York Times" do not.
LATEST = re.compile(
    r"\b(latest|current(ly)?|now|recent(ly)?|still|newest|so far|as of|yet)\b"
    r"|\b(the|its|their|his|her|whose|\w+['’]s)\s+new\s+"
    r"(?!(york|jersey|zealand|delhi|england|orleans|mexico|hampshire|south wales|year|start)\b)\w",
    re.IGNORECASE,
)
# "How did X unfold?", "timeline of X", "what changed since June?": dated lines, oldest first.
TIMELINE = re.compile(
    r"\b(timeline|chronology|sequence of events)\b"
    r"|\bhow (did|has|have)\b.{1,80}\b(unfold(ed)?|develop(ed)?|evolve[d]?|progress(ed)?|change[d]?)\b"
    r"|\bwhat (has |have )?changed\b",
    re.IGNORECASE,
)
# "this week" in a news quiz means the days before the reference day, not the calendar week.
WEEK_SPAN = 7


def resolve(question: str, as_of: date) -> Timeframe:
    """The window the question asks about, as of `as_of` (nothing later is ever used)."""
    for pattern, window in _RULES:
        match = pattern.search(question)
        if match is None:
            continue
        found = window(match, as_of)
        if found is None:
            continue
        since, until = found
        until = min(until, as_of)
        if since > until:
            continue
        return Timeframe(
            as_of=as_of, since=since, until=until, phrase=match.group(0).strip(), period=until < as_of
        )
    return Timeframe(as_of=as_of, until=as_of, latest=bool(LATEST.search(question)))


def asks_for_timeline(question: str) -> bool:
    return bool(TIMELINE.search(question))


def without_phrase(question: str, timeframe: Timeframe) -> str:
    """The question with its time phrase taken out: what to search for, not when."""
    if not timeframe.phrase:
        return question
    stripped = re.sub(r"\s{2,}", " ", question.replace(timeframe.phrase, " ")).strip()
    return stripped if any(ch.isalnum() for ch in stripped) else question


def _relative(match: re.Match[str], today: date) -> tuple[date, date] | None:
    word = match.group("which").lower()
    unit = match.group("unit").lower()
    if unit == "week":
        if word in ("this", "past"):
            return today - timedelta(days=WEEK_SPAN), today
        # Last week's events are still being reported this week.
        return today - timedelta(days=today.weekday() + 7), today
    if unit == "month":
        if word in ("this", "past"):
            return (today.replace(day=1) if word == "this" else today - timedelta(days=31)), today
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last + timedelta(days=3)
    if word in ("this", "past"):
        return (today.replace(month=1, day=1) if word == "this" else today - timedelta(days=366)), today
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def _day_word(match: re.Match[str], today: date) -> tuple[date, date]:
    if match.group(0).lower() == "today":
        return today, today
    yesterday = today - timedelta(days=1)
    return yesterday, today


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text.lower()]


def _ago(match: re.Match[str], today: date) -> tuple[date, date]:
    days = _count(match.group(1)) * _UNITS[match.group(2).lower()]
    spread = max(1, days // 7)
    return today - timedelta(days=days + spread), today - timedelta(days=max(0, days - spread))


def _past_n(match: re.Match[str], today: date) -> tuple[date, date]:
    days = _count(match.group(1)) * _UNITS[match.group(2).lower()]
    return today - timedelta(days=days), today


def _month_in(match: re.Match[str], today: date) -> tuple[date, date]:
    month = _month_number(match.group("month"))
    year = int(match.group("year")) if match.group("year") else _latest_year_for(month, today)
    last = calendar.monthrange(year, month)[1]
    # Reports on the month's last days appear in the first days of the next.
    return date(year, month, 1), date(year, month, last) + timedelta(days=3)


def _year_in(match: re.Match[str], today: date) -> tuple[date, date]:
    year = int(match.group("year"))
    return date(year, 1, 1), date(year, 12, 31)


def _on_day(match: re.Match[str], today: date) -> tuple[date, date] | None:
    day = _parse_day(match.group("when"), today)
    return None if day is None else (day, day + timedelta(days=2))


def _since(match: re.Match[str], today: date) -> tuple[date, date] | None:
    text = match.group("when")
    if re.fullmatch(_YEAR, text):
        return date(int(text), 1, 1), today
    month_only = re.fullmatch(rf"(?P<month>{_MONTH})(?:\s+(?P<year>{_YEAR}))?", text, re.IGNORECASE)
    if month_only:
        month = _month_number(month_only.group("month"))
        year = int(month_only.group("year")) if month_only.group("year") else _latest_year_for(month, today)
        return date(year, month, 1), today
    day = _parse_day(text, today)
    return None if day is None else (day, today)


def _month_number(text: str) -> int:
    return MONTHS[text.lower()[:3]]


def _latest_year_for(month: int, today: date) -> int:
    """ "in March" said in January 2024 means March 2023."""
    return today.year if month <= today.month else today.year - 1


def _parse_day(text: str, today: date) -> date | None:
    """A calendar day read by dateparser relative to `today`, preferring the past."""
    parsed = _dateparser().parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": _midnight(today),
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    return parsed.date() if parsed else None


@cache
def _dateparser():
    import dateparser

    return dateparser


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


_DAY_TEXT = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?)"
    rf"(?:,?\s+{_YEAR})?|\d{{4}}-\d\d-\d\d"
)
_RULES = [
    (re.compile(r"\b(?P<which>this|last|past)\s+(?P<unit>week|month|year)\b", re.IGNORECASE), _relative),
    (re.compile(r"\b(today|yesterday)\b", re.IGNORECASE), _day_word),
    (re.compile(rf"\b{_COUNT}\s+(day|week|month|year)s?\s+ago\b", re.IGNORECASE), _ago),
    (re.compile(rf"\b(?:past|last)\s+{_COUNT}\s+(day|week|month|year)s?\b", re.IGNORECASE), _past_n),
    (
        re.compile(
            rf"\bsince\s+(?:the\s+start\s+of\s+)?(?P<when>{_DAY_TEXT}|{_MONTH}(?:\s+{_YEAR})?|{_YEAR})\b",
            re.IGNORECASE,
        ),
        _since,
    ),
    (re.compile(rf"\bon\s+(?P<when>{_DAY_TEXT})\b", re.IGNORECASE), _on_day),
    (
        re.compile(rf"\b(?:in|during|of)\s+(?P<month>{_MONTH})(?:\s+(?P<year>{_YEAR}))?\b", re.IGNORECASE),
        _month_in,
    ),
    (re.compile(rf"\b(?:in|during|of)\s+(?P<year>{_YEAR})\b", re.IGNORECASE), _year_in),
]
