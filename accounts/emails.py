"""One spelling of an e-mail address for lookup, storage and the log-in lockout.

PostgreSQL's case-insensitive match (UPPER/LOWER) and Python's lower() disagree on some
characters: 'bigbusinesſ.com' (long s) matches 'bigbusiness.com' in the database but
not in a lower-cased lockout key, so a locked account could be reached under another
spelling. Every comparison therefore goes through `normalize_email`: Unicode NFKC
(compatibility forms such as ligatures and full-width letters), then casefold ('ſ' is
's', 'ß' is 'ss', 'K' (Kelvin sign) is 'k'), then NFKC again so the result is stable
(normalizing a normalized address changes nothing), and surrounding whitespace removed.
Stored addresses are normalized (User.clean, the manager, a data migration), so lookups
are exact matches on the normalized value, never __iexact.
"""

import unicodedata


def normalize_email(value) -> str:
    """The address as stored and compared: NFKC, casefolded, NFKC again, stripped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return unicodedata.normalize("NFKC", text.casefold()).strip()
