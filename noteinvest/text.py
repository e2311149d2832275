"""Text hygiene: control characters refused on input, spreadsheet formulas neutralized on export.

Input: a NUL byte is refused everywhere (noteinvest.middleware answers 400 before a view
runs); other control characters are refused in identifiers and one-line fields
(`single_line`) and allowed only as line breaks and tabs in multi-line text (`multi_line`).

Export: a CSV cell that starts with =, +, -, @, a tab or a carriage return is read as a
formula by Excel and LibreOffice. `spreadsheet_safe` prefixes such text with a single quote
(OWASP's rule for CSV injection); numbers the app formats itself are written as they are.
"""

import re

from django.core.exceptions import ValidationError

# C0 controls and DEL, and the C1 controls; line breaks and tabs are handled separately. Also
# the invisible text-direction marks and overrides (U+200E/F, U+202A-E, U+2066-9): "RLO" makes
# a name or a figure print backwards in a document while it reads right in the form.
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_CONTROL_BUT_BREAKS = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def has_control_characters(value: str, *, allow_breaks: bool = False) -> bool:
    pattern = _CONTROL_BUT_BREAKS if allow_breaks else _CONTROL
    return bool(pattern.search(value))


def spelled_out(value: str) -> str:
    """`value` with every control character written as its escape (\\x00, \\u2028), for
    showing or storing what was refused (PostgreSQL's text and JSON refuse NUL)."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], value)


def single_line(value) -> None:
    """Validator: no control characters at all (names, numbers, identifiers)."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            "Remove the control characters (line breaks, tabs and other invisible characters).",
            code="control_characters",
        )


def multi_line(value) -> None:
    """Validator: line breaks and tabs allowed, other control characters not."""
    if isinstance(value, str) and has_control_characters(value, allow_breaks=True):
        raise ValidationError(
            "Remove the invisible control characters from the text.",
            code="control_characters",
        )


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def looks_like_formula(value: str) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


__all__ = [
    "FORMULA_STARTS",
    "has_control_characters",
    "looks_like_formula",
    "multi_line",
    "single_line",
    "spreadsheet_safe",
]
