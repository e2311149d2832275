"""Corrections with a trail (issue 14): staff delete a portfolio, loan or import while nothing
depends on it, or archive it (left out of every total, kept, restorable); each with a reason,
kept in the history of corrections."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolios import corrections
from portfolios.models import Borrower, Correction, Loan, Portfolio, TapeImport
from tests.factories import make_loan, make_portfolio, record_sale

pytestmark = pytest.mark.django_db

BILLION = Decimal("1000000000.00")


def plain_loan(portfolio, number, upb):
    """A loan paid to today with no fees: its payoff today is its UPB (hand-checked)."""
    return make_loan(
        portfolio, number, upb=Decimal(upb), fees=Decimal("0"), paid_to_date=timezone.localdate()
    )


@pytest.fixture
def pool(owner):
    portfolio = make_portfolio(owner, name="Pool A", purchase_price=None)
    plain_loan(portfolio, "NI-1", "200000.00")
    return portfolio


@pytest.fixture
def test_loan(pool):
    return plain_loan(pool, "NI-TEST", BILLION)


def staff_client(client, staff):
    client.force_login(staff)
    return client


def post(client, url, action, reason):
    return client.post(url, {"action": action, "reason": reason})


# --- delete -------------------------------------------------------------------------------


def test_staff_delete_a_loan_nothing_depends_on_and_its_history_stays(client, staff, pool,
                                                                       test_loan):  # fmt: skip
    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    page = staff_client(client, staff).get(url)
    assert 'data-testid="deletable"' in page.text and "Delete it" in page.text
    response = post(client, url, "deleted", "  Test loan keyed by mistake.  ")
    assert response.status_code == 302 and response["Location"] == pool.get_absolute_url()
    assert not Loan.objects.filter(pk=test_loan.pk).exists()
    assert not Borrower.objects.filter(loan_id=test_loan.pk).exists()
    row = Correction.objects.get()
    assert (row.action, row.kind, row.object_id) == ("deleted", "loan", test_loan.pk)
    assert row.label == "Loan NI-TEST (Borrower NI-TEST) in portfolio Pool A"
    assert row.reason == "Test loan keyed by mistake."  # stripped
    assert row.snapshot["upb"] == "1000000000.00" and row.snapshot["payoff_today"] == (
        "1000000000.00"
    )
    assert row.by == staff and row.portfolio == pool
    detail = client.get(pool.get_absolute_url())
    assert (
        'data-testid="corrections"' in detail.text and "Test loan keyed by mistake." in detail.text
    )


def test_a_loan_with_a_liquidation_is_not_deleted_and_its_blockers_are_named(client, staff, pool,
                                                                               test_loan):  # fmt: skip
    deficiency = record_sale(test_loan, staff)
    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    page = staff_client(client, staff).get(url)
    assert 'data-testid="blockers"' in page.text
    assert "Delete it" not in page.text and "Archive it" in page.text
    assert "1 deficiency:" in page.text and deficiency.get_absolute_url() in page.text
    response = post(client, url, "deleted", "Mistake")
    assert response.status_code == 200  # re-displayed: delete is not among its choices
    assert Loan.objects.filter(pk=test_loan.pk).exists() and not Correction.objects.exists()


def test_the_delete_service_refuses_a_loan_with_dependents(staff, pool, test_loan):
    record_sale(test_loan, staff)
    with pytest.raises(corrections.CorrectionError):
        corrections.delete_loan(loan=test_loan, by=staff, reason="Mistake")
    assert Loan.objects.filter(pk=test_loan.pk).exists()


def test_staff_delete_a_portfolio_with_its_loans_imports_and_history_kept(client, staff, owner,
                                                                           pool, test_loan):  # fmt: skip
    job = TapeImport.objects.create(portfolio=pool, filename="t.csv", kind="csv", sha256="0",
                                    size=1, default_day_count="30/360", status="checked")  # fmt: skip
    url = reverse("portfolios:correct", args=[pool.pk])
    page = staff_client(client, staff).get(url)
    assert "its 2 loans with their borrowers, and its 1 tape import" in page.text
    response = post(client, url, "deleted", "Duplicate of Pool B.")
    assert response["Location"] == reverse("portfolios:list")
    assert not Portfolio.objects.filter(pk=pool.pk).exists()
    assert not Loan.objects.filter(pk=test_loan.pk).exists()
    assert not TapeImport.objects.filter(pk=job.pk).exists()
    row = Correction.objects.get()
    assert row.portfolio is None and row.portfolio_name == "Pool A"
    assert row.snapshot["loans"] == 2 and row.snapshot["upb"] == "1000200000.00"
    assert list(row.owners.all()) == [owner]
    # Still in the history, for staff and for the owner.
    listing = client.get(reverse("portfolios:corrections"))
    assert "Duplicate of Pool B." in listing.text and "(deleted)" in listing.text
    client.force_login(owner)
    assert "Duplicate of Pool B." in client.get(reverse("portfolios:corrections")).text


def test_a_portfolio_whose_loan_has_a_deficiency_is_not_deleted(client, staff, pool, test_loan):
    deficiency = record_sale(test_loan, staff)
    page = staff_client(client, staff).get(reverse("portfolios:correct", args=[pool.pk]))
    assert 'data-testid="blockers"' in page.text and deficiency.get_absolute_url() in page.text
    assert "Delete it" not in page.text
    with pytest.raises(corrections.CorrectionError):
        corrections.delete_portfolio(portfolio=pool, by=staff, reason="Mistake")
    assert Portfolio.objects.filter(pk=pool.pk).exists()


def test_a_second_delete_of_the_same_loan_is_404_not_500(client, staff, pool, test_loan):
    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    staff_client(client, staff)
    assert post(client, url, "deleted", "Mistake").status_code == 302
    assert post(client, url, "deleted", "Mistake").status_code == 404
    assert Correction.objects.count() == 1


def test_a_delete_racing_another_finds_it_gone(staff, pool, test_loan):
    """Two requests read the loan; the second service call, once the first committed, says
    it is gone (the view shows it as a message, never a 500)."""
    stale = Loan.objects.get(pk=test_loan.pk)
    corrections.delete_loan(loan=test_loan, by=staff, reason="Mistake")
    with pytest.raises(corrections.Gone):
        corrections.delete_loan(loan=stale, by=staff, reason="Mistake")
    assert Correction.objects.count() == 1


# --- reason -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n\t ", "Bad\x07bell"])
def test_a_reason_is_required_and_what_was_typed_stays(client, staff, pool, test_loan, reason):
    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    response = post(staff_client(client, staff), url, "deleted", reason)
    assert response.status_code == 200
    html = response.text
    field = html[html.index('id="div_id_reason"') :]
    field = field[: field.index("</textarea>") + 600]
    assert "is-invalid" in field and "invalid-feedback" in field
    if reason == "Bad\x07bell":
        assert "Bad\x07bell" in field  # re-displayed as typed
    else:
        assert "Give the reason for this correction." in field
    assert Loan.objects.filter(pk=test_loan.pk).exists() and not Correction.objects.exists()


def test_a_reason_longer_than_the_limit_is_refused(client, staff, test_loan):
    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    response = post(staff_client(client, staff), url, "archived", "x" * 1001)
    assert response.status_code == 200 and "at most 1000 characters" in response.text
    assert Loan.objects.get(pk=test_loan.pk).archived_at is None


# --- archive and restore ------------------------------------------------------------------


def grand_debt(client):
    page = client.get(reverse("portfolios:list"))
    return page.context["grand"].total_debt, page.text


def test_archiving_the_billion_dollar_loan_takes_it_out_of_every_total_and_restore_brings_it_back(
    client, staff, pool, test_loan
):
    staff_client(client, staff)
    debt, html = grand_debt(client)
    assert debt == Decimal("1000200000.00") and "$1,000,200,000.00" in html
    detail = client.get(pool.get_absolute_url())
    assert detail.context["totals"].total_debt == Decimal("1000200000.00")

    url = reverse("portfolios:loan_correct", args=[test_loan.pk])
    assert post(client, url, "archived", "Test loan, not a real one.").status_code == 302
    debt, html = grand_debt(client)
    assert debt == Decimal("200000.00") and "$1,000,200,000.00" not in html
    detail = client.get(pool.get_absolute_url())
    totals = detail.context["totals"]
    assert (totals.count, totals.upb, totals.total_debt) == (1, Decimal("200000.00"),
                                                            Decimal("200000.00"))  # fmt: skip
    assert "NI-TEST" not in detail.context["rows_html"]
    assert "Show the 1 archived loan" in detail.text
    csv = b"".join(client.get(reverse("portfolios:export", args=[pool.pk])).streaming_content)
    assert b"NI-TEST" not in csv and b"NI-1" in csv
    # Still there for the record: its page says so, and the table lists it when asked.
    loan_page = client.get(test_loan.get_absolute_url())
    assert 'data-testid="archived-banner"' in loan_page.text
    assert f"by {staff.email} — Test loan, not a real one.<br>" in loan_page.text
    shown = client.get(pool.get_absolute_url() + "?archived=1&sort=-upb")
    assert "NI-TEST" in shown.context["rows_html"] and "Archived" in shown.context["rows_html"]
    assert shown.context["totals"].total_debt == Decimal("200000.00")
    assert "archived=1" not in shown.context["archived_toggle"]
    assert "sort=-upb" in shown.context["archived_toggle"]

    assert post(client, url, "restored", "It is real after all.").status_code == 302
    debt, _ = grand_debt(client)
    assert debt == Decimal("1000200000.00")
    assert client.get(pool.get_absolute_url()).context["totals"].count == 2
    assert list(Correction.objects.order_by("pk").values_list("action", flat=True)) == [
        "archived", "restored",
    ]  # fmt: skip


def test_an_archived_portfolio_leaves_the_list_and_its_totals(client, staff, pool, test_loan):
    other = make_portfolio(name="Pool B", purchase_price=Decimal("5000.00"))
    plain_loan(other, "B-1", "300000.00")
    staff_client(client, staff)
    assert grand_debt(client)[0] == Decimal("1000500000.00")
    url = reverse("portfolios:correct", args=[pool.pk])
    assert post(client, url, "archived", "Entered twice.").status_code == 302
    page = client.get(reverse("portfolios:list"))
    assert page.context["grand"].total_debt == Decimal("300000.00")
    assert [p.name for p, _ in page.context["rows"]] == ["Pool B"]
    page = client.get(reverse("portfolios:list") + "?archived=1")
    assert "Pool A" in page.text and page.context["grand"].total_debt == Decimal("300000.00")
    detail = client.get(pool.get_absolute_url())
    assert 'data-testid="archived-banner"' in detail.text and "Entered twice." in detail.text
    assert post(client, url, "restored", "Not a duplicate.").status_code == 302
    assert grand_debt(client)[0] == Decimal("1000500000.00")


def test_archive_moves_the_cached_totals_stamp(staff, pool, test_loan):
    before = Portfolio.objects.get(pk=pool.pk).loans_changed_at
    corrections.archive_loan(loan=test_loan, by=staff, reason="Test")
    assert Portfolio.objects.get(pk=pool.pk).loans_changed_at > before


def test_a_second_archive_is_refused_not_doubled(staff, test_loan):
    corrections.archive_loan(loan=test_loan, by=staff, reason="Test")
    with pytest.raises(corrections.CorrectionError):
        corrections.archive_loan(loan=test_loan, by=staff, reason="Test")
    assert Correction.objects.count() == 1


# --- imports ------------------------------------------------------------------------------


def make_import(portfolio, **extra):
    fields = dict(filename="tape.csv", kind="csv", sha256="0", size=1,
                  default_day_count="30/360", status="checked")  # fmt: skip
    fields.update(extra)
    return TapeImport.objects.create(portfolio=portfolio, **fields)


def test_a_checked_import_is_deleted_with_its_reason(client, staff, pool):
    job = make_import(pool)
    url = reverse("portfolios:import_delete", args=[job.pk])
    response = post(staff_client(client, staff), url, "deleted", "Wrong file.")
    assert response["Location"] == pool.get_absolute_url()
    assert not TapeImport.objects.filter(pk=job.pk).exists()
    row = Correction.objects.get()
    assert row.kind == "import" and row.snapshot["filename"] == "tape.csv"


@pytest.mark.parametrize(
    ("fields", "says"),
    [({"status": "succeeded", "created": 3}, "It wrote loans (3 created, 0 updated)"),
     ({"status": "running"}, "cancel it first")],
)  # fmt: skip
def test_an_import_that_wrote_loans_or_runs_is_not_deleted(client, staff, pool, fields, says):
    job = make_import(pool, **fields)
    url = reverse("portfolios:import_delete", args=[job.pk])
    page = staff_client(client, staff).get(url)
    assert says in page.text and "Delete it" not in page.text
    post(client, url, "deleted", "Wrong file.")
    assert TapeImport.objects.filter(pk=job.pk).exists() and not Correction.objects.exists()


# --- who may ------------------------------------------------------------------------------


def test_investors_and_attorneys_get_403_and_no_links(client, owner, attorney, pool, test_loan):
    for user in (owner, attorney):
        client.force_login(user)
        for url in (reverse("portfolios:loan_correct", args=[test_loan.pk]),
                    reverse("portfolios:correct", args=[pool.pk])):  # fmt: skip
            assert client.get(url).status_code == 403
            assert post(client, url, "deleted", "x").status_code == 403
    client.force_login(owner)
    assert "Delete or archive" not in client.get(pool.get_absolute_url()).text
    assert "Delete or archive" not in client.get(test_loan.get_absolute_url()).text
    assert Loan.objects.filter(pk=test_loan.pk).exists()


def test_owners_read_their_portfolios_history_others_do_not(client, staff, owner, other_investor,
                                                           pool, test_loan):  # fmt: skip
    corrections.archive_loan(loan=test_loan, by=staff, reason="Only for the owner's eyes")
    client.force_login(owner)
    assert "Only for the owner&#x27;s eyes" in client.get(pool.get_absolute_url()).text
    assert "Only for the owner&#x27;s eyes" in client.get(reverse("portfolios:corrections")).text
    client.force_login(other_investor)
    assert "Only for the owner" not in client.get(reverse("portfolios:corrections")).text
    assert client.get(pool.get_absolute_url()).status_code == 404


def test_an_archived_portfolio_leaves_the_home_figures(client, staff, owner, pool, test_loan):
    staff_client(client, staff)
    home = client.get(reverse("home"))
    assert home.context["staff"]["totals"].total_debt == Decimal("1000200000.00")
    corrections.archive_portfolio(portfolio=pool, by=staff, reason="Entered twice")
    home = client.get(reverse("home"))
    assert home.context["staff"]["totals"].total_debt == Decimal("0")
    client.force_login(owner)
    assert client.get(reverse("home")).context["investor"]["rows"] == []
