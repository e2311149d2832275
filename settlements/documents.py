"""Agreement documents: the HTML and the PDF (WeasyPrint), rendered from frozen terms.

Public interface: `render_agreement_html(version) -> str`, `render_agreement_pdf(version)
-> bytes`, where `version` is an AgreementVersion (or anything with `.terms`).

WeasyPrint fetches every URL a document names, file: and http: included, and embeds
`<link rel="attachment">` targets. So the renderer gets `StaticOnlyFetcher`, which serves
the app's own static files under the `noteinvest-static:` scheme and refuses everything
else; it never opens a network connection or a path outside the static files, so there
is no redirect to follow. User text only ever reaches the document through Django's
autoescaping. One fetcher and one FontConfiguration serve the whole process (creating
either per document costs time and, for fonts, memory).
"""

import mimetypes
import threading
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from settlements import clauses
from settlements.terms import day
from settlements.wording import long_date

SCHEME = "noteinvest-static:"


class RefusedURL(ValueError):
    """A document asked for something that is not one of the app's static files."""


@lru_cache(maxsize=64)
def _static_bytes(path: str) -> tuple[bytes, str]:
    found = finders.find(path)
    if not found:
        raise RefusedURL(f"No static file {path!r}.")
    data = Path(found).read_bytes()
    return data, mimetypes.guess_type(path)[0] or "application/octet-stream"


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves `noteinvest-static:<path>` from the static files; refuses all else."""

        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url.startswith(SCHEME):
                self.refused.append(url)
                raise RefusedURL(f"Refused to fetch {url!r}: documents load only the app's files.")
            path = url.removeprefix(SCHEME).lstrip("/")
            if not path or ".." in path.split("/") or "\\" in path:
                self.refused.append(url)
                raise RefusedURL(f"Refused to fetch {url!r}.")
            data, content_type = _static_bytes(path)
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

    return StaticOnlyFetcher


_lock = threading.Lock()
_shared: dict = {}


def fetcher():
    """The process's one fetcher."""
    with _lock:
        if "fetcher" not in _shared:
            _shared["fetcher"] = _fetcher_class()()
        return _shared["fetcher"]


def font_config():
    with _lock:
        if "fonts" not in _shared:
            from weasyprint.text.fonts import FontConfiguration

            _shared["fonts"] = FontConfiguration()
        return _shared["fonts"]


def render_terms_html(terms: dict) -> str:
    """The agreement as HTML, from its terms (drafts preview this; versions freeze it)."""
    # A party is never blank: a borrower without a name shows a visible blank.
    borrowers = [{**b, "name": clauses.party_name(b)} for b in terms["borrowers"]]
    return render_to_string(
        "settlements/documents/agreement.html",
        {
            "terms": terms,
            "title": clauses.title(terms),
            "sections": clauses.sections(terms),
            "property_line": clauses.property_line(terms),
            "agreement_date": long_date(day(terms["agreement_date"])),
            "borrowers": borrowers,
            "signatures": clauses.signatures(terms),
            "scheme": SCHEME,
        },
    )


def render_agreement_html(version) -> str:
    return render_terms_html(version.terms)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher(), base_url=None).write_pdf(
        font_config=font_config()
    )


def render_agreement_pdf(version) -> bytes:
    return html_to_pdf(render_agreement_html(version))


def render_many(htmls, *, collect_every: int = 25):
    """Render many documents in one go (a batch of agreements): yields PDF bytes in order.

    The cyclic garbage collector is paused between documents and run every
    `collect_every` documents: layout allocates many short-lived objects, and letting the
    collector walk them mid-render costs more than collecting in one pass.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for n, html in enumerate(htmls, 1):
            yield html_to_pdf(html)
            if n % collect_every == 0:
                gc.collect()
    finally:
        if was_enabled:
            gc.enable()
