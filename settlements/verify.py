"""Which agreement version a PDF is: its SHA-256 against every frozen version's and every
sealed PDF's, and for a sealed one whether the firm's seal still validates (settlements.seal)."""

import hashlib
from dataclasses import dataclass, field

from django import forms

from settlements import seal
from settlements.models import AgreementVersion, SealedPdf

MAX_VERIFY = 20 * 1024 * 1024  # the same bound as a signed copy's upload


class VerifyForm(forms.Form):
    file = forms.FileField(
        label="PDF to verify (at most 20 MB)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY:
            raise forms.ValidationError("The file is larger than 20 MB: nothing we store is.")
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError("This is not a PDF file (it does not start with %PDF-).")
        return upload


@dataclass
class Match:
    version: AgreementVersion
    sealed: SealedPdf | None  # the sealed PDF these bytes are, or None: the frozen version's
    check: seal.SealCheck | None = None
    may_open: bool = False  # whether the user may open the agreement (a link)


@dataclass
class Finding:
    sha256: str
    size: int
    matches: list[Match] = field(default_factory=list)
    # For bytes that match nothing: what validating the signature inside them found, if any.
    stray_seal: seal.SealCheck | None = None


def identify(data: bytes) -> Finding:
    digest = hashlib.sha256(data).hexdigest()
    finding = Finding(sha256=digest, size=len(data))
    versions = AgreementVersion.objects.filter(sha256=digest).select_related("agreement")
    for version in versions.defer("pdf", "text", "terms"):
        finding.matches.append(Match(version=version, sealed=None))
    sealed = SealedPdf.objects.filter(sha256=digest).select_related("version__agreement")
    for found in sealed.defer("pdf", "version__pdf", "version__text", "version__terms"):
        finding.matches.append(Match(version=found.version, sealed=found, check=seal.check(data)))
    if not finding.matches:
        finding.stray_seal = seal.check(data)
    return finding
