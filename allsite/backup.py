"""Backups of the whole site database, and restoring one.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean
--single-transaction`, with the client programs of the server's major version
when installed (else the newest in /usr/lib/postgresql, else PATH). The
connection comes from Django's settings, the password through PGPASSWORD
(never on a command line, where `ps` shows it), SSL options as libpq's
environment variables, as `manage.py dbshell` passes them. SQLite: SQLite's
online backup API, a consistent copy even while the site is serving, in both
directions. Either way the backup holds everything: pages, revisions,
transitions, references, tags, users, feedback, the search index and the
task queue.

A restore first checks the file is a readable backup of the kind of database
configured, so a wrong file changes nothing. Afterwards it makes sure nothing
from before it is served (see `after_restore`).
"""

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.db.backends.postgresql.client import DatabaseClient

from treatments.publishing import CHROME, FEED, GLOSSARY, HOME, MEDICINES, SITEMAP, announce

from .cache import CacheUnavailable

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
WITH_ARTICLE = {"postgresql": "a PostgreSQL", "sqlite": "an SQLite"}
# Tables every allsite database has: a file without them is not a backup of this site.
REQUIRED_TABLES = ("django_migrations", "treatments_article", "allsite_searchentry")


class BackupError(Exception):
    """Something a person must fix; the message says what, in plain words."""


def vendor():
    return connection.vendor


def default_path(directory="backups"):
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
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


# PostgreSQL ----------------------------------------------------------------


def _major(directory):
    return int(directory.name) if directory.name.isdigit() else 0


def pg_program(name, server_major=None):
    """The path of pg_dump or pg_restore: the server's major version if
    installed (a newer pg_dump can write statements an older server refuses),
    else the newest installed (pg_dump refuses a server newer than itself),
    else whatever PATH has."""
    installed = {
        _major(path.parent.parent): path
        for path in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
        if path.is_file()
    }
    if server_major in installed:
        return str(installed[server_major])
    if installed:
        return str(installed[max(installed)])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _server_major():
    connection.ensure_connection()
    version = connection.pg_version  # e.g. 150018
    return version // 10000 if version >= 100000 else None


def pg_connection_arguments():
    """(arguments, environment) to reach the configured database with libpq's
    programs. The environment is the process's own plus the password and SSL
    settings; the arguments never hold the password."""
    db = connection.settings_dict
    arguments = []
    if db.get("NAME"):
        arguments += ["--dbname", db["NAME"]]
    if db.get("HOST"):
        arguments += ["--host", db["HOST"]]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", db["USER"]]
    _, extra = DatabaseClient.settings_to_cmd_args_env(db, [])
    return arguments, {**os.environ, **(extra or {})}


def _run(command, environment, *, what):
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        detail = result.stderr.strip()[-2000:] or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed ({Path(command[0]).name}): {detail}")
    return result.stdout


def _pg_backup(path):
    arguments, environment = pg_connection_arguments()
    program = pg_program("pg_dump", _server_major())
    _run(
        [program, "--format=custom", "--no-owner", "--no-privileges", "--file", str(path),
         "--no-password", *arguments],
        environment,
        what="The backup",
    )  # fmt: skip


def _pg_check(path):
    """Read the archive's table of contents: a truncated or damaged file, or a
    dump of some other database, is refused before anything is dropped."""
    try:
        listing = _run(
            [pg_program("pg_restore"), "--list", str(path)], dict(os.environ), what="Reading it"
        )
    except BackupError as error:
        raise BackupError(
            f"{path} cannot be read as a pg_dump archive: {error}. Nothing was changed."
        ) from error
    for table in REQUIRED_TABLES:
        if not re.search(rf"^\d+; \d+ \d+ TABLE DATA \S+ {table} ", listing, re.M):
            raise BackupError(
                f"{path} is a PostgreSQL dump, but not of an allsite database (it has no "
                f"{table} table). Nothing was changed."
            )


def _pg_restore(path):
    server_major = _server_major()
    arguments, environment = pg_connection_arguments()
    # pg_restore --clean drops the tables Django's connections use: no
    # connection of this process may hold a lock on them, or wait on one.
    connections.close_all()
    try:
        _run(
            [pg_program("pg_restore", server_major), "--clean", "--if-exists", "--no-owner",
             "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password",
             *arguments, str(path)],
            environment,
            what="The restore",
        )  # fmt: skip
    except BackupError as error:
        raise BackupError(
            f"{error}. Nothing was changed: the restore runs in one transaction, rolled back."
        ) from error


