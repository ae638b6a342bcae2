from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from leucocases.audience import AUDIENCE_COOKIE, AUDIENCES


def editorial_policy(request):
    return render(request, "editorial/policy.html")


def disclaimer(request):
    return render(request, "editorial/disclaimer.html")


@require_POST
def set_audience(request):
    """Remember "Which best describes you?" for this visitor (a year-long cookie)."""
    audience = request.POST.get("audience", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if audience in dict(AUDIENCES):
        response.set_cookie(
            AUDIENCE_COOKIE,
            audience,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response
