"""Sellers' saved column mappings: listed, shown when applied, edited and deleted by staff
(issue 9)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from portfolios import services
from portfolios.models import Loan, SellerColumnMapping, TapeImport
from tests.factories import make_portfolio

pytestmark = pytest.mark.django_db

ODD = b"Acct,Obligor,Prop St,Bal,Coupon,Paid Thru,Note\nA-1,Ann Lee,CA,100000.00,6.5,2024-02-01,x\n"
ODD_MAPPING = {"loan_number": "Acct", "borrower_name": "Obligor", "property_state": "Prop St",
               "upb": "Bal", "note_rate": "Coupon", "paid_to_date": "Paid Thru"}  # fmt: skip


@pytest.fixture
def saved(staff, portfolio):
    portfolio.seller = "Odd Bank"
    portfolio.save()
    return SellerColumnMapping.objects.create(
        seller="Odd Bank", mapping=ODD_MAPPING, ignored=["Note"], updated_by=staff
    )


def upload(client, portfolio, data=ODD):
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("odd.csv", data), "default_day_count": "30/360"},
    )
    return TapeImport.objects.order_by("-pk").first()


def edit_data(mapping: SellerColumnMapping, **changes) -> dict:
    data = {
        "version": mapping.version,
        **mapping.mapping,
        "ignored_text": "\n".join(mapping.ignored),
    }
    data.update(changes)
    return data


def test_saved_mappings_are_listed_per_seller(client, staff, saved, portfolio):
    make_portfolio(name="Another pool", seller="Odd Bank")
    client.force_login(staff)
    page = client.get(reverse("portfolios:mappings"))
    assert page.status_code == 200
    assert "Odd Bank" in page.text
    assert (
        "6: Loan Number, Borrower Name, Property State, UPB, Note Rate, Paid To Date" in page.text
    )
    assert staff.email in page.text
    assert escape(portfolio.name) in page.text and "Another pool" in page.text
    assert reverse("portfolios:mapping_edit", args=[saved.pk]) in page.text
    assert reverse("portfolios:mapping_delete", args=[saved.pk]) in page.text


def test_the_pages_link_to_the_saved_mappings(client, staff, saved, portfolio):
    client.force_login(staff)
    assert reverse("portfolios:mappings") in client.get(reverse("portfolios:list")).text
    page = client.get(reverse("portfolios:import_start", args=[portfolio.pk]))
    assert "Column mapping saved for Odd Bank on " in page.text
    assert reverse("portfolios:mapping_edit", args=[saved.pk]) in page.text


def test_a_saved_mapping_is_shown_on_the_import_page_and_can_be_deleted(
    client, staff, saved, portfolio
):
    """The issue's test: applied without a mapping step, the import page says so and links
    to it; deleted, the seller's next tape gets the mapping step again."""
    client.force_login(staff)
    job = upload(client, portfolio)
    assert job.status == TapeImport.Status.SUCCEEDED
    page = client.get(job.get_absolute_url())
    assert "Column mapping saved for Odd Bank on" in page.text
    assert "was applied" in page.text
    delete_url = reverse("portfolios:mapping_delete", args=[saved.pk])
    assert delete_url in page.text
    confirm = client.get(delete_url)
    assert "Delete the column mapping for Odd Bank?" in confirm.text
    assert SellerColumnMapping.objects.exists()  # a GET deletes nothing
    response = client.post(delete_url, {"version": saved.version})
    assert response.status_code == 302
    assert not SellerColumnMapping.objects.exists()
    # The old import's page still says what it applied, without a dead link.
    page = client.get(job.get_absolute_url())
    assert "It has since been deleted." in page.text
    assert delete_url not in page.text
    assert upload(client, portfolio).status == TapeImport.Status.NEEDS_MAPPING


def test_an_edited_mapping_is_used_by_the_next_import(client, staff, saved, portfolio):
    client.force_login(staff)
    url = reverse("portfolios:mapping_edit", args=[saved.pk])
    page = client.get(url)
    assert page.context["form"]["upb"].value() == "Bal"
    # "Note" is not left out any more: the next tape asks about it.
    response = client.post(url, edit_data(saved, ignored_text="", note_rate="  Coupon "))
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.ignored == []
    assert saved.mapping["note_rate"] == "Coupon"
    assert saved.version == 2
    job = upload(client, portfolio)
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    assert job.mapping == ODD_MAPPING  # pre-filled from the saved mapping
    assert page.context["form"]["ignored_text"].value() == "Note"