# SQLite --------------------------------------------------------------------


def _sqlite_backup(path):
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_check(path):
    try:
        source = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            # A truncated or damaged copy can still list its tables.
            problems = [row[0] for row in source.execute("PRAGMA quick_check")]
            tables = {
                row[0]
                for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    if problems != ["ok"]:
        raise BackupError(
            f"{path} is a damaged SQLite database ({'; '.join(problems[:3])}). Nothing was changed."
        )
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise BackupError(
            f"{path} is an SQLite database, but not an allsite one (it has no {missing[0]} "
            "table). Nothing was changed."
        )


def _sqlite_restore(path):
    # Close Django's connections, so none is inside a transaction, then copy the
    # backup into the live database through the backup API: other processes
    # using the file wait for it (SQLite's locks) and then see the whole backup.
    connections.close_all()
    connection.ensure_connection()
    source = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"The restore failed: {error}. The database was not changed.") from error
    finally:
        source.close()
    connections.close_all()  # so the next query reads the restored schema afresh


# Commands ------------------------------------------------------------------


def backup(path=None):
    """Write a backup of the configured database to `path` (default: in
    backups/, named by the UTC time); returns the path."""
    path = Path(path) if path else default_path()
    if vendor() not in NAMES:
        raise BackupError(f"Backups of {vendor()} databases are not supported.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed when complete: a backup that
    # failed half-way never lies where a good one is expected.
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if vendor() == "postgresql":
            _pg_backup(partial)
        else:
            _sqlite_backup(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def check_restorable(path):
    """Refuse, before anything is touched, a missing file, a file that is no
    backup, a backup of the other kind of database, or a database that is not
    allsite's."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}. Nothing was changed.")
    kind = kind_of(path)
    if kind is None:
        raise BackupError(
            f"{path} is not an allsite backup (neither a pg_dump archive nor an SQLite "
            "database). Nothing was changed."
        )
    if kind != vendor():
        raise BackupError(
            f"{path} is a backup of {WITH_ARTICLE[kind]} database, but this site uses "
            f"{NAMES.get(vendor(), vendor())}. Nothing was changed."
        )
    if kind == "postgresql":
        _pg_check(path)
    else:
        _sqlite_check(path)
    return path


def restore(path, *, checked=False):
    """Replace the configured database with the backup at `path`, then rebuild
    the search index and make every cached copy stale. Returns what was done.
    `checked`: the caller has just called check_restorable."""
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    path = Path(path) if checked else check_restorable(path)
    if vendor() == "postgresql":
        _pg_restore(path)
    else:
        _sqlite_restore(path)
    return after_restore()


# Every cacheable view's tags include one of these (checked by
# tests/test_backup.py), so announcing them makes every cached page stale.
RESTORE_TAGS = frozenset({CHROME, HOME, GLOSSARY, MEDICINES, SITEMAP, FEED})


def after_restore():
    """What a restore does after the data is back, so the site serves only it.

    - The search index is rebuilt from the restored live pages
      (`search.rebuild_index`): the restored index rows would do on PostgreSQL,
      but rebuilding is what guarantees search matches the pages.
    - The cache is cleared, all of it: rendered pages, chrome fragments, the
      cached helpline (allsite.helpline keeps it under the chrome tag's
      version), tag versions. Everything in it is a copy of what the database
      held before, and a copy of a *later* state than the backup could
      otherwise be served again: tag versions would not change by themselves.
    - And the tags in RESTORE_TAGS are announced. Every page the full-page
      cache keeps has the chrome, sitemap or feed tag (robots.txt has none: it
      reads nothing from the database), so this alone makes every cached page
      stale, in every process sharing the cache, even when `clear()` could not
      reach it (the bump is then retried until it lands, allsite.page_cache);
      and it is what tells a static export to redo every page.

    With a per-process cache (no CACHE_URL) this process can only clear its
    own: the site's server must be restarted, which the command says.
    """
    from .search import rebuild_index

    indexed = rebuild_index()
    try:
        cache.clear()
        cleared = True
    except CacheUnavailable:
        cleared = False
    announce(RESTORE_TAGS)
    return {"indexed": indexed, "cache_cleared": cleared, "shared_cache": settings.SHARED_CACHE}
