"""Fast, isolated settings for the test suite."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from allsite.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests use the plain static storage so they need no collectstatic run.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    # A test database in a file, not in memory: SQLite's shared in-memory
    # databases lock whole tables between connections, which a real (file)
    # database never does, so tests with threads would fail for the wrong reason.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"allsite-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA synchronous=OFF"  # noqa: F405

# Uploaded images go to a throwaway directory, never into the working tree
# (tests that upload also give each test its own, tests/test_media_library.py).
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="allsite-test-media-")
