"""NoteInvest settings, read from the environment with safe development defaults.

Variables (see README, "Configuration"):
  DJANGO_SECRET_KEY      required when DJANGO_DEBUG=0
  DJANGO_DEBUG           1 (default, development) or 0 (production)
  DJANGO_ALLOWED_HOSTS   comma-separated host names
  DATABASE_URL           default: SQLite file db.sqlite3 in the project folder
  DJANGO_CONN_MAX_AGE, DJANGO_CONN_HEALTH_CHECKS  keep database connections, check them
  DJANGO_CACHE_URL       default: the database cache (table noteinvest_cache), shared by
                         every server; redis:// or valkey:// for Redis or Valkey
  DJANGO_TASKS           database (default: background workers, `manage.py db_worker`) or
                         immediate (each task runs in the request that queues it)
  DJANGO_SITE_URL        the address links in background mail start with
  DJANGO_WORKER_LOST_AFTER  seconds of worker silence before its task is retried (30)
  DJANGO_SECURE_SSL_REDIRECT, DJANGO_HSTS_SECONDS, DJANGO_SECURE_PROXY_SSL_HEADER,
  DJANGO_CSRF_TRUSTED_ORIGINS, DJANGO_EMAIL_BACKEND (and DJANGO_EMAIL_HOST, ...),
  DJANGO_STATIC_ROOT, DJANGO_MEDIA_ROOT,
  DJANGO_DEFAULT_FROM_EMAIL, DJANGO_TIME_ZONE, DJANGO_LOG_LEVEL, DJANGO_TRUSTED_PROXY_COUNT,
  DJANGO_ACCOUNT_CONTACT
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from noteinvest.cache_url import cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent

# Marks the development key so production can refuse it.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
MIN_SECRET_KEY_LENGTH = 50
# secrets.token_urlsafe(50) has about 40 distinct characters; "aaaa...abcde" has 5.
MIN_SECRET_KEY_DISTINCT = 12
if not DEBUG and (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH
    or len(set(SECRET_KEY)) < MIN_SECRET_KEY_DISTINCT
):
    raise ImproperlyConfigured(
        f"DJANGO_DEBUG=0 needs a real secret key of at least {MIN_SECRET_KEY_LENGTH} random "
        f"characters, {MIN_SECRET_KEY_DISTINCT} of them different: set DJANGO_SECRET_KEY "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "noteinvest",
    "accounts",
    "portfolios",
    "deficiencies",
    "settlements",
    "dashboard",
    "search",
    "notifications",
    "demo",
    # Before django_tasks_db: its db_worker command is background's (heartbeat, recovery).
    "background",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, PDFs and CSVs are never cached (the 400 below included); static files, served
    # by WhiteNoise above, keep their own caching.
    "noteinvest.middleware.PrivateCacheMiddleware",
    # NUL bytes (and control characters in headers and cookies) are bad input everywhere:
    # 400 before the session, CSRF, authentication and axes middleware read any of them.
    "noteinvest.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's roles from the session while their stamp holds (one query fewer a page).
    "accounts.middleware.SessionRolesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A unique constraint refusing a concurrent double submit answers 409, not 500.
    "noteinvest.middleware.ConflictMiddleware",
    # A page read while the database dropped its connections is read again, once.
    "noteinvest.middleware.RetryLostConnectionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a lockout raised during login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "noteinvest.urls"
WSGI_APPLICATION = "noteinvest.wsgi.application"

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
                "noteinvest.context_processors.navigation",
            ],
        },
    },
]

# One cache for every web server and worker (noteinvest.cache_url): portfolio totals are
# computed once for all of them, and lockouts hold on every server.
CACHES = {"default": cache_settings(os.environ.get("DJANGO_CACHE_URL"))}

# Background work (tape imports, agreement renders, mail, the nightly jobs): Django's tasks
# framework with django-tasks-db's database backend; `manage.py db_worker` runs them (make
# run starts one). DJANGO_TASKS=immediate runs each task in the request that queues it
# (scripts, a one-process trial); tests use that too.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
_tasks = os.environ.get("DJANGO_TASKS", "").strip().lower() or "database"
if _tasks not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"DJANGO_TASKS must be database or immediate, not {_tasks!r}.")
if _tasks == "immediate" and not DEBUG:
    # In production a reset mail sent inside the request would tell, by its time, whether an
    # account exists; an import would run inside the upload's request.
    raise ImproperlyConfigured("DJANGO_TASKS=immediate is for development: run workers.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks], "QUEUES": ["default"]}}
# Links in mail sent by the background (deadline reminders) start with this address.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").strip() or "http://127.0.0.1:8000"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        # A kept connection (DJANGO_CONN_MAX_AGE > 0) is checked before a request reuses it:
        # after the database dropped it (a restart, a failover), the next request reconnects
        # instead of failing with a 500, and a db_worker keeps running (bench/load.py).
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while a loan-tape import writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not an in-memory database, for tests: the live server's threads and the
    # import's background thread then each get their own connection, as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A worker silent this long is taken for dead: its task is retried or failed. On SQLite a
# long write (a large import) makes every other write, a worker's beat included, wait up
# to the 20-second busy timeout, more than once: the default is longer there.
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
BACKGROUND_WORKER_LOST_AFTER = int(
    os.environ.get("DJANGO_WORKER_LOST_AFTER", "").strip() or (120 if _SQLITE else 30)
)
if BACKGROUND_WORKER_LOST_AFTER < 15:
    # Workers beat every 5 seconds: a shorter limit would take live workers for dead.
    raise ImproperlyConfigured("DJANGO_WORKER_LOST_AFTER must be at least 15 (seconds).")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user or address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "noteinvest.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# Login throttling: six failures lock the username, and separately the address, for 15 minutes.
AXES_FAILURE_LIMIT = 6
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Axes' own reset on success deletes every attempt from the client's address, the failures
# against other accounts included; accounts.signals resets only the account's own key.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field; it holds the e-mail address
AXES_USERNAME_CALLABLE = "accounts.views.throttle_key"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The client's address behind DJANGO_TRUSTED_PROXY_COUNT proxies (REMOTE_ADDR with none).
AXES_CLIENT_IP_CALLABLE = "accounts.clientip.client_ip"
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes (each web server its own copy); a benchmark points it at a temp folder.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))


def _package_dir(module: str, sub: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured(f"{module} is not installed: run make setup.")
    return Path(next(iter(spec.submodule_search_locations))) / sub


STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The fonts embedded in agreement PDFs, from PyPI, served as static/fonts/source-serif-pro/.
    ("fonts/source-serif-pro", _package_dir("font_source_serif_pro", "files")),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise warns when collectstatic has not run; in development the finders serve instead.
warnings.filterwarnings("ignore", message="No directory at")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail (password reset): printed to the console in development; in production SMTP through
# DJANGO_EMAIL_HOST, DJANGO_EMAIL_PORT, DJANGO_EMAIL_USER, DJANGO_EMAIL_PASSWORD.
# DJANGO_EMAIL_BACKEND overrides either default.
_email_backend = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "587")),
        "username": os.environ.get("DJANGO_EMAIL_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "NoteInvest <noreply@localhost>")
# Whom the "your sign-in address was changed" notice tells its reader to contact.
ACCOUNT_CONTACT = (
    os.environ.get("DJANGO_ACCOUNT_CONTACT", "").strip() or "your NoteInvest administrator"
)

# Content-Security-Policy: everything from our own origin; inline scripts only with a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# How many proxies in front of the app append to X-Forwarded-For (accounts.clientip): 0
# uses REMOTE_ADDR and ignores the header; N takes the Nth address from its right.
try:
    TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0").strip() or "0")
except ValueError:
    TRUSTED_PROXY_COUNT = -1
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be a whole number from 0 to 10.")
if TRUSTED_PROXY_COUNT and not env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_COUNT is for a deployment behind a TLS proxy: "
        "set DJANGO_SECURE_PROXY_SSL_HEADER=1 as well."
    )
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "noteinvest.log.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # Django's default logging gives the `django` logger a console handler of its own in
    # DEBUG, which printed every 403/404 a second time with its traceback. Its records go
    # to the root's filtered console only.
    "loggers": {
        "django": {
            "handlers": [],
            "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING"),
            "propagate": True,
        },
    },
}
