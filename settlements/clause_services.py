"""Writes for the clause library's pages (settlements.library is the engine): an attorney's
draft of a clause, its approval and its withdrawal; what is wrong with a draft, in words an
attorney can act on; a preview of a draft rendered with sample terms; the redline between
two versions.

Each write locks the clause's versions, checks that the page it came from is still what the
clause is (a token of the version the form was based on), checks the wording, and writes. A
clause has one open draft at a time (a constraint on `ClauseVersion`); an approved version
is never changed: the next edit is the next version.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from noteinvest.text import has_control_characters
from portfolios.choices import US_STATES
from settlements import clauses, library
from settlements.models import ClauseStatus, ClauseVersion
from settlements.redline import compare

KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_KEY = 60
MAX_NOTE = 2_000
POSITION = (1, 99_999)
# Keys that would clash with the library's own pages (clauses/new/, clauses/preview/).
RESERVED_KEYS = frozenset({"new", "preview"})
KIND_LABELS = {"dpo": "DPO", "short_sale": "Short sale"}
INSTRUMENT_LABELS = {
    "": "Any instrument",
    "mortgage": "Mortgage",
    "deed_of_trust": "Deed of trust",
    "security_deed": "Security deed",
}
# The words the review checks read in the rendered document (services.checks_for): a clause
# of these slots must keep them.
KEPT_WORDS = {
    "waiver": (clauses.WAIVER_RELEASE, "the waiver section"),
    "senior-approval": (clauses.SENIOR_APPROVAL, "a junior lien's short sale"),
}
EDITED = ("title", "body", "kinds", "states", "instrument", "when", "position", "required",
          "active", "note")  # fmt: skip


class ClauseError(ValueError):
    """A request the clause's state does not allow; the message says why."""


