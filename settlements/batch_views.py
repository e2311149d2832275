"""Staff send several drafts for review at once; the batch page follows each one."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from background.status import waiting_without_worker
from noteinvest.access import Role, role_required
from settlements import batches
from settlements.models import ReviewBatch, ReviewBatchItem

DRAFTS = "/settlements/?status=draft"  # the list the batch form is on
CHOICE = re.compile(r"(\d{1,18}):(\d{1,9})")


def batch_reviewers():
    """Attorneys who may review at all (active, not Staff); each draft's own exclusions
    (its drafters, its portfolio's owners) are checked when its task sends it."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.ATTORNEY.value, is_active=True)
        .exclude(groups__name=Role.STAFF.value)
        .distinct()
        .order_by("email")
    )


class BatchForm(forms.Form):
    chosen = forms.CharField(required=False)  # read from getlist below: "pk:version" each
    reviewer = forms.ModelChoiceField(queryset=None, label="Attorney to review them")

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["reviewer"].queryset = batch_reviewers()
        self.fields["reviewer"].label_from_instance = lambda user: f"{user} ({user.email})"
        self.pairs = []
        for raw in data.getlist("chosen") if data is not None else []:
            match = CHOICE.fullmatch(raw)
            if match is None:
                self.pairs = None
                break
            self.pairs.append((int(match[1]), int(match[2])))

    def clean(self):
        cleaned = super().clean()
        if self.pairs is None:
            raise forms.ValidationError("The list of drafts was not understood: reload it.")
        if not self.pairs:
            raise forms.ValidationError("Tick at least one draft to send.")
        return cleaned


@role_required(Role.STAFF)
@require_POST
def batch_new(request):
    form = BatchForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)
        for error in form.errors.get("reviewer", []):
            messages.error(request, f"Attorney to review them: {error}")
        return redirect(DRAFTS)
    try:
        batch = batches.start_review_batch(
            choices=form.pairs, reviewer=form.cleaned_data["reviewer"], by=request.user
        )
    except batches.BatchError as exc:
        messages.error(request, str(exc))
        return redirect(DRAFTS)
    n = len(form.pairs)
    messages.success(
        request, f"{n} draft{'s' if n != 1 else ''} queued to be frozen and sent for review."
    )
    return redirect(batch)


@role_required(Role.STAFF)
@require_GET
def batch_detail(request, pk):
    batch = get_object_or_404(ReviewBatch.objects.select_related("created_by", "reviewer"), pk=pk)
    items = batch.items.select_related("agreement__loan").only(
        "status", "reason", "version_number", "started_at", "finished_at", "batch_id",
        "agreement__number", "agreement__kind", "agreement__loan__loan_number",
    )  # fmt: skip
    counts = batches.summary(batch)
    running = counts["finished"] < counts["total"]
    return render(
        request,
        "settlements/batch_detail.html",
        {
            "batch": batch,
            "items": items,
            "counts": counts,
            "running": running,
            "no_worker": running and waiting_without_worker(),
            "Item": ReviewBatchItem.Status,
            "active_nav": "settlements",
        },
    )
