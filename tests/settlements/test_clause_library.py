"""The clause library (issue 12): clauses as versioned records, chosen per document, kept by
each frozen version."""

import json
from pathlib import Path

import pytest

from settlements import clauses, library
from settlements.models import ClauseStatus, ClauseVersion

LEGACY = Path(__file__).parent / "data" / "legacy_documents.json"


def test_versions_frozen_before_the_library_render_as_they_were_frozen():
    """22 frozen terms of every shape the suite produced before the library (DPO and short
    sale; before and after good-through dates and the parties step; judgments, fair-value
    and limited claims; installments; junior liens): their text, as it was then."""
    documents = json.loads(LEGACY.read_text())
    assert len(documents) == 22
    for document in documents:
        assert "clauses" not in document["terms"]
        assert clauses.plain_text(document["terms"]) == document["text"]


def test_every_seed_clause_uses_only_known_fields_and_conditions():
    entries = library.seed_entries()
    assert len({(e["key"], e["version"]) for e in entries}) == len(entries)
    for e in entries:
        assert library.body_errors(e["body"]) == [], e["key"]
        assert e["when"] in library.conditions(), e["key"]
        assert set(e["kinds"]) <= set(library.KINDS), e["key"]
        assert e["instrument"] in library.INSTRUMENTS, e["key"]


@pytest.mark.django_db
def test_the_migration_loads_every_seed_clause_approved():
    stored = {(v.key, v.number): v for v in ClauseVersion.objects.all()}
    for e in library.seed_entries():
        v = stored[(e["key"], e["version"])]
        assert v.status == ClauseStatus.APPROVED and v.body == e["body"]
    assert library.sync_seed(ClauseVersion) == 0  # a second load adds nothing


def test_an_attorneys_text_is_checked_before_it_is_saved():
    assert library.body_errors("Pay {settlement_amount} by {due}.") == [
        "Unknown field(s): {due}. Use only the fields listed beside the text."
    ]
    assert "Braces" in library.body_errors("Pay {settlement_amount} {0}.")[0]
    assert "Braces" in library.body_errors("Pay {terms.__class__}.")[0]
    assert "alone in its paragraph" in library.body_errors("To: {notice_addresses}")[0]
    assert library.body_errors("  ") == ["Write the clause's text."]


@pytest.mark.django_db
def test_an_emptied_library_reads_its_seed_rather_than_render_no_clauses():
    ClauseVersion.objects.all().delete()  # as a transactional test's flush leaves it
    keys = {e["key"] for e in library.current_entries()}
    assert {e["key"] for e in library.seed_entries()} == keys


@pytest.mark.django_db
def test_each_version_lists_the_clause_versions_it_uses_for_staff_and_attorneys(
    client, draft, staff
):
    from settlements import services

    services.freeze_version(agreement=draft, by=staff)
    client.force_login(staff)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Clause versions it uses (" in page
    assert 'href="/settlements/clauses/dpo-waiver/"' in page and "dpo-waiver v2" in page


@pytest.mark.django_db
def test_a_later_seed_never_adds_a_version_on_top_of_an_attorneys_wording(attorney, monkeypatch):
    from tests.factories import clause_edit

    mine = clause_edit("counsel", by=attorney, body="The attorney's words.")
    seeded = [e for e in library.seed_entries() if e["key"] == "counsel"][0]
    later = {**seeded, "version": mine.number + 1, "body": "A later seed's words."}
    extra = {**seeded, "key": "new-seed-clause", "slot": "new-seed-clause"}
    monkeypatch.setattr(library, "seed_entries", lambda: [later, extra])
    assert library.sync_seed(ClauseVersion) == 1  # the new clause only
    current = {e["key"]: e for e in library.current_entries()}
    assert current["counsel"]["body"] == "The attorney's words."
    assert "new-seed-clause" in current