class ClauseInvalid(ClauseError):
    """The wording or settings are refused: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for ms in errors.values() for m in ms))


class StaleClause(ClauseError):
    """The clause changed since the page was opened: `current` is what it is now (another
    attorney's draft or approved version), to show beside what was typed."""

    def __init__(self, current: ClauseVersion | None, message: str):
        self.current = current
        super().__init__(message)


# --- reading -------------------------------------------------------------------------------


def versions_of(key: str) -> list[ClauseVersion]:
    return list(
        ClauseVersion.objects.filter(key=key)
        .select_related("drafted_by", "approved_by")
        .order_by("number")
    )


def current_of(versions) -> ClauseVersion | None:
    """The approved version new drafts use (the latest approved), or None."""
    approved = [v for v in versions if v.status == ClauseStatus.APPROVED]
    return approved[-1] if approved else None


def draft_of(versions) -> ClauseVersion | None:
    return next((v for v in versions if v.status == ClauseStatus.DRAFT), None)


def basis_of(versions) -> ClauseVersion | None:
    """What an edit starts from: the open draft, else the current version, else the latest
    (a new clause whose draft was withdrawn)."""
    return draft_of(versions) or current_of(versions) or (versions[-1] if versions else None)


def token(version: ClauseVersion | None) -> str:
    """Identifies a version as a page showed it: its number and a digest of its words,
    settings and status. A form carries it; a write refuses any other."""
    if version is None:
        return "new"
    state = [version.number, version.status, version.drafted_by_id]
    state += [getattr(version, f) for f in EDITED]
    digest = hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()
    return f"{version.number}-{digest[:16]}"


def data_of(version: ClauseVersion) -> dict:
    """A version's editable fields, as a form's initial data."""
    return {f: getattr(version, f) for f in EDITED}


# --- checking a draft ----------------------------------------------------------------------


def newlines(text: str) -> str:
    """Line breaks as LF: a browser sends a textarea's as CR LF, and the library splits
    paragraphs on blank lines of LF alone."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def problems(data: dict, *, key: str, slot: str, current: ClauseVersion | None) -> dict:
    """What is wrong with a clause's draft, per field ({} when nothing is). `current` is the
    clause's approved version (None for a new clause)."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    title = data.get("title") or ""
    body = data.get("body") or ""
    if not title.strip():
        add("title", "Give the clause a title.")
    elif len(title) > library.MAX_TITLE:
        add("title", f"At most {library.MAX_TITLE:,} characters.")
    elif has_control_characters(title):
        add(
            "title",
            "Remove the control characters (line breaks, tabs and other invisible characters).",
        )
    if slot == "waiver" and title and title != clauses.WAIVER_TITLE:
        add(
            "title",
            f"The waiver's title stays “{clauses.WAIVER_TITLE}”: the document boxes that "
            "section and the review checks look for it.",
        )
    if len(body) > library.MAX_BODY:
        add("body", f"At most {library.MAX_BODY:,} characters.")
    elif has_control_characters(body, allow_breaks=True):
        add("body", "Remove the invisible control characters from the text.")
    else:
        for message in library.body_errors(body):
            add("body", message)
        kept = KEPT_WORDS.get(slot)
        if kept and kept[0] not in " ".join(body.split()):
            add(
                "body",
                f"A clause of the “{slot}” slot must keep the words “{kept[0]}”: the "
                f"review checks look for them in the document ({kept[1]}).",
            )
    kinds = list(data.get("kinds") or [])
    if not kinds:
        add("kinds", "Choose at least one document.")
    elif not set(kinds) <= set(library.KINDS):
        add("kinds", "Choose among the documents listed.")
    states = list(data.get("states") or [])
    if not set(states) <= set(US_STATES):
        add("states", "Choose among the states listed.")
    if (data.get("instrument") or "") not in library.INSTRUMENTS:
        add("instrument", "Choose among the instruments listed.")
    if (data.get("when") or "") not in library.conditions():
        add("when", "Choose among the conditions listed.")
    position = data.get("position")
    if not isinstance(position, int) or not POSITION[0] <= position <= POSITION[1]:
        add("position", f"A whole number from {POSITION[0]} to {POSITION[1]:,}.")
    note = data.get("note") or ""
    if not note.strip():
        add("note", "Say why this version: the history keeps it.")
    elif len(note) > MAX_NOTE:
        add("note", f"At most {MAX_NOTE:,} characters.")
    elif has_control_characters(note, allow_breaks=True):
        add("note", "Remove the invisible control characters from the text.")
    kept_field = KEPT_FIELDS.get(slot)
    if kept_field and "{" + kept_field + "}" not in body:
        add(
            "body",
            f"A clause of the “{slot}” slot must keep the field {{{kept_field}}}: the review "
            "checks the days it prints against the state's deadline.",
        )
    if current is not None and current.required and data.get("required"):
        narrowed = _narrowed(data, current)
        if narrowed:
            add(
                narrowed,
                "A required clause keeps the documents, states, instrument and condition it "
                "applies to (or widens them). To narrow it, first approve a version that is "
                "not required.",
            )
    if data.get("required") and not errors.get("body") and not errors.get("kinds"):
        for kind in data.get("kinds") or []:
            if not _renders_for(data, kind):
                add(
                    "body",
                    f"This required clause would be left out of every {KIND_LABELS[kind]} "
                    "agreement: a field it uses does not apply to that document.",
                )
    if not data.get("active") and (data.get("required") or (current and current.required)):
        add(
            "active",
            "A required clause cannot be taken out of use. To take it out, first "
            "approve a version that is not required.",
        )
    if not errors.get("states") and not errors.get("kinds"):
        other = _same_facts(data, key=key, slot=slot)
        if other is not None:
            add(
                "states",
                f"“{other.title}” ({other.key}), a clause of the same slot, already "
                "applies to the same documents, states and instrument: give this one "
                "other states or another instrument.",
            )
    return errors


# Fields a clause of these slots must keep: the review checks read the agreement's own value.
KEPT_FIELDS = {
    "release-of-lien": "lien_release_days",
    "short-sale-release-of-lien": "lien_release_days",
}


def _narrowed(data: dict, current: ClauseVersion) -> str:
    """The first setting in which `data` applies to fewer documents than `current` does."""
    if not set(current.kinds) <= set(data.get("kinds") or []):
        return "kinds"
    states = set(data.get("states") or [])
    if states and (not current.states or not set(current.states) <= states):
        return "states"
    if (data.get("instrument") or "") not in ("", current.instrument):
        return "instrument"
    if (data.get("when") or "always") not in ("always", current.when):
        return "when"
    return ""


def _renders_for(data: dict, kind: str) -> bool:
    """Whether the clause prints in a document of `kind` whose facts meet its condition."""
    states = list(data.get("states") or [])
    state = states[0] if states else "NY"
    instrument = data.get("instrument") or ("deed_of_trust" if state == "CA" else "mortgage")
    when = data.get("when") or "always"
    terms = sample_terms(kind, state, instrument, when)
    if not library.conditions()[when].fn(terms):
        return True  # its condition never holds for this kind: nothing to leave out
    entry = {"title": data.get("title") or "", "body": data.get("body") or ""}
    return library.render_clause(entry, terms) is not None


# Conditions that never hold together: clauses of one slot under these never compete.
EXCLUSIVE = {
    frozenset({"before_liquidation", "after_liquidation"}),
    frozenset({"junior_lien", "first_lien"}),
}


def _same_facts(data: dict, *, key: str, slot: str) -> ClauseVersion | None:
    """Another clause of the slot, in use, that could apply to the same document as this
    one, just as specifically (the library could not tell which to use): a document in
    common, the same instrument, both for every state or for a state in common, and
    conditions that can hold together."""
    if not data.get("active", True):
        return None
    states = set(data.get("states") or [])
    latest: dict[str, ClauseVersion] = {}
    approved = ClauseVersion.objects.filter(slot=slot, status=ClauseStatus.APPROVED)
    for v in approved.exclude(key=key).order_by("key", "number"):
        latest[v.key] = v
    when = data.get("when") or "always"
    for v in latest.values():
        if not v.active or frozenset({v.when, when}) in EXCLUSIVE:
            continue
        if v.instrument != (data.get("instrument") or ""):
            continue
        if not set(v.kinds) & set(data.get("kinds") or []):
            continue
        theirs = set(v.states)
        if (not theirs and not states) or (theirs & states):
            return v
    return None


def _check(data, *, key, slot, current):
    errors = problems(data, key=key, slot=slot, current=current)
    if errors:
        raise ClauseInvalid(errors)


def key_problems(key: str, variant_of: str = "") -> dict:
    errors: dict[str, list[str]] = {}
    if len(key) > MAX_KEY:
        errors["key"] = [f"At most {MAX_KEY} characters."]
    elif not KEY.fullmatch(key):
        errors["key"] = [
            "Lowercase letters, digits and single hyphens between them, like “notice-of-sale-ca”."
        ]
    elif key in RESERVED_KEYS:
        errors["key"] = [f"“{key}” is the name of a page: choose another key."]
    elif ClauseVersion.objects.filter(key=key).exists():
        errors["key"] = [f"A clause with the key “{key}” exists: choose another key."]
    if variant_of and not ClauseVersion.objects.filter(slot=variant_of).exists():
        errors["variant_of"] = ["Choose a clause of the library."]
    return errors


def slots() -> list[tuple[str, str]]:
    """(slot, the title of its clause) for every slot of the library, in document order."""
    seen: dict[str, str] = {}
    for v in ClauseVersion.objects.order_by("position", "slot", "key", "number"):
        if v.slot not in seen or v.key == v.slot:
            seen[v.slot] = v.title
    return list(seen.items())


# --- writing -------------------------------------------------------------------------------


def _locked(key: str) -> list[ClauseVersion]:
    return list(ClauseVersion.objects.select_for_update().filter(key=key).order_by("number"))


def save_draft(*, key: str, data: dict, based_on: str, by, slot: str | None = None):
    """Write the clause's one open draft: create it, or update it when the clause has one.
    `based_on` is the token of the version the form was opened on; another attorney's
    change since (a draft saved, approved or withdrawn) is refused with StaleClause. `slot`
    is given for a new clause (its own key, or the slot it is a variant of)."""
    try:
        with transaction.atomic():
            versions = _locked(key)
            if slot is None and not versions:
                raise ClauseError("No such clause.")
            if slot is not None and versions:
                raise StaleClause(
                    basis_of(versions),
                    f"A clause with the key “{key}” was just created by someone else.",
                )
            basis = basis_of(versions)
            if not based_on:
                raise StaleClause(
                    basis,
                    "The form did not say which version it was based on: nothing was saved. "
                    "The clause as it is now is shown below; save again to replace it with "
                    "your text.",
                )
            if token(basis) != based_on:
                raise StaleClause(basis, _stale_message(basis))
            slot = versions[0].slot if versions else slot
            data = {**data, "body": newlines(data["body"]), "note": newlines(data["note"])}
            _check(data, key=key, slot=slot, current=current_of(versions))
            draft = draft_of(versions)
            values = {f: data[f] for f in EDITED}
            if draft is None:
                number = versions[-1].number + 1 if versions else 1
                draft = ClauseVersion(key=key, slot=slot, number=number)
            for name, value in values.items():
                setattr(draft, name, value)
            draft.status = ClauseStatus.DRAFT
            draft.drafted_by = by
            draft.drafted_at = timezone.now()
            draft.save()
            return draft
    except IntegrityError:  # a clause or a draft written at the same moment
        raise StaleClause(
            basis_of(versions_of(key)),
            "Another attorney saved this clause at the same moment: read their text below.",
        ) from None


def _stale_message(current: ClauseVersion | None) -> str:
    if current is None:
        return "This clause changed since you opened it."
    who = current.approved_by if current.status == ClauseStatus.APPROVED else current.drafted_by
    what = {
        ClauseStatus.DRAFT: f"saved the draft (version {current.number})",
        ClauseStatus.APPROVED: f"approved version {current.number}",
        ClauseStatus.WITHDRAWN: f"withdrew the draft (version {current.number})",
    }[current.status]
    name = who.email if who else "Someone"
    return (
        f"{name} {what} after you opened this page: nothing was saved. Their text is shown "
        "below and yours is kept in the form; save again to replace theirs with yours."
    )


def approval_refusal(draft: ClauseVersion, by) -> str:
    """Why `by` may not approve this draft ("" when they may): the wording of every future
    agreement takes two attorneys, like an agreement's review (settlements.models.
    review_refusal): not the one who drafted it, and nobody who also holds Staff."""
    from noteinvest.access import Role, has_role

    if draft.drafted_by_id == by.pk:
        return "You drafted this version: another attorney approves it."
    if has_role(by, Role.STAFF):
        return "You also hold Staff: an attorney who does not approves clause wording."
    return ""


def approve(*, key: str, based_on: str, by) -> ClauseVersion:
    """The open draft becomes the clause's current version: new drafts of agreements use it
    at once. Refused when the page showed another draft (or none is open)."""
    with transaction.atomic():
        versions = _locked(key)
        if not versions:
            raise ClauseError("No such clause.")
        draft = _the_draft_shown(versions, based_on, "approve")
        refusal = approval_refusal(draft, by)
        if refusal:
            raise ClauseError(refusal)
        _check(data_of(draft), key=key, slot=draft.slot, current=current_of(versions))
        draft.status = ClauseStatus.APPROVED
        draft.approved_by = by
        draft.approved_at = timezone.now()
        draft.save(update_fields=["status", "approved_by", "approved_at"])
        return draft


def withdraw(*, key: str, based_on: str, by) -> ClauseVersion:
    """The open draft is withdrawn: kept in the history, never used."""
    with transaction.atomic():
        versions = _locked(key)
        if not versions:
            raise ClauseError("No such clause.")
        draft = _the_draft_shown(versions, based_on, "withdraw")
        draft.status = ClauseStatus.WITHDRAWN
        draft.save(update_fields=["status"])
        return draft


def _the_draft_shown(versions, based_on: str, action: str) -> ClauseVersion:
    draft = draft_of(versions)
    if draft is None:
        raise ClauseError(
            f"Nothing to {action}: this clause has no draft awaiting approval any more "
            "(another attorney approved or withdrew it). Reload the page."
        )
    if token(draft) != based_on:
        raise ClauseError(
            f"The draft changed since you opened the page (version {draft.number} was saved "
            f"again by {draft.drafted_by.email if draft.drafted_by else 'someone'}): read it "
            f"again before you {action} it."
        )
    return draft


# --- showing -------------------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    field: str = ""  # a named field's name: shown as a chip
    description: str = ""


def chips(body: str) -> list[list[Segment]]:
    """A body's paragraphs, each as text and named-field segments (for the chips)."""
    known = library.fields()
    out = []
    for paragraph in re.split(r"\n[ \t]*\n", body):
        if not paragraph.strip():
            continue
        text = " ".join(line.strip() for line in paragraph.strip().splitlines())
        segments, at = [], 0
        for m in library.PLACEHOLDER.finditer(text):
            if m.start() > at:
                segments.append(Segment(text[at : m.start()]))
            name = m.group(1)
            described = known.get(name)
            segments.append(
                Segment("{" + name + "}", name, described.description if described else "")
            )
            at = m.end()
        if at < len(text):
            segments.append(Segment(text[at:]))
        out.append(segments)
    return out


def plain(version) -> str:
    """A version as lines for the redline: its title, settings and text."""
    states = ", ".join(version.states) or "every state"
    condition = library.conditions().get(version.when)
    lines = [
        f"Title: {version.title}",
        "Documents: " + ", ".join(KIND_LABELS.get(k, k) for k in version.kinds),
        f"States: {states}",
        f"Instrument: {INSTRUMENT_LABELS.get(version.instrument, version.instrument)}",
        "Used when: " + (condition.description if condition else version.when),
        f"Position: {version.position}",
        "Required: " + ("yes" if version.required else "no"),
        "In use: " + ("yes" if version.active else "no (taken out)"),
    ]
    lines += [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", version.body) if p.strip()]
    return "\n".join(lines)


def before(versions, version) -> ClauseVersion | None:
    """The version `version` replaces (or replaced): the latest approved one before it."""
    earlier = [
        v for v in versions if v.number < version.number and v.status == ClauseStatus.APPROVED
    ]
    return earlier[-1] if earlier else None


def diff(versions, version):
    """The redline of `version` against the one before it (everything inserted for a first
    version)."""
    old = before(versions, version)
    return old, compare(plain(old) if old else "", plain(version))


# --- the preview -----------------------------------------------------------------------------


@dataclass
class Preview:
    kind: str
    state: str
    instrument: str
    condition: str
    title: str = ""
    paragraphs: list = field(default_factory=list)
    left_out: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def state_name(self) -> str:
        return US_STATES.get(self.state, self.state)

    @property
    def instrument_label(self) -> str:
        return INSTRUMENT_LABELS[self.instrument].lower()


INSTRUMENT_OF_STATE = {"CA": "deed_of_trust", "GA": "security_deed"}


def preview(data: dict) -> list[Preview]:
    """The draft rendered for each document it is for, with sample terms for its first
    state (New York when it is for every state), its instrument (the state's usual one when
    any) and facts that meet its condition."""
    kinds = [k for k in data.get("kinds") or [] if k in library.KINDS]
    states = [s for s in data.get("states") or [] if s in US_STATES]
    state = states[0] if states else "NY"
    instrument = data.get("instrument") or INSTRUMENT_OF_STATE.get(state, "mortgage")
    if instrument not in INSTRUMENT_LABELS or not instrument:
        instrument = "mortgage"
    when = data.get("when") or "always"
    entry = {
        "key": "preview", "slot": "preview", "version": 0, "title": data.get("title") or "",
        "body": data.get("body") or "", "kinds": kinds, "states": states,
        "instrument": instrument, "when": when, "position": 0, "required": False,
    }  # fmt: skip
    out = []
    for kind in kinds:
        terms = sample_terms(kind, state, instrument, when)
        shown = Preview(kind, state, instrument, when)
        rendered = (
            library.render_clause(entry, terms) if library.applies_when(entry, terms) else None
        )
        if rendered is None or not rendered[1]:
            shown.left_out = True
        else:
            shown.title, shown.paragraphs = rendered
        out.append(shown)
    return out


def sample_terms(kind: str, state: str, instrument: str, when: str = "always") -> dict:
    """Realistic terms of a draft agreement, as settlements.terms.terms_for writes them,
    for the preview: a $212,480.57 payoff on a 2010 note, two borrowers, facts that meet
    the condition `when` (a junior lien, a liquidation, installments, a hardship, a debt
    collector)."""
    today = timezone.localdate()

    def on(days):
        return (today + timedelta(days=days)).isoformat()

    junior = when == "junior_lien"
    after = when == "after_liquidation"
    installments = (
        [{"due_on": on(45), "amount": "50000.00"}, {"due_on": on(75), "amount": "50000.00"}]
        if when == "installments"
        else []
    )
    county = {"NY": "Albany", "CA": "Sacramento", "GA": "Fulton", "LA": "Orleans"}.get(
        state, "Franklin"
    )
    terms = {
        "number": "SA-2026-0001",
        "version": 1,
        "kind": kind,
        "agreement_date": today.isoformat(),
        "holder_name": "Riverside Note Fund I, LLC",
        "holder_address": "100 Main St, Suite 400\nAlbany, NY 12207",
        "holder_notice_email": "notices@riverside.example",
        "holder_signatory": {"name": "Dana Reyes", "title": "Managing Member"},
        "borrowers": [
            {
                "name": "Kowalczyk, Thomas J.",
                "mailing_address": "PO Box 77, Troy, NY 12180",
                "signing_name": "Thomas J. Kowalczyk",
                "notice_address": "PO Box 77, Troy, NY 12180",
                "email": "tk@example.com",
            },
            {
                "name": "Kowalczyk, Maria",
                "mailing_address": "",
                "signing_name": "Maria Kowalczyk",
                "notice_address": "12 Oak St, Springfield",
                "email": "",
            },
        ],  # fmt: skip
        "loan_number": "RB-0010",
        "note_date": "2010-05-01",
        "original_balance": "240000.00",
        "property": {
            "address": "12 Oak St",
            "city": "Springfield",
            "state": state,
            "zip": "12203",
            "county": county,
        },  # fmt: skip
        "governing_state": state,
        "governing_state_name": US_STATES.get(state, state),
        "security": {
            "kind": instrument,
            "label": INSTRUMENT_LABELS[instrument].lower(),
            "recorded_on": "2010-05-14",
            "recording_reference": "Instrument No. 2010-0123456",
            "county": county,
        },
        "payoff": {
            "as_of": today.isoformat(),
            "principal": "198250.00",
            "deferred_principal": "0.00",
            "interest": "12730.57",
            "fees": "500.00",
            "costs": "1000.00",
            "advances": "0.00",
            "suspense": "0.00",
            "total": "212480.57",
        },  # fmt: skip
        "good_through": today.isoformat(),
        "per_diem": "33.04",
        "lien_position": 2 if junior else 1,
        "senior_lienholder": "First Bank, N.A." if junior else "",
        "liquidation": None,
        "settlement_amount": "100000.00" if kind == "dpo" else None,
        "lump_sum_due": None if installments else on(45),
        "installments": installments,
        "payment_method": "Wire transfer",
        "payment_instructions": "To the account in the holder's signed wire letter",
        "offer_expires_on": on(30),
        "lien_release_days": 30,
        "cure_days": 15,
        "minimum_net_proceeds": "150000.00" if kind == "short_sale" else None,
        "listing_signed_by": on(14) if kind == "short_sale" else None,
        "offer_forward_days": 3,
        "closing_deadline": on(120) if kind == "short_sale" else None,
        "relocation_amount": None,
        "hardship": "the loss of Mr. Kowalczyk's job in March" if when == "hardship" else "",
        "holder_is_debt_collector": when == "debt_collector",
        "riders": [],
    }
    if after:
        terms["liquidation"] = {
            "event": "foreclosure sale", "date": on(-60), "debt_before": "212480.57",
            "credited": "150000.00", "recovered": "0.00", "basis": "", "citation": "",
            "judgment_on": None, "judgment_amount": None, "judgment_rate": None,
            "fair_market_value": None, "deficiency": "62480.57",
        }  # fmt: skip
        terms["payoff"]["total"] = "62480.57"
        terms["per_diem"] = "0.00"
        terms["settlement_amount"] = "30000.00" if kind == "dpo" else None
    if kind == "short_sale":  # the approval's terms (settlements.terms._sale), per condition
        foreclosure = {
            "foreclosure_postponed": "postponed",
            "foreclosure_not_postponed": "not_postponed",
        }.get(when, "none_scheduled")
        terms["sale"] = {
            "buyer": "Maria Santos and Luis Santos", "contract_price": "180000.00",
            "contract_date": on(-5), "estimated_statement_on": on(-2),
            "commission_cap_percent": "6.000", "commission_cap_amount": None,
            "closing_costs_cap": "4500.00",
            "junior_liens_cap": "6000.00" if when == "senior_with_junior_liens" else None,
            "junior_lienholders": ["Second Street Credit Union"]
            if when == "senior_with_junior_liens" else [],
            "senior_approval_on": None, "senior_approval_reference": "",
            "arms_length_affidavit": True, "foreclosure": foreclosure,
            "foreclosure_sale_on": None if foreclosure == "none_scheduled" else on(60),
        }  # fmt: skip
    return terms
