"""The results page of the search box in the navigation."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search import services


@login_required
@require_safe
def results(request):
    query = services.parse(request.GET.get("q", ""))
    groups = services.search(request.user, query)
    return render(
        request,
        "search/results.html",
        {
            "query": query,
            "groups": groups,
            "search_text": query.text,  # the navigation's box keeps what was typed
            "max_length": services.MAX_LENGTH,
            "per_group": services.PER_GROUP,
        },
    )
