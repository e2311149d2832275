"""The site's URLs plus one view that writes a row and then hits a unique constraint."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from accounts.models import User
from noteinvest.urls import urlpatterns as site_urlpatterns


def double_submit(request):
    """Writes a row, then inserts an address another request saved a moment before."""
    with transaction.atomic():
        User.objects.create(email="first-write@example.com")
        # Checked a moment ago and free; saved since by the other request.
        User.objects.create(email=request.POST["email"])
    return HttpResponse("saved")


urlpatterns = [path("test-double-submit/", double_submit), *site_urlpatterns]
