"""Each person's choice of e-mails: which kinds, as each happens or in a morning digest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from notifications.forms import PreferenceForm
from notifications.models import Notice, Preference
from notifications.services import preference_for

RECENT = 20


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    if request.method == "POST":  # a first save from two tabs at once: one row, no error
        prefs, _ = Preference.objects.get_or_create(user=request.user)
    else:
        prefs = preference_for(request.user)
    form = PreferenceForm(request.POST or None, instance=prefs, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your e-mail choices are saved.")
        return redirect("notifications:preferences")
    recent = Notice.objects.filter(user=request.user).order_by("-created_at", "-pk")[:RECENT]
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "recent": recent, "shown": RECENT},
    )
