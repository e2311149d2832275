"""The firm's PAdES seal at approval (settlements.seal): written with the approval or not at
all, validated by pyHanko, served as the document of record; the full hash on the page."""

import asyncio
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from settlements import seal, services
from settlements.models import AgreementVersion, SealedPdf, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seal_dir(tmp_path_factory, monkeypatch):
    """One development certificate for this module's tests, outside the project."""
    directory = tmp_path_factory.getbasetemp() / "seal"
    monkeypatch.setenv("NOTEINVEST_DATA_DIR", str(directory))
    monkeypatch.delenv("NOTEINVEST_SEAL_PKCS12", raising=False)
    monkeypatch.delenv("NOTEINVEST_SEAL_PASSWORD", raising=False)
    return directory


def approved(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    return draft


def pyhanko_status(data: bytes):
    """pyHanko's own verdict, the firm's certificate as the only trust root, offline."""
    context = ValidationContext(trust_roots=[seal.firm().signer.signing_cert], allow_fetching=False)
    signature = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[0]
    # pyHanko runs its own event loop: after the browser tests Playwright's is running here.
    return seal._outside_any_event_loop(validate_pdf_signature, signature, context)


def test_approving_seals_the_approved_version(draft, staff, attorney):
    agreement = approved(draft, staff, attorney)
    version = agreement.approved_version
    sealed = SealedPdf.objects.get(version=version)
    data = bytes(sealed.pdf)
    assert sealed.sha256 == hashlib.sha256(data).hexdigest()
    # The frozen bytes are kept as they were, the seal appended as an incremental update.
    assert data.startswith(bytes(version.pdf)) and len(data) > len(bytes(version.pdf))
    assert "NoteInvest development seal" in sealed.certificate_subject
    assert sealed.development is True
    assert sealed.certificate_sha256 == seal.firm().fingerprint
    status = pyhanko_status(data)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert seal.check(data).valid


def test_the_seal_is_invalid_after_one_byte_changes(draft, staff, attorney):
    data = bytearray(bytes(approved(draft, staff, attorney).approved_version.seal.pdf))
    offset = data.index(b"/Type /Page") + 2  # inside the signed bytes, not the signature
    data[offset] ^= 0x01
    status = pyhanko_status(bytes(data))
    assert not status.intact
    assert not status.bottom_line
    check = seal.check(bytes(data))
    assert not check.valid and "changed" in check.reason


def test_the_frozen_version_is_never_changed_by_the_seal(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    before = AgreementVersion.objects.get(agreement=draft)
    frozen = (bytes(before.pdf), before.sha256)
    services.approve(agreement=draft, by=attorney)
    after = AgreementVersion.objects.get(agreement=draft)
    assert (bytes(after.pdf), after.sha256) == frozen
    with pytest.raises(ValueError):
        after.seal.save()


def test_a_seal_failure_leaves_the_agreement_in_review(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    with (
        mock.patch.object(seal, "seal", side_effect=seal.SealError("the key is unreadable")),
        pytest.raises(services.AgreementError, match="could not be sealed"),
    ):
        services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert draft.approved_version_id is None
    assert not SealedPdf.objects.exists()
    assert not draft.history.filter(to_status=Status.APPROVED).exists()


def test_a_failure_writing_the_seal_rolls_the_approval_back(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    with (
        mock.patch.object(SealedPdf.objects, "create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.approved_version_id is None


def test_a_seal_failure_over_http_says_so_and_approves_nothing(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    client.force_login(attorney)
    with mock.patch.object(seal, "seal", side_effect=seal.SealError("the key is unreadable")):
        response = client.post(reverse("settlements:approve", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Not approved: the approved PDF could not be sealed" in text
    assert "the key is unreadable" in text
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_the_approved_pdf_download_serves_the_sealed_bytes(client, draft, staff, attorney, owner):
    agreement = approved(draft, staff, attorney)
    sealed = agreement.approved_version.seal
    client.force_login(owner)
    response = client.get(reverse("settlements:pdf", args=[agreement.pk, 1]))
    assert response.status_code == 200
    assert response.content == bytes(sealed.pdf)
    assert response["X-Content-SHA256"] == sealed.sha256


def test_an_unsealed_version_is_served_as_frozen(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    version = AgreementVersion.objects.get(agreement=draft)
    client.force_login(staff)
    response = client.get(reverse("settlements:pdf", args=[draft.pk, 1]))
    assert response.content == bytes(version.pdf)
    assert response["X-Content-SHA256"] == version.sha256


def test_the_page_shows_every_hash_in_full(client, draft, staff, attorney, owner):
    agreement = approved(draft, staff, attorney)
    version = agreement.approved_version
    for user in (staff, owner):
        client.force_login(user)
        text = client.get(agreement.get_absolute_url()).content.decode()
        assert f'user-select-all">{version.sha256}</code>' in text
        assert f'user-select-all">{version.seal.sha256}</code>' in text
        assert "text-break" in text
        assert "Sealed with the development certificate" in text


def test_the_page_shows_the_full_hash_of_a_version_in_review(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    version = AgreementVersion.objects.get(agreement=draft)
    client.force_login(staff)
    text = client.get(draft.get_absolute_url()).content.decode()
    assert len(version.sha256) == 64 and version.sha256 in text


def test_the_development_certificate_is_made_once_and_kept(seal_dir):
    first = seal.firm()
    assert (seal_dir / seal.DEV_FILENAME).exists()
    assert (seal_dir / seal.DEV_FILENAME).stat().st_mode & 0o077 == 0
    seal._cached.clear()  # as a new process would: it loads the same file
    assert seal.firm().fingerprint == first.fingerprint
    assert first.development and "not for production" in first.subject


def test_a_configured_certificate_is_used(tmp_path, monkeypatch, seal_dir):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    seal.firm()  # the development one exists; the configured one must win
    seal._make_development_certificate(tmp_path / "made.p12")
    key, cert, _ = pkcs12.load_key_and_certificates((tmp_path / "made.p12").read_bytes(), None)
    firm_p12 = tmp_path / "firm.p12"
    firm_p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"firm", key, cert, None, BestAvailableEncryption(b"s3cret")
        )
    )
    monkeypatch.setenv("NOTEINVEST_SEAL_PKCS12", str(firm_p12))
    monkeypatch.setenv("NOTEINVEST_SEAL_PASSWORD", "s3cret")
    configured = seal.firm()
    assert not configured.development
    assert (
        configured.fingerprint
        != seal._cached[(str(seal_dir / seal.DEV_FILENAME), None)].fingerprint
    )
    sealed = seal.seal(_tiny_pdf(), reason="test")
    assert not sealed.development and sealed.fingerprint == configured.fingerprint
    assert seal.check(sealed.pdf).valid
    monkeypatch.setenv("NOTEINVEST_SEAL_PASSWORD", "wrong")
    with pytest.raises(seal.SealError, match="NOTEINVEST_SEAL_PASSWORD"):
        seal.firm()


def _tiny_pdf() -> bytes:
    from tests.settlements.pdfs import pdf_bytes

    return pdf_bytes()


def test_sealing_and_checking_work_inside_a_running_event_loop():
    # pyHanko's synchronous API runs asyncio.run(): it must not fail where a loop runs
    # already (an async caller; Playwright's sync API drives the browser tests so).
    async def inside():
        sealed = seal.seal(_tiny_pdf(), reason="test")
        return sealed, seal.check(sealed.pdf)

    # In a thread of its own: asyncio.run() refuses to start where a loop already runs (after
    # the browser tests, Playwright's runs in the test process's main thread).
    with ThreadPoolExecutor(max_workers=1) as pool:
        sealed, check = pool.submit(asyncio.run, inside()).result()
    assert check.valid and pyhanko_status(sealed.pdf).bottom_line
