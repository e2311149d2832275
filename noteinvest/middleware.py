"""Site-wide request hygiene: NUL bytes refused, private responses never cached."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

NUL = "\x00"


def _has_nul(querydict) -> bool:
    for key, values in querydict.lists():
        if NUL in key:
            return True
        for value in values:
            if isinstance(value, str) and NUL in value:
                return True
    return False


class RefuseNulMiddleware:
    """A NUL byte in the path, the query string or a form field is bad input: 400.

    PostgreSQL cannot store NUL in text, and no legitimate input has one, so it is
    refused before any view or query sees it, for every user, signed in or not.
    Uploaded files are not read here; the tape reader refuses NUL in cells itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or NUL in request.META.get("QUERY_STRING", "")
            or (_has_nul(request.GET))
        ):
            return self.refuse(request)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            if _has_nul(request.POST):
                return self.refuse(request)
            for upload in request.FILES.values():
                if NUL in (upload.name or ""):
                    return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        return render(
            request,
            "400.html",
            {"reason": "The request contains a NUL character, which no field accepts."},
            status=400,
        )


class PrivateCacheMiddleware:
    """Every page, PDF, CSV and feed the app renders is private: `Cache-Control: private,
    no-store`, so neither a shared proxy nor the browser's disk keeps a copy.

    Static files are served by WhiteNoise before this middleware and keep their own
    long-lived caching headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response
