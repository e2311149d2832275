"""iCalendar (RFC 5545) text for a list of deadlines: one all-day event each."""

from datetime import date

from django.urls import reverse
from django.utils import timezone


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,").replace("\n", r"\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, data = [], line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        out.append(data[:cut].decode())
        data = b" " + data[cut:]
    out.append(data.decode())
    return "\r\n".join(out)


def calendar_for(deadlines, request) -> str:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    host = request.get_host().split(":")[0]
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//NoteInvest//Deadlines//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:NoteInvest deadlines",
    ]  # fmt: skip
    for d in deadlines:
        url = request.build_absolute_uri(reverse("deficiencies:detail", args=[d.deficiency_id]))
        end = d.due_on.toordinal() + 1
        lines += [
            "BEGIN:VEVENT",
            f"UID:deadline-{d.pk}-{d.kind}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{d.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{date.fromordinal(end):%Y%m%d}",
            "SUMMARY:" + _escape(f"{d.get_kind_display()}: loan {d.loan_number} ({d.state_code})"),
            "DESCRIPTION:"
            + _escape(
                f"{d.note}\nAn estimate: confirm with an attorney licensed in "
                f"{d.state_code}.\n{url}"
            ),
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
