from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from leucocases.audience import current_audience
from leucocases.quizzes.selectors import dashboard_for
from leucocases.security import client_ip

from .forms import SignUpForm
from .services import ResetVerdict, account_sign_up, password_reset_request, profile_for


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
            login(request, user, backend="leucocases.security.AccountBackend")
            return HttpResponseRedirect(_safe_next(request))
    else:
        form = SignUpForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_GET
def dashboard(request):
    context = {
        "profile": profile_for(request.user),
        "dash": dashboard_for(user=request.user),
    }
    return render(request, "accounts/dashboard.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, throttled: an address gets a few e-mails an hour and a network
    makes a few dozen requests (``services.password_reset_request``)."""

    def form_valid(self, form):
        verdict = password_reset_request(email=form.cleaned_data["email"], ip_address=client_ip(self.request))
        if verdict is ResetVerdict.NETWORK_LIMIT:
            return render(self.request, "registration/password_reset_limited.html", status=429)
        if verdict is ResetVerdict.ADDRESS_LIMIT:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
