"""Issue 9: a tape without borrower names (agency data, a bid tape before the NDA) imports,
each new loan's borrower "not on the tape" until staff enter the name on the loan."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from portfolios.models import NOT_ON_THE_TAPE, Borrower, Loan, TapeImport
from portfolios.services import process_tape
from portfolios.tape.columns import auto_map, missing_required
from portfolios.tape.readers import open_tape
from tests.factories import record_sale
from tests.portfolios.tapes import csv_bytes, good_row
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"
FANNIE = "loan-tape-fannie.csv"
NOTE = (
    "Borrower names: not on the tape — 3 loans have no named borrower; enter them on each "
    "loan before drafting an agreement."
)
MUTED = '<span class="text-body-secondary fst-italic">Not on the tape</span>'


def fannie_bytes() -> bytes:
    return (DOCS / FANNIE).read_bytes()


def import_fannie(portfolio, dry_run=False):
    tape = open_tape(FANNIE, fannie_bytes())
    mapping = auto_map(tape.headers)
    assert "borrower_name" not in mapping
    assert missing_required(mapping) == []
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=mapping, default_day_count="30/360",
        dry_run=dry_run,
    )  # fmt: skip


def upload(client, portfolio, data, name=FANNIE):
    return client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile(name, data), "default_day_count": "30/360"},
    )


def test_the_fannie_example_has_no_borrower_column_and_imports_as_sent(portfolio):
    assert b"BORROWER" not in fannie_bytes().upper().split(b"\n", 1)[0]
    outcome = import_fannie(portfolio)
    assert outcome.problems == []
    assert (outcome.counts.created, outcome.counts.unnamed) == (3, 3)
    for loan in Loan.objects.filter(portfolio=portfolio):
        primary = loan.borrowers.get()
        assert (primary.position, primary.name, primary.named) == (1, "", False)
        assert str(primary) == NOT_ON_THE_TAPE


def test_a_browser_import_without_names_says_so(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, fannie_bytes())
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.SUCCEEDED  # no mapping step: names are optional
    assert NOTE in job.notes
    assert NOTE in client.get(job.get_absolute_url()).text


def test_the_command_says_names_are_not_on_the_tape(portfolio, tmp_path):
    path = tmp_path / FANNIE
    path.write_bytes(fannie_bytes())
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    assert NOTE in out.getvalue()


def test_a_tape_with_a_name_column_says_nothing_about_names(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)]), name="named.csv")
    assert "Borrower names" not in " ".join(TapeImport.objects.get().notes)


def test_a_blank_cell_in_a_borrower_column_is_still_a_problem(portfolio):
    data = csv_bytes([good_row(1), good_row(2, **{"Borrower Name": " "})])
    tape = open_tape("tape.csv", data)
    outcome = process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip
    assert [(p.row, p.message) for p in outcome.problems] == [(3, "Borrower Name is empty")]
    assert not Loan.objects.exists()


def test_pages_show_not_on_the_tape_never_a_blank(client, owner, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    client.force_login(owner)
    detail = client.get(loan.get_absolute_url()).text
    assert MUTED in detail
    table = client.get(portfolio.get_absolute_url()).text
    assert table.count(MUTED) == 3
    deficiency = record_sale(loan, staff)
    assert MUTED in client.get(reverse("deficiencies:detail", args=[deficiency.pk])).text


def test_the_export_shows_the_marker(client, owner, portfolio):
    import_fannie(portfolio)
    client.force_login(owner)
    response = client.get(reverse("portfolios:export", args=[portfolio.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Loan Number,Borrower Name,")
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["100012345678", "Not on the tape"],
        ["100012345679", "Not on the tape"],
        ["100012345680", "Not on the tape"],
    ]


def name_in_form(client, loan, name, **overrides):
    data = loan_post_data(loan, **{"borrowers-0-name": name})
    data.update(property_state=loan.property_state, paid_to_date=loan.paid_to_date.isoformat())
    data.update(overrides)
    return client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data)


def test_a_reimport_without_names_keeps_names_entered_by_hand(client, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    client.force_login(staff)
    assert name_in_form(client, loan, "Maria Lopez").status_code == 302
    outcome = import_fannie(portfolio)
    assert outcome.counts.unnamed == 2  # the other loans are still not named
    assert Borrower.objects.get(loan=loan).name == "Maria Lopez"
    upload(client, portfolio, fannie_bytes())
    assert Borrower.objects.get(loan=loan).name == "Maria Lopez"
    message = " ".join(TapeImport.objects.get().notes)
    assert "2 loans have no named borrower" in message


def test_a_reimport_of_a_fully_named_portfolio_says_the_names_were_kept(client, staff, portfolio):
    import_fannie(portfolio)
    Borrower.objects.filter(loan__portfolio=portfolio).update(name="Named By Hand")
    client.force_login(staff)
    upload(client, portfolio, fannie_bytes())
    job = TapeImport.objects.get()
    assert job.unchanged == 3
    assert "Borrower names: not on the tape — the names already entered" in " ".join(job.notes)
    assert set(Borrower.objects.values_list("name", flat=True)) == {"Named By Hand"}


# --- the loan form -----------------------------------------------------------------------------


def test_a_borrower_not_on_the_tape_may_stay_so_while_the_loan_is_edited(client, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    client.force_login(staff)
    page = client.get(reverse("portfolios:loan_edit", args=[loan.pk])).text
    assert f'placeholder="{NOT_ON_THE_TAPE}"' in page
    response = name_in_form(client, loan, "", upb="198000.00")
    assert response.status_code == 302
    loan.refresh_from_db()
    assert str(loan.upb) == "198000.00"
    assert loan.borrowers.get().name == ""


def test_staff_name_the_borrower_in_the_loan_form(client, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    client.force_login(staff)
    assert name_in_form(client, loan, "  Maria Lopez ").status_code == 302
    borrower = loan.borrowers.get()
    assert (borrower.name, borrower.named) == ("Maria Lopez", True)
    assert MUTED not in client.get(loan.get_absolute_url()).text


def test_a_name_once_entered_cannot_be_blanked(client, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    loan.borrowers.update(name="Maria Lopez")
    client.force_login(staff)
    response = name_in_form(client, loan, "   ")
    assert response.status_code == 200
    assert response.context["borrowers"].forms[0].errors["name"] == ["This field is required."]
    assert loan.borrowers.get().name == "Maria Lopez"


def test_a_new_borrower_needs_a_typed_name(client, staff, portfolio):
    import_fannie(portfolio)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="100012345678")
    client.force_login(staff)
    response = name_in_form(
        client, loan, "",
        **{"borrowers-TOTAL_FORMS": "2", "borrowers-1-loan": loan.pk, "borrowers-1-name": "",
           "borrowers-1-email": "co@example.com"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["borrowers"].forms[1].errors["name"] == ["This field is required."]
    assert 'value="co@example.com"' in response.text
    assert loan.borrowers.count() == 1
