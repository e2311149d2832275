"""iCalendar (RFC 5545) text for a list of deadlines: one all-day event each.

The writer follows the RFC's content-line rules itself (no third-party library):

- TEXT values are escaped (section 3.3.11): backslash, semicolon and comma get a
  backslash, every line break (CRLF, CR, LF, U+2028, U+2029) becomes the two characters
  ``\\n``, and other control characters are dropped, so a loan number or a note holding
  "\\r\\nSUMMARY:..." stays inside its own property.
- Every line ends with CRLF and is folded at 75 octets (section 3.1): a continuation
  starts with one space, and a fold never splits a UTF-8 character.
- Each event carries reminders (VALARM, section 3.6.6): a display alarm 30 and 7 days
  before the deadline, the intervals of the deadline e-mails, so a subscriber is warned
  by their own calendar app too.
- Each deadline is rendered on its own, inside a guard: a row whose date the format
  cannot carry (before 1900 or after 2199, e.g. a judgment entered as expiring on
  9999-12-31) is left out of the feed and logged once per process, never a 500.
"""

import logging
import re
from datetime import date, timedelta

from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import timezone

from noteinvest.dates import EARLIEST, LATEST

logger = logging.getLogger(__name__)

CRLF = "\r\n"
MAX_OCTETS = 75
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029]")
# Controls the TEXT grammar does not allow (HTAB is allowed): C0 but TAB, DEL, C1.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# What a URI or an identifier value may never hold: any control character or a space.
_UNSAFE_URI = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")

# Rows already reported as left out of a feed (calendar apps poll every few minutes).
_reported: set = set()
_REPORTED_CAP = 10_000


def escape_text(value) -> str:
    """A TEXT property value, escaped per RFC 5545 section 3.3.11."""
    text = str(value)
    text = text.replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
    text = _BREAKS.sub(r"\\n", text)
    return _CONTROLS.sub("", text)


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space), no CRLF.

    Cuts fall between UTF-8 characters, never inside one.
    """
    data = line.encode()
    parts = []
    limit = MAX_OCTETS
    while len(data) > limit:
        cut = limit
        while (data[cut] & 0xC0) == 0x80:  # a continuation byte: step back to the start
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
        limit = MAX_OCTETS - 1  # room for the leading space
    parts.append(data.decode())
    return (CRLF + " ").join(parts)


def _uri(value: str) -> str:
    if _UNSAFE_URI.search(value):
        raise ValueError("a URI with a control character or a space")
    return value


def _day(value: date) -> str:
    if not isinstance(value, date) or not (EARLIEST <= value <= LATEST):
        raise ValueError(f"a date outside {EARLIEST}..{LATEST}: {value!r}")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def event_lines(d, *, stamp: str, host: str, url: str) -> list[str]:
    """The content lines of one deadline's VEVENT; ValueError when it cannot be written."""
    start = _day(d.due_on)
    end = _day(d.due_on + timedelta(days=1)) if d.due_on < LATEST else None
    if end is None:
        raise ValueError(f"a date at the end of the range: {d.due_on!r}")
    return [
        "BEGIN:VEVENT",
        "UID:" + escape_text(f"deadline-{d.pk}-{d.kind}@{host}"),
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{start}",
        f"DTEND;VALUE=DATE:{end}",
        "SUMMARY:" + escape_text(f"{d.get_kind_display()}: loan {d.loan_number} ({d.state_code})"),
        "DESCRIPTION:"
        + escape_text(
            f"{d.note}\nAn estimate: confirm with an attorney licensed in {d.state_code}.\n{url}"
        ),
        "URL:" + _uri(url),
        *alarm_lines(d),
        "END:VEVENT",
    ]


def alarm_lines(d) -> list[str]:
    """A display reminder Deadline.REMINDER_DAYS before the deadline (before its all-day
    start): the intervals of the e-mail reminders."""
    lines = []
    for days in d.REMINDER_DAYS:
        when = "in 1 day" if days == 1 else f"in {days} days"
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER:-P{days}D",
            "DESCRIPTION:"
            + escape_text(f"{d.get_kind_display()} {when}: loan {d.loan_number} ({d.state_code})"),
            "END:VALARM",
        ]
    return lines


def _report_once(d, exc: Exception) -> None:
    key = (d.pk, d.kind, str(getattr(d, "due_on", "")))
    if key in _reported:
        return
    if len(_reported) >= _REPORTED_CAP:
        _reported.clear()
    _reported.add(key)
    logger.warning(
        "Calendar feed: deadline %s (%s, deficiency %s) left out: %s",
        d.pk,
        d.kind,
        d.deficiency_id,
        exc,
    )


def calendar_for(deadlines, request) -> str:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    host = split_domain_port(request.get_host())[0]
    detail = reverse("deficiencies:detail", args=[0]).removesuffix("0/")
    base = request.build_absolute_uri(detail)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//NoteInvest//Deadlines//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:NoteInvest deadlines",
    ]  # fmt: skip
    for d in deadlines:
        try:
            lines += event_lines(d, stamp=stamp, host=host, url=f"{base}{d.deficiency_id}/")
        except Exception as exc:  # noqa: BLE001 - one bad row must not take the feed down
            _report_once(d, exc)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
