"""The clause library: the agreement's wording as records attorneys own.

A clause is a title and a body: paragraphs separated by a blank line, with `{named_field}`
placeholders the app fills from the agreement's terms (FIELDS says what each one is). Each
edit is a new version of the clause (`ClauseVersion`); an attorney approves it before new
drafts use it. Which clauses a document gets: every approved, active clause for its kind
whose condition (`when`) holds; of the clauses sharing a slot (variants: a state's wording, a
deed of trust's), the most specific one that applies (state, then instrument, then none).

A draft's terms carry the chosen clause versions (`terms["clauses"]`: key, version, title,
body), so a frozen version renders from the wording it was frozen with, whatever the library
says later. Versions frozen before the library have no such key: they render from the
seed's legacy clauses (settlements/data/clauses/*.toml, version 1, `legacy = true`), which is
the wording they were frozen with.

`sections(terms)` is the one source of the numbered sections for the HTML, the PDF and the
redline.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "data" / "clauses"
KINDS = ("dpo", "short_sale")
INSTRUMENTS = ("", "mortgage", "deed_of_trust", "security_deed")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
MAX_TITLE = 160
MAX_BODY = 20_000
RIDER_PREFIX = "Rider: "
RIDER_STANDING = (
    "This rider is part of this agreement. Where it conflicts with another section, this "
    "rider controls."
)


# --- named fields and conditions -----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    fn: object  # terms -> str | list[str] | None (None: the clause is left out)


@dataclass(frozen=True)
class Condition:
    name: str
    description: str
    fn: object  # terms -> bool


def _registry():
    from settlements import clauses

    fields = dict(clauses.FIELDS)
    conditions = dict(clauses.CONDITIONS)
    try:  # the short-sale approval's fields, when that module is present
        from settlements import sale_fields
    except ImportError:  # pragma: no cover - present on main
        sale_fields = None
    if sale_fields is not None:
        fields.update(getattr(sale_fields, "FIELDS", {}))
        conditions.update(getattr(sale_fields, "CONDITIONS", {}))
    return (
        {n: Field(n, d, f) for n, (d, f) in fields.items()},
        {n: Condition(n, d, f) for n, (d, f) in conditions.items()},
    )


@lru_cache(maxsize=1)
def registry():
    return _registry()


def fields() -> dict[str, Field]:
    return registry()[0]


def conditions() -> dict[str, Condition]:
    return registry()[1]


# --- checking an attorney's wording --------------------------------------------------------


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def body_errors(body: str) -> list[str]:
    """What is wrong with a clause body, in words an attorney can act on."""
    errors = []
    known = fields()
    unknown = sorted({n for n in placeholders(body) if n not in known})
    if unknown:
        errors.append(
            "Unknown field(s): "
            + ", ".join("{" + n + "}" for n in unknown)
            + ". Use only the fields listed beside the text."
        )
    stray = PLACEHOLDER.sub("", body)
    if "{" in stray or "}" in stray:
        errors.append(
            "Braces are used only around a field's name, like {loan_number}; remove the others."
        )
    for paragraph in _paragraphs(body):
        names = placeholders(paragraph)
        lists = [n for n in names if n in known and getattr(known[n], "fn", None) in _LIST_FIELDS]
        if lists and paragraph.strip() != "{" + lists[0] + "}":
            errors.append(
                "{" + lists[0] + "} gives several paragraphs: put it alone in its paragraph."
            )
    if not body.strip():
        errors.append("Write the clause's text.")
    return errors


_LIST_FIELDS: set = set()


def list_field(fn):
    """Marks a field function that gives several paragraphs."""
    _LIST_FIELDS.add(fn)
    return fn


# --- the seed and the legacy wording ---------------------------------------------------------


def seed_entries() -> list[dict]:
    """Every clause in the seed files, with defaults filled in, in file order."""
    out = []
    for path in sorted(SEED_DIR.glob("*.toml")):
        with path.open("rb") as f:
            data = tomllib.load(f)
        for raw in data.get("clause", []):
            out.append(normalized(raw))
    return out


def normalized(raw: dict) -> dict:
    return {
        "key": raw["key"],
        "slot": raw.get("slot") or raw["key"],
        "version": int(raw.get("version", 1)),
        "legacy": bool(raw.get("legacy", False)),
        "title": raw["title"],
        "kinds": list(raw.get("kinds") or KINDS),
        "states": list(raw.get("states") or []),
        "instrument": raw.get("instrument") or "",
        "when": raw.get("when") or "always",
        "position": int(raw.get("position", 0)),
        "required": bool(raw.get("required", False)),
        "body": raw["body"].strip("\n"),
    }


@lru_cache(maxsize=1)
def _legacy() -> tuple:
    return tuple(e for e in seed_entries() if e["legacy"] and e["version"] == 1)


def legacy_clauses(terms: dict) -> list[dict]:
    """The clauses a version frozen before the library was rendered with."""
    kind = terms["kind"]
    chosen = [e for e in _legacy() if kind in e["kinds"] and applies_when(e, terms)]
    return sorted(chosen, key=lambda e: e["position"])


# --- choosing and rendering ------------------------------------------------------------------


def applies_when(entry: dict, terms: dict) -> bool:
    condition = conditions().get(entry.get("when") or "always")
    return bool(condition and condition.fn(terms))


def _specificity(entry: dict) -> tuple[int, int]:
    return (1 if entry["states"] else 0, 1 if entry["instrument"] else 0)


def choose(entries, terms: dict) -> list[dict]:
    """Of the approved, active clauses, those this document gets, in order."""
    kind = terms["kind"]
    state = terms.get("governing_state") or ""
    instrument = (terms.get("security") or {}).get("kind") or ""
    by_slot: dict[str, dict] = {}
    for e in entries:
        if kind not in e["kinds"]:
            continue
        if e["states"] and state not in e["states"]:
            continue
        if e["instrument"] and e["instrument"] != instrument:
            continue
        if not applies_when(e, terms):
            continue
        best = by_slot.get(e["slot"])
        if best is None or _specificity(e) > _specificity(best):
            by_slot[e["slot"]] = e
    return sorted(by_slot.values(), key=lambda e: (e["position"], e["key"]))


def _paragraphs(body: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", body) if p.strip()]


def render_clause(entry: dict, terms: dict) -> tuple[str, list[str]] | None:
    """A clause as (title, paragraphs) for these terms; None when a field it uses does not
    apply to them (the clause is left out)."""
    known = fields()
    values = {}
    for name in set(placeholders(entry["body"])):
        field = known.get(name)
        value = field.fn(terms) if field else f"[{name}]"
        if value is None:
            return None
        values[name] = value
    out = []
    for paragraph in _paragraphs(entry["body"]):
        names = placeholders(paragraph)
        if len(names) == 1 and paragraph.strip() == "{" + names[0] + "}":
            value = values[names[0]]
            out.extend(p for p in (value if isinstance(value, list) else [value]) if p)
            continue
        text = " ".join(line.strip() for line in paragraph.strip().splitlines())
        text = PLACEHOLDER.sub(lambda m: _as_text(values[m.group(1)]), text)
        if text.strip():
            out.append(text)
    return entry["title"], out


def _as_text(value) -> str:
    return " ".join(value) if isinstance(value, list) else value


def sections(terms: dict) -> list[tuple[str, list[str]]]:
    entries = terms["clauses"] if "clauses" in terms else legacy_clauses(terms)
    out = []
    for entry in entries:
        rendered = render_clause(entry, terms)
        if rendered is not None and rendered[1]:
            out.append(rendered)
    for rider in terms.get("riders") or []:
        out.append(
            (RIDER_PREFIX + rider["title"], [RIDER_STANDING, *_paragraphs_of_rider(rider["body"])])
        )
    return out


def _paragraphs_of_rider(body: str) -> list[str]:
    # A browser sends line breaks as CR LF: a blank line is a paragraph break either way.
    return [" ".join(p.split()) for p in _paragraphs(body.replace("\r\n", "\n"))]


# --- loading the seed into the database ------------------------------------------------------


def sync_seed(ClauseVersion) -> int:
    """Add every seed clause version the database lacks (by key and number), approved as
    seeded wording; never changes a version already there, and never adds one to a clause an
    attorney has drafted. Data migrations call it with
    their historical model; returns how many were added."""
    have = set(ClauseVersion.objects.values_list("key", "number"))
    # A clause an attorney has drafted is theirs: a later seed never adds a version on top of
    # their wording (it would become current without their approval).
    owned = set(
        ClauseVersion.objects.filter(drafted_by__isnull=False).values_list("key", flat=True)
    )
    added = 0
    for e in seed_entries():
        if (e["key"], e["version"]) in have or e["key"] in owned:
            continue
        ClauseVersion.objects.create(
            key=e["key"],
            slot=e["slot"],
            number=e["version"],
            title=e["title"],
            body=e["body"],
            kinds=e["kinds"],
            states=e["states"],
            instrument=e["instrument"],
            when=e["when"],
            position=e["position"],
            required=e["required"],
            active=True,
            status="approved",
            note=(
                "Seeded: the wording agreements used before the clause library."
                if e["legacy"]
                else "Seeded: added with the clause library."
            ),
        )
        added += 1
    return added


def current_entries() -> list[dict]:
    """The approved, active version of each clause: what a new draft chooses from."""
    from settlements.models import ClauseStatus, ClauseVersion

    latest: dict[str, object] = {}
    for v in ClauseVersion.objects.filter(status=ClauseStatus.APPROVED).order_by("key", "number"):
        latest[v.key] = v
    if not latest:
        # An empty library (a database emptied after its migrations, as a test's flush does)
        # reads the seed it would have been loaded with, rather than render no clauses.
        newest: dict[str, dict] = {}
        for e in seed_entries():
            if e["key"] not in newest or e["version"] > newest[e["key"]]["version"]:
                newest[e["key"]] = e
        return list(newest.values())
    return [v.as_entry() for v in latest.values() if v.active]


def clauses_for(terms: dict) -> list[dict]:
    """The clause versions a draft with these terms gets, as its terms keep them."""
    keep = ("key", "version", "title", "body")
    return [{k: e[k] for k in keep} for e in choose(current_entries(), terms)]
