"""One settings module for every environment, driven by environment variables.

Development (``DJANGO_DEBUG=1``) and the test suite get safe local defaults;
anything else is production and refuses to start without a real secret key.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# pytest imports itself before Django loads settings; the suite must not need
# production secrets or HTTPS, yet must run with DEBUG off like production.
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
PRODUCTION = not DEBUG and not TESTING

DEV_SECRET_KEY = "django-insecure-leucocases-development-only"  # noqa: S105 - refused in production
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production refuses to start without a real "
            "secret key (set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif PRODUCTION and (SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a default or too short (under 50 characters); production needs a long random key."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if not PRODUCTION else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "leucocases.editorial",
    "leucocases.taxonomy",
    "leucocases.cases",
    "leucocases.quizzes",
    "leucocases.accounts",
    "leucocases.instructor",
    # LMS integration: django-lti's platform registry and keys, the task queue
    # its grade passback runs on, and our app on top of every other layer.
    "lti_tool",
    "django_tasks_db",
    "leucocases.lti",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session and CSRF middleware, so it sees the cookies they set:
    # only for LMS launches does it let the platform frame the page and make
    # those cookies cross-site (leucocases/lti/framing.py).
    "leucocases.lti.framing.LtiFrameMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages of anyone with a session: Cache-Control private, no-store.
    "leucocases.privatepages.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost but for axes: a cached page still gets every header the middleware above adds.
    "leucocases.pagecache.AnonymousPageCacheMiddleware",
    # Puts the long lists every learner shares (the causes in the play page's pickers)
    # into the rendered page in one join (leucocases/latefragments.py).
    "leucocases.latefragments.LateFragmentsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leucocases.urls"
WSGI_APPLICATION = "leucocases.wsgi.application"
ASGI_APPLICATION = "leucocases.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "leucocases.editorial.context_processors.site",
            ],
            "builtins": ["leucocases.editorial.templatetags.markdown"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Web requests (leucocases/wsgi.py sets LEUCOCASES_WEB=1) give up on a statement that
# runs, or waits for a lock, longer than these, and answer 503 (leucocases/errors.py):
# a locked table or a runaway query must not hold every worker while the load balancer
# waits. Management commands (migrate, imports, backups) run without them. 0 turns one off.
WEB_PROCESS = os.environ.get("LEUCOCASES_WEB") == "1"
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS", "5000"))
DB_LOCK_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_LOCK_TIMEOUT_MS", "2000"))
if WEB_PROCESS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Sent with the connection's start-up packet: no extra round trip per connection.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c lock_timeout={DB_LOCK_TIMEOUT_MS}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_PREPARED_STATEMENTS", True
):
    # The learner's per-request queries (leucocases/preparedsql.py) ask PostgreSQL to keep
    # their plans. Django turns psycopg's preparing off (threshold None); a threshold no
    # query reaches lets statements be prepared when asked, and never otherwise (Django's
    # own cursors bind on the client and are never prepared). Off (0) behind a pooler in
    # transaction mode that does not keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` serves and runs the task worker on one SQLite file. A deferred
    # transaction that reads and then writes fails at once ("database is
    # locked") when the other process writes; an immediate one waits its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each worker's own copy of the hottest cached pages (leucocases/pagecache.py), for
# a few seconds at most, so most hits skip the Redis round trip; bounded in entries.
PAGES_LOCAL_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "leucocases-pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis behind a circuit breaker (leucocases/rediscache.py): a Redis that
            # hangs costs a worker one time-out, then is left alone for a while.
            "BACKEND": "leucocases.rediscache.BreakerRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # Redis holds nothing that is not also in PostgreSQL, so an outage
                # degrades to cache misses, never to errors.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "0.25")),
                "BREAKER_RESET_SECONDS": float(os.environ.get("REDIS_BREAKER_SECONDS", "30")),
            },
        },
        "pages": PAGES_LOCAL_CACHE,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "pages": PAGES_LOCAL_CACHE}
# make bench's "realistic floor" page at /bench/floor/ (leucocases/benchfloor.py); off on the site.
BENCH_FLOOR_VIEW = env_bool("DJANGO_BENCH_FLOOR", False)
# The cache holding the content version (leucocases/editorial/content_version.py), under
# which each worker keeps what it derives from content. It must be shared by every
# process that serves or writes content: Redis, or one development server's own memory.
# Production without Redis has several workers and nothing shared: keep nothing.
CONTENT_VERSION_CACHE = "default" if REDIS_URL or not PRODUCTION else ""
# Sessions live in PostgreSQL alone (the default "db" engine), never in Redis: the
# database is the one authority, so a logout or a password change takes effect
# whatever Redis is doing. (With sessions cached in Redis, a logout while Redis hung
# left the cached copy behind, logged in again once Redis resumed.) A session read
# is one primary-key query.
# Reader pages for visitors without a session are served from the cache for this
# long (leucocases/pagecache.py); editors' changes show within it. Off outside production.
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "60" if PRODUCTION and REDIS_URL else "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+address is refused before any password check.
    "leucocases.security.AxesBackend",
    # Django's ModelBackend, reading the signed-in account with one prepared statement.
    "leucocases.security.AccountBackend",
]
# Django's database sessions, read with one prepared statement (leucocases/sessions.py).
SESSION_ENGINE = "leucocases.sessions"
# Login throttling (django-axes): five failures for one username from one
# address lock that pair out for an hour; a success clears the count. Counting
# the pair (not the address alone) keeps a whole campus behind one NAT address
# from locking itself out; counting the username alone would let anyone lock a
# learner out. Attempts live in the database, shared by every app server.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "60")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "leucocases.security.client_ip"
AXES_USERNAME_CALLABLE = "leucocases.security.client_username"

# Password-reset throttling (leucocases/accounts/services.py), per hour, in the database.
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("DJANGO_PASSWORD_RESET_PER_ADDRESS", "3"))
PASSWORD_RESET_LIMIT_PER_NETWORK = int(os.environ.get("DJANGO_PASSWORD_RESET_PER_NETWORK", "20"))

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "LeucoCases <noreply@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files need collectstatic; development and tests serve
    # straight from static/ so a fresh checkout works without that step.
    "staticfiles": {
        "BACKEND": "leucocases.staticstorage.KeptURLStaticFilesStorage"  # whitenoise's, URLs kept
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Outside production, whitenoise serves straight from the app and static/ folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The case editor posts the whole catalogue as one form (about 25 inputs for
# each of ~90 entries, with their tables and series), past Django's default
# of 1,000 fields; this still bounds what a request may make the server parse.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# No inline script or style anywhere: every page must work under this policy.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe app servers over plain HTTP on the loopback or a private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background jobs (grade passback, xAPI) on Django's tasks framework, stored in
# the database (django-tasks-db): a job survives restarts and an LMS outage.
# `manage.py db_worker` runs them (`make run` starts one beside the server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# xAPI learning records: off unless a Learning Record Store is configured.
XAPI_LRS_ENDPOINT = os.environ.get("XAPI_LRS_ENDPOINT", "")
XAPI_LRS_USERNAME = os.environ.get("XAPI_LRS_USERNAME", "")
XAPI_LRS_PASSWORD = os.environ.get("XAPI_LRS_PASSWORD", "")
#: The IRI that names this site in xAPI statements (actors' account home page, activity ids).
XAPI_SITE_IRI = os.environ.get("XAPI_SITE_IRI", "https://leucocases.example.org")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
