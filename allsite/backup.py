"""Backups of the whole site database, and restoring one.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean` (the
client programs of the newest PostgreSQL installed). SQLite: SQLite's online
backup API, a consistent copy even while the site is serving. Either way the
backup holds everything: pages, revisions, transitions, references, tags,
users, feedback, the search index and the task queue.

A restore then makes sure nothing from before it is served: it rebuilds the
search index from the restored live pages and clears the cache (all of it:
rendered pages, chrome fragments, the helpline, tag versions; with Redis,
CACHE_URL's whole database, which is why allsite should have one of its own),
and announces that everything changed, so a static export is redone too.
"""

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.core.cache import cache
from django.db import connection, connections

from .cache import CacheUnavailable

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Something a person must fix; the message says what, in plain words."""


def vendor():
    return connection.vendor


def default_path(directory="backups"):
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if vendor() == "postgresql" else "sqlite3"
    return Path(directory) / f"allsite-{stamp}.{suffix}"


def kind_of(path):
    """ "postgresql" or "sqlite" by the file's first bytes; None if neither."""
    with open(path, "rb") as file:
        start = file.read(16)
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    if start == SQLITE_MAGIC:
        return "sqlite"
    return None


def _pg_program(name):
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _pg_arguments():
    db = connection.settings_dict
    arguments = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        arguments += ["--host", db["HOST"]]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", db["USER"]]
    environment = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return arguments, environment


def _run(command, environment):
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(path=None):
    """Write a backup of the configured database to `path`; returns the path."""
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor() == "postgresql":
        arguments, environment = _pg_arguments()
        _run(
            [_pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(path), *arguments],
            environment,
        )  # fmt: skip
    elif vendor() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"Backups of {vendor()} databases are not supported.")
    return path


def check_restorable(path):
    """Refuse a missing file or a backup of the other kind of database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    kind = kind_of(path)
    if kind is None:
        raise BackupError(f"{path} is not an allsite backup (neither pg_dump nor SQLite).")
    if kind != vendor():
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(
            f"{path} is a backup of a {names[kind]} database, but this site uses "
            f"{names.get(vendor(), vendor())}. Nothing was changed."
        )
    return path


def restore(path):
    """Replace the configured database with the backup at `path`, then rebuild
    the search index and forget every cached copy. Returns what was done."""
    path = check_restorable(path)
    if vendor() == "postgresql":
        connections.close_all()
        arguments, environment = _pg_arguments()
        _run(
            [_pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner",
             "--no-privileges", "--single-transaction", "--exit-on-error", *arguments, str(path)],
            environment,
        )  # fmt: skip
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return after_restore()


def after_restore():
    from treatments.publishing import CHROME, FEED, GLOSSARY, HOME, MEDICINES, SITEMAP, announce

    from .search import rebuild_index

    indexed = rebuild_index()
    try:
        cache.clear()
        cleared = True
    except CacheUnavailable:
        cleared = False  # the announcement below is retried until the cache takes it
    announce({CHROME, HOME, MEDICINES, GLOSSARY, SITEMAP, FEED})
    return {"indexed": indexed, "cache_cleared": cleared}
