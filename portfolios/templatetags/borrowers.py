"""A borrower's name as pages show it: {{ borrower.name|borrower_name }}.

A tape without borrower names leaves a borrower's name blank; every page shows "Not on the
tape" (muted) instead of an empty string, so nobody reads a blank as a missing render.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from portfolios.models import NOT_ON_THE_TAPE

register = template.Library()


@register.filter
def borrower_name(name) -> SafeString:
    """The name, escaped; or "Not on the tape", muted, when it is blank."""
    if name and str(name).strip():
        return conditional_escape(name)
    return format_html('<span class="text-body-secondary fst-italic">{}</span>', NOT_ON_THE_TAPE)
