"""Production settings: `check --deploy` is clean, secrets are required, responses carry the security headers."""

from __future__ import annotations

import json
import textwrap

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, make_user

from .production import PYTHON, manage, production_env, run


def test_check_deploy_reports_nothing():
    """`manage.py check --deploy` with production settings (Redis cache included) reports no issue at all."""
    env = production_env(REDIS_URL="redis://127.0.0.1:6379/0")
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PRINT_SETTINGS = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings as s
    print(json.dumps({
        "DEBUG": s.DEBUG,
        "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
        "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
        "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
        "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
        "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
        "SECURE_REFERRER_POLICY": s.SECURE_REFERRER_POLICY,
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": s.SECURE_CROSS_ORIGIN_OPENER_POLICY,
        "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
        "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"],
        "CACHE": s.CACHES["default"]["BACKEND"],
        "SESSION_ENGINE": s.SESSION_ENGINE,
        "AUTH_BACKEND_0": s.AUTHENTICATION_BACKENDS[0],
        "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
        "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    }))
    """
)


def test_production_settings_are_the_secure_ones():
    """A production process redirects to HTTPS, sends HSTS, secures cookies, caches in Redis behind a
    circuit breaker, keeps sessions in the database and uses whitenoise and axes."""
    env = production_env(REDIS_URL="redis://127.0.0.1:6379/0", DJANGO_BEHIND_TLS_PROXY="1")
    result = run([PYTHON, "-c", PRINT_SETTINGS], env={**env, "DJANGO_SETTINGS_MODULE": "leucocases.settings"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "STATICFILES": "leucocases.staticstorage.KeptURLStaticFilesStorage",
        "CACHE": "leucocases.rediscache.BreakerRedisCache",
        "SESSION_ENGINE": "leucocases.sessions",
        "AUTH_BACKEND_0": "leucocases.security.AxesBackend",
        "AXES_FAILURE_LIMIT": 5,
        "ALLOWED_HOSTS": ["leucocases.example.org"],
    }


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "DJANGO_SECRET_KEY is not set"),
        ("django-insecure-" + "x" * 60, "default or too short"),
        ("short-but-not-default", "default or too short"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret, message):
    """With DJANGO_DEBUG off, a missing, default or short secret key stops every command with a clear message."""
    env = production_env(DJANGO_SECRET_KEY=secret)
    result = manage("check", env=env)
    assert result.returncode != 0
    # One message saying why, and what to run on a development machine; no traceback.
    assert result.stderr.startswith("manage.py: DJANGO_SECRET_KEY ") and message in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def production_mode(settings):
    """This process's settings switched to what production sets (middleware reads them per client)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.ALLOWED_HOSTS = ["leucocases.example.org"]
    return settings


def _cookie_flags(response, name: str) -> dict:
    morsel = response.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}


@pytest.mark.django_db
def test_production_responses_carry_the_security_headers(production_mode):
    """Over HTTPS a page sends HSTS, CSP without unsafe-inline, COOP, Referrer-Policy, nosniff and frame denial."""
    client = Client(HTTP_HOST="leucocases.example.org")
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert _cookie_flags(response, django_settings.CSRF_COOKIE_NAME)["secure"]


@pytest.mark.django_db
def test_production_session_cookie_is_secure_and_http_only(production_mode):
    """After logging in over HTTPS the session cookie is Secure, HttpOnly and SameSite=Lax."""
    user = make_user()
    client = Client(HTTP_HOST="leucocases.example.org")
    client.get(reverse("accounts:login"), secure=True)
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    assert _cookie_flags(response, django_settings.SESSION_COOKIE_NAME) == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(production_mode):
    """A plain-HTTP request gets a permanent redirect to HTTPS; /healthz answers the load balancer directly."""
    client = Client(HTTP_HOST="leucocases.example.org")
    response = client.get("/causes/")
    assert response.status_code == 301
    assert response["Location"] == "https://leucocases.example.org/causes/"
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.content == b"ok"
    assert "no-cache" in health["Cache-Control"]


def test_cooloff_is_an_hour_and_lockout_is_per_username_and_address():
    """Five failures for one username from one address lock that pair out for an hour."""
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 3600
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_RESET_ON_SUCCESS is True
