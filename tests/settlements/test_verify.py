"""The verification page: any PDF → the agreement version whose bytes it is, or none; for a
sealed PDF, whether the firm's seal validates. Staff and attorneys only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from noteinvest.access import Role
from settlements import services, verify
from settlements.models import AgreementVersion
from tests.factories import make_user
from tests.settlements.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
URL = reverse("settlements:verify")


@pytest.fixture(autouse=True)
def seal_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("NOTEINVEST_DATA_DIR", str(tmp_path_factory.getbasetemp() / "seal"))
    monkeypatch.delenv("NOTEINVEST_SEAL_PKCS12", raising=False)


@pytest.fixture
def approved(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    return draft


def upload(client, data: bytes, name="agreement.pdf"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "application/pdf")})


def test_the_page_offers_a_pdf_field(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'accept=".pdf"' in response.content.decode()


def test_the_agreements_list_links_the_page_for_staff_and_attorneys(client, staff, attorney, owner):
    for user, shown in ((staff, True), (attorney, True), (owner, False)):
        client.force_login(user)
        text = client.get(reverse("settlements:list")).content.decode()
        assert (URL in text) is shown


def test_a_frozen_version_is_found(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    version = AgreementVersion.objects.get(agreement=draft)
    client.force_login(staff)
    text = upload(client, bytes(version.pdf)).content.decode()
    assert "The frozen PDF</strong>" not in text  # the sentence is whole:
    assert "The frozen PDF of agreement" in text
    assert f'<a href="{draft.get_absolute_url()}">{draft.number}</a>, version 1' in text
    assert version.sha256 in text
    assert "This version is not approved." in text


def test_a_sealed_pdf_is_found_and_its_seal_validates(client, approved, staff):
    sealed = approved.approved_version.seal
    client.force_login(staff)
    text = upload(client, bytes(sealed.pdf)).content.decode()
    assert "The sealed PDF of record of agreement" in text
    assert f"{approved.number}</a>, version 1" in text
    assert "The seal validates" in text and "unchanged since approval" in text
    assert "development certificate" in text


def test_the_approved_frozen_pdf_points_to_its_sealed_copy(client, approved, staff):
    client.force_login(staff)
    text = upload(client, bytes(approved.approved_version.pdf)).content.decode()
    assert "before the firm's seal was added; the document of record is its sealed copy" in text


def test_a_one_byte_changed_copy_matches_none(client, approved, staff):
    data = bytearray(bytes(approved.approved_version.seal.pdf))
    data[data.index(b"/Type /Page") + 2] ^= 0x01
    client.force_login(staff)
    text = upload(client, bytes(data)).content.decode()
    assert "It matches no agreement version" in text
    assert approved.number not in text
    assert "It carries a signature: The seal does not validate" in text


def test_a_changed_frozen_pdf_matches_none(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    data = bytearray(bytes(AgreementVersion.objects.get(agreement=draft).pdf))
    data[-20] ^= 0x01
    client.force_login(attorney)
    text = upload(client, bytes(data)).content.decode()
    assert "It matches no agreement version" in text
    assert "carries a signature" not in text


def test_an_attorney_learns_the_version_without_a_link_to_what_they_may_not_open(
    client, approved, attorney
):
    # Counsel's powers end with the review: the approved agreement is no longer theirs to open.
    client.force_login(attorney)
    text = upload(client, bytes(approved.approved_version.seal.pdf)).content.decode()
    assert f"agreement {approved.number}, version 1" in text
    assert approved.get_absolute_url() not in text


def test_an_investor_gets_403(client, owner, approved):
    client.force_login(owner)
    assert client.get(URL).status_code == 403
    assert upload(client, bytes(approved.approved_version.seal.pdf)).status_code == 403


def test_an_investor_who_is_also_an_attorney_may_verify(client):
    client.force_login(make_user(Role.INVESTOR, Role.ATTORNEY, email="both@example.com"))
    assert client.get(URL).status_code == 200


def test_a_non_pdf_is_refused_beside_the_field(client, staff):
    client.force_login(staff)
    response = upload(client, b"PK\x03\x04 a zip, not a PDF", name="agreement.pdf")
    assert response.status_code == 200
    text = response.content.decode()
    assert "This is not a PDF file" in text
    assert 'id="error_1_id_file"' in text or "invalid-feedback" in text
    assert "Result" not in text


def test_an_oversize_file_is_refused_beside_the_field(client, staff, monkeypatch):
    monkeypatch.setattr(verify, "MAX_VERIFY", 1024)
    client.force_login(staff)
    response = upload(client, pdf_bytes() + b" " * 2048)
    text = response.content.decode()
    assert "The file is larger than 20 MB" in text
    assert "invalid-feedback" in text
    assert "Result" not in text


def test_a_file_just_over_20_mb_is_refused(client, staff):
    client.force_login(staff)
    text = upload(client, b"%PDF-" + b"0" * (20 * 1024 * 1024)).content.decode()
    assert "The file is larger than 20 MB" in text


def test_an_empty_post_asks_for_the_file(client, staff):
    client.force_login(staff)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
