from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from leucocases.editorial.context_processors import current_audience

from .forms import SignUpForm
from .services import account_sign_up, profile_for, submitted_attempts_for


def _safe_next(request) -> str:
    """The ``next`` the visitor came with, if it stays on this site; otherwise the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            user = account_sign_up(form=form, audience=current_audience(request))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request))
    else:
        form = SignUpForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


def _report_urls_exist() -> bool:
    # The case report page belongs to the cases app; link to it once it exists.
    try:
        reverse("cases:report", kwargs={"pk": 1})
    except NoReverseMatch:
        return False
    return True


@login_required
def dashboard(request):
    context = {
        "profile": profile_for(request.user),
        "attempts": submitted_attempts_for(user=request.user),
        "link_reports": _report_urls_exist(),
    }
    return render(request, "accounts/dashboard.html", context)
