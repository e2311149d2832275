"""Store every e-mail address in its normalized spelling (see accounts.emails).

Lookups are now exact matches on the normalized value, so an address stored in another
spelling ('Owner@Example.com', 'bigbusinesſ.com') would no longer be found. Two accounts
whose addresses normalize to the same value cannot both be kept: the migration stops and
names them, and changes nothing, so that someone decides which account stays.
"""

import unicodedata
from collections import defaultdict

from django.db import migrations


def _normalize(value):
    # A frozen copy of accounts.emails.normalize_email as of this migration.
    text = unicodedata.normalize("NFKC", str(value or ""))
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def normalize_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = list(User.objects.order_by("pk").values_list("pk", "email"))
    by_key = defaultdict(list)
    for pk, email in rows:
        by_key[_normalize(email)].append((pk, email))
    clashes = {key: found for key, found in by_key.items() if len(found) > 1}
    if clashes:
        lines = [
            f"  {key!r}: "
            + ", ".join(f"user id {pk} ({email!r})" for pk, email in found)
            for key, found in sorted(clashes.items())
        ]
        raise RuntimeError(
            "Cannot normalize e-mail addresses: these accounts would share one address.\n"
            + "\n".join(lines)
            + "\nChange or merge them by hand (nothing was changed), then migrate again."
        )
    too_long = [(pk, email) for pk, email in rows if len(_normalize(email)) > 254]
    if too_long:
        raise RuntimeError(
            "Cannot normalize e-mail addresses: longer than 254 characters once normalized: "
            + ", ".join(f"user id {pk} ({email!r})" for pk, email in too_long)
        )
    changed = [(pk, _normalize(email)) for pk, email in rows if _normalize(email) != email]
    # Through a placeholder, so no intermediate state trips the case-insensitive unique index.
    for pk, _new in changed:
        User.objects.filter(pk=pk).update(email=f"normalizing-{pk}@invalid")
    for pk, new in changed:
        User.objects.filter(pk=pk).update(email=new)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]

    operations = [migrations.RunPython(normalize_emails, migrations.RunPython.noop)]
