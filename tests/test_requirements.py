"""Installs are reproducible and production gets only what it runs.

requirements/runtime.in and requirements/dev.in are what we ask for;
requirements.txt (production) and requirements-dev.txt (development and tests)
are the locks `make lock` makes from them, every package pinned with hashes.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {
    "playwright",
    "ruff",
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "hypothesis",
    "html5lib",
}
PINNED = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)"
    r"(?:\s*;.*?)?(?P<hashes>(?:\s+--hash=sha256:[0-9a-f]{64})+)"
)


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path):
    """The requirement lines of a pip requirements file, continuations joined,
    comments and blank lines dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = (re.sub(r"(^|\s)#.*", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def locked(name):
    """{package: version} of a lock file; fails on any line that is not a pin with hashes."""
    packages = {}
    for line in requirement_lines(ROOT / name):
        match = PINNED.fullmatch(line)
        assert match, f"{name}: not pinned with == and --hash: {line[:80]}"
        packages[normalise(match["name"])] = match["version"]
    return packages


def wanted(name):
    """{package: version} of an input file's own pins (not its -r/-c lines), plus
    the packages its extras bring (psycopg[binary] -> psycopg-binary)."""
    packages = {}
    for line in requirement_lines(ROOT / "requirements" / name):
        if line.startswith("-"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[([^\]]*)\])?==(\S+)", line)
        assert match, f"requirements/{name}: not pinned with ==: {line}"
        package, extras, version = match.groups()
        packages[normalise(package)] = version
        for extra in filter(None, (extras or "").split(",")):
            packages[normalise(f"{package}-{extra.strip()}")] = version
    return packages


def test_every_package_production_installs_is_pinned_with_hashes_dependencies_too():
    production = locked("requirements.txt")
    assert set(production) > set(wanted("runtime.in"))  # the dependencies are locked too


def test_every_package_development_installs_is_pinned_with_hashes():
    assert set(locked("requirements-dev.txt")) > set(wanted("dev.in"))


def test_production_installs_no_test_or_lint_tools():
    assert not DEV_ONLY & set(locked("requirements.txt"))
    assert set(locked("requirements-dev.txt")) >= DEV_ONLY


def test_development_runs_exactly_the_versions_production_runs():
    production, development = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, version in production.items():
        assert development.get(package) == version, package


def test_the_locks_hold_every_package_and_version_the_input_files_ask_for():
    production, development = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, version in wanted("runtime.in").items():
        assert production.get(package) == version, package
    for package, version in wanted("dev.in").items():
        assert development.get(package) == version, package


def test_each_lock_names_the_command_that_regenerates_it_the_one_make_lock_runs():
    makefile = re.sub(r"\\\n\s*", " ", (ROOT / "Makefile").read_text())
    make_lock = re.search(r"^LOCK := \S+ (pip compile .*)$", makefile, re.M)[1]
    for lock, source in (("requirements.txt", "runtime"), ("requirements-dev.txt", "dev")):
        header = (ROOT / lock).read_text().split("\n", 3)[:3]
        assert "make lock" in header[0], lock
        command = header[2].removeprefix("#").split()
        assert command[-3:] == [f"requirements/{source}.in", "-o", lock]
        assert command[0] == "uv"
        assert "--generate-hashes" in command
        assert command[1:-3] == [arg for arg in make_lock.split() if arg != "--quiet"], lock


def test_make_installs_the_development_lock_checking_hashes():
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(r"^\$\(VENV\)/\.installed:(.*?)\n\n", makefile, re.M | re.S)[1]
    assert "requirements-dev.txt" in rule.splitlines()[0]
    assert "--require-hashes -r requirements-dev.txt" in rule
