"""Reading settings from the environment: flags, lists, the email server, ADMINS.

Kept apart from settings.py so each rule is small and tested on its own
(tests/test_settings_env.py).
"""

import os
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_SCHEMES = {
    "smtp": {},
    "smtp+tls": {"EMAIL_USE_TLS": True},
    "submission": {"EMAIL_USE_TLS": True},
    "smtps": {"EMAIL_USE_SSL": True},
    "smtp+ssl": {"EMAIL_USE_SSL": True},
}
OTHER_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def email_from_url(url):
    """Django's EMAIL_* settings from one URL.

    smtp://user:password@host:25, smtp+tls://... (STARTTLS, port 587 by
    default), smtps://... (TLS from the start, port 465 by default),
    console:// or dummy://. User and password are percent-encoded (an @ in a
    user name is %40). ?timeout=10 sets EMAIL_TIMEOUT (default 10 seconds).
    """
    parts = urlsplit(url)
    if parts.scheme in OTHER_BACKENDS:
        return {"EMAIL_BACKEND": OTHER_BACKENDS[parts.scheme]}
    if parts.scheme not in EMAIL_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp+tls://user:password@mail.example.org:587 "
            "(schemes: smtp, smtp+tls, smtps, console, dummy)."
        )
    extra = EMAIL_SCHEMES[parts.scheme]
    default_port = 465 if extra.get("EMAIL_USE_SSL") else 587 if extra.get("EMAIL_USE_TLS") else 25
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": extra.get("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": extra.get("EMAIL_USE_SSL", False),
        "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
    }


def email_settings():
    """EMAIL_URL if set, else the separate EMAIL_* variables, else the console
    (emails printed, none sent; DJANGO_EMAIL_BACKEND still overrides)."""
    if os.environ.get("EMAIL_URL"):
        found = email_from_url(os.environ["EMAIL_URL"])
    elif os.environ.get("EMAIL_HOST"):
        found = {
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": os.environ["EMAIL_HOST"],
            "EMAIL_PORT": int(os.environ.get("EMAIL_PORT", "25")),
            "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": env_flag("EMAIL_USE_TLS"),
            "EMAIL_USE_SSL": env_flag("EMAIL_USE_SSL"),
            "EMAIL_TIMEOUT": int(os.environ.get("EMAIL_TIMEOUT", "10")),
        }
    else:
        found = {"EMAIL_BACKEND": OTHER_BACKENDS["console"]}
    if os.environ.get("DJANGO_EMAIL_BACKEND"):
        found["EMAIL_BACKEND"] = os.environ["DJANGO_EMAIL_BACKEND"]
    return found


def admins(value):
    """ADMINS from "Ann Smith <ann@example.org>, ops@example.org"."""
    people = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, address = parseaddr(entry)
        if "@" not in address:
            raise ImproperlyConfigured(
                f"DJANGO_ADMINS has {entry!r}, which is not an email address. "
                'Write e.g. DJANGO_ADMINS="Ann Smith <ann@example.org>, ops@example.org".'
            )
        people.append((name or address, address))
    return people


def media_storage(value):
    """STORAGES["default"] from ALLSITE_MEDIA_STORAGE (JSON: {"BACKEND": ..., "OPTIONS":
    {...}}); empty: files under MEDIA_ROOT."""
    if not value.strip():
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    import json

    try:
        storage = json.loads(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"ALLSITE_MEDIA_STORAGE is not valid JSON ({error}): give it as "
            '{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {...}}.'
        ) from error
    if not isinstance(storage, dict) or not isinstance(storage.get("BACKEND"), str):
        raise ImproperlyConfigured(
            'ALLSITE_MEDIA_STORAGE must be a JSON object with a "BACKEND" (a dotted path to a '
            'storage class) and optionally "OPTIONS".'
        )
    return storage


def origin_of(url):
    """[scheme://host] of an absolute URL (for a Content-Security-Policy), else []."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
