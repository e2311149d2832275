"""The firm's PAdES seal on an approved agreement's PDF (pyHanko), and checking one.

The certificate comes from the environment: `NOTEINVEST_SEAL_PKCS12` (the path of a PKCS#12
file: key and certificate, with its chain if any) and `NOTEINVEST_SEAL_PASSWORD`. Without
them, a development certificate (self-signed RSA, "NoteInvest development seal — not for
production") is generated on first use and kept in `NOTEINVEST_DATA_DIR` (default: `var/` in
the project, git-ignored), so that what it sealed yesterday still validates today.

Nothing here uses the network: no timestamp server when sealing, no OCSP or CRL fetched when
validating. The seal's time is the signing time the server states; the trust root is the
firm's certificate itself."""

import asyncio
import contextlib
import datetime
import hashlib
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

DEV_SUBJECT = "NoteInvest development seal — not for production"
DEV_FILENAME = "dev-seal.p12"
FIELD_NAME = "NoteInvestSeal"
# A seal certificate usually carries one or both (a real one may lack non-repudiation).
KEY_USAGE = {"digital_signature", "non_repudiation"}

_lock = threading.Lock()
_cached: dict[tuple, "Firm"] = {}


class SealError(Exception):
    """The seal could not be made: no usable certificate, or pyHanko refused the PDF."""


@dataclass(frozen=True)
class Firm:
    """The firm's sealing identity, loaded once per certificate file."""

    signer: object  # pyhanko.sign.signers.SimpleSigner
    subject: str
    fingerprint: str  # SHA-256 of the certificate (DER), hex
    development: bool


@dataclass(frozen=True)
class Sealed:
    pdf: bytes
    sha256: str
    subject: str
    fingerprint: str
    development: bool


@dataclass(frozen=True)
class SealCheck:
    """What validating a sealed PDF found."""

    valid: bool  # intact, signed by the firm's certificate, covering the whole file
    intact: bool
    trusted: bool
    whole_file: bool
    signer: str
    signed_at: datetime.datetime | None
    reason: str


def _outside_any_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous calls run their own event loop (asyncio.run), which fails in a
    thread where one is already running (an async caller, Playwright's sync API in tests):
    there, run the call in a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def data_dir() -> Path:
    configured = os.environ.get("NOTEINVEST_DATA_DIR") or getattr(
        settings, "NOTEINVEST_DATA_DIR", ""
    )
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var"


def _configured() -> tuple[Path | None, bytes | None]:
    path = os.environ.get("NOTEINVEST_SEAL_PKCS12", "")
    password = os.environ.get("NOTEINVEST_SEAL_PASSWORD")
    return (Path(path) if path else None), (password.encode() if password else None)


def firm() -> Firm:
    """The configured certificate, else the development one (made on first use)."""
    path, password = _configured()
    development = path is None
    if development:
        path = data_dir() / DEV_FILENAME
    key = (str(path), password)
    with _lock:
        if key not in _cached:
            if development and not path.exists():
                _make_development_certificate(path)
            _cached[key] = _load(path, password, development)
        return _cached[key]


def _load(path: Path, password: bytes | None, development: bool) -> Firm:
    from pyhanko.sign import signers

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SealError(f"The seal certificate cannot be read ({path}): {exc.strerror}.") from exc
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password)
    except ValueError as exc:
        raise SealError(
            f"The seal certificate ({path}) cannot be opened: check NOTEINVEST_SEAL_PASSWORD."
        ) from exc
    cert = signer.signing_cert
    return Firm(
        signer=signer,
        subject=cert.subject.human_friendly,
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        development=development,
    )


def _make_development_certificate(path: Path) -> None:
    """A self-signed RSA certificate in an unencrypted PKCS#12 file readable by its owner only.
    Written under a temporary name, then linked into place: two processes starting at once
    keep the same certificate (the second finds the first one's file and uses it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NoteInvest (development)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"noteinvest-dev-seal", key, cert, None, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        with contextlib.suppress(FileExistsError):  # another process made one first: use it
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def seal(pdf: bytes, *, reason: str) -> Sealed:
    """The PDF with the firm's PAdES seal appended as an incremental update (the original
    bytes are kept unchanged before it). No timestamp server: the signing time is ours."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    identity = firm()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=reason,
            location="NoteInvest",
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            signer_key_usage=set(),  # checked when validating, with the firm's choices
        )
        out = _outside_any_event_loop(signers.sign_pdf, writer, meta, signer=identity.signer)
    except Exception as exc:
        raise SealError(f"The PDF could not be sealed: {exc}") from exc
    data = out.getvalue()
    return Sealed(
        pdf=data,
        sha256=hashlib.sha256(data).hexdigest(),
        subject=identity.subject,
        fingerprint=identity.fingerprint,
        development=identity.development,
    )


def check(pdf: bytes) -> SealCheck | None:
    """Validate the firm's seal in `pdf` against the firm's certificate as the only trust
    root, offline. None when the PDF carries no signature (or cannot be read as a PDF)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - not a PDF pyHanko can read: no seal to speak of
        return None
    mine = [s for s in signatures if s.field_name == FIELD_NAME] or signatures
    if not mine:
        return None
    embedded = mine[-1]
    try:
        identity = firm()
    except SealError as exc:
        return SealCheck(
            valid=False, intact=False, trusted=False, whole_file=False, signer="",
            signed_at=None, reason=f"The seal cannot be checked: {exc}",
        )  # fmt: skip
    context = ValidationContext(
        trust_roots=[identity.signer.signing_cert],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    try:
        status = _outside_any_event_loop(
            validate_pdf_signature,
            embedded,
            context,
            key_usage_settings=KeyUsageConstraints(key_usage=KEY_USAGE, match_all_key_usages=False),
        )
    except Exception as exc:  # noqa: BLE001 - a malformed signature is an invalid one
        return SealCheck(
            valid=False, intact=False, trusted=False, whole_file=False, signer="",
            signed_at=None, reason=f"The signature cannot be validated: {exc}",
        )  # fmt: skip
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    valid = bool(status.intact and status.valid and status.trusted and whole)
    if valid:
        reason = "The seal is valid and the file is unchanged since it was sealed."
    elif not (status.intact and status.valid):
        reason = "The seal does not validate: the sealed bytes were changed."
    elif not status.trusted:
        reason = "The signature is not the firm's seal (its certificate is not the firm's)."
    else:
        reason = "The seal is intact, but the file was changed after sealing."
    return SealCheck(
        valid=valid,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        whole_file=whole,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        reason=reason,
    )