@pytest.mark.parametrize(
    "changes, field, message",
    [({"paid_to_date": "Next Due Date"}, "paid_to_date", "is the next due date"),
     ({"paid_to_date": "Last Payment Date"}, "paid_to_date", "the last payment was received"),
     ({"upb": "Acct"}, "upb", "“Acct” is already the header of Loan Number"),
     ({"upb": "x" * 201}, "upb", "at most 200 characters"),
     ({"upb": "Bal\x1b"}, "upb", "control characters"),
     ({"ignored_text": "Bal"}, "ignored_text", "cannot be left out"),
     ({"next_due_date": "Paid To Date"}, "next_due_date", "is the Paid To Date, not the next"),
     ({"next_due_date": "lastPaymentDate"}, "next_due_date", "the last payment was received"),
     ({"property_address_2": "Unit"}, "property_address_2", "choose the tape&#x27;s Property "
      "Address column too")],
)  # fmt: skip
def test_an_edit_is_checked_and_shown_again(client, staff, saved, changes, field, message):
    client.force_login(staff)
    url = reverse("portfolios:mapping_edit", args=[saved.pk])
    response = client.post(url, edit_data(saved, **changes))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert response.context["form"][field].value() == next(iter(changes.values()))
    saved.refresh_from_db()
    assert saved.mapping == ODD_MAPPING and saved.version == 1


def test_two_editors_cannot_overwrite_each_other(client, staff, saved):
    client.force_login(staff)
    url = reverse("portfolios:mapping_edit", args=[saved.pk])
    opened = edit_data(saved)  # both open the page at version 1
    assert client.post(url, {**opened, "upb": "Bal"}).status_code == 302
    response = client.post(url, {**opened, "upb": "Coupon", "note_rate": "Bal"})
    assert response.status_code == 200
    assert "Someone else saved this saved column mapping" in response.text
    saved.refresh_from_db()
    assert saved.mapping["upb"] == "Bal"


def test_a_mapping_remembered_by_an_import_refuses_an_edit_opened_before(
    client, staff, saved, portfolio, monkeypatch
):
    client.force_login(staff)
    url = reverse("portfolios:mapping_edit", args=[saved.pk])
    opened = edit_data(saved)
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        headers=["Acct", "Obligor", "Prop St", "Bal", "Coupon", "Paid Thru"],
        mapping=ODD_MAPPING, default_day_count="30/360", status=TapeImport.Status.NEEDS_MAPPING,
    )  # fmt: skip
    monkeypatch.setattr(services, "launch_tape_import", lambda job, tape=None: None)
    services.set_import_mapping(job=job, mapping=ODD_MAPPING, by=staff, remember=True)
    saved.refresh_from_db()
    assert saved.version == 2 and saved.ignored == []
    response = client.post(url, opened)
    assert "Someone else saved" in response.text


def test_a_stale_delete_is_refused(client, staff, saved):
    client.force_login(staff)
    url = reverse("portfolios:mapping_delete", args=[saved.pk])
    SellerColumnMapping.objects.filter(pk=saved.pk).update(version=2, mapping={"upb": "Bal"})
    response = client.post(url, {"version": 1})
    assert response.status_code == 200
    assert "Someone changed this mapping after you opened this page" in response.text
    assert "UPB ← “Bal”" in response.text  # shown as it is now
    assert response.context["form"]["version"].value() == 2
    assert SellerColumnMapping.objects.exists()
    assert client.post(url, {}).status_code == 200  # no version: nothing deleted
    assert SellerColumnMapping.objects.exists()


@pytest.mark.parametrize("url_name", ["portfolios:mappings", "portfolios:mapping_edit",
                                      "portfolios:mapping_delete"])  # fmt: skip
def test_saved_mappings_are_for_staff_only(client, owner, attorney, saved, url_name):
    url = reverse(url_name, args=[] if url_name == "portfolios:mappings" else [saved.pk])
    for user in (owner, attorney):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, edit_data(saved)).status_code == 403
    assert SellerColumnMapping.objects.get().mapping == ODD_MAPPING
    assert not Loan.objects.exists()


def test_a_saved_mapping_that_changes_nothing_is_not_said_to_be_applied(client, staff, saved):
    """A tape whose headers all match by name: the saved mapping played no part."""
    from tests.portfolios.tapes import csv_bytes, good_row

    client.force_login(staff)
    saved.mapping = {"upb": "UPB"}
    saved.save()
    job = upload(client, saved_portfolio(), csv_bytes([good_row(1)]))
    assert job.status == TapeImport.Status.SUCCEEDED
    assert job.seller_mapping == {}
    assert "was applied" not in client.get(job.get_absolute_url()).text


def saved_portfolio():
    from portfolios.models import Portfolio

    return Portfolio.objects.get(seller="Odd Bank")
