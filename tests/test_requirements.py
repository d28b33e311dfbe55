"""Installs are reproducible and production gets only what it runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"playwright", "ruff", "pytest", "pytest-django", "hypothesis", "html5lib"}


def locked(name):
    """{package: (version, number of hashes)} of a lock file."""
    text = (ROOT / name).read_text()
    packages = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)", block)
        if match:
            name_ = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")
            packages[name_] = (match.group(2), block.count("--hash=sha256:"))
    return packages


def wanted(name):
    lines = (ROOT / "requirements" / name).read_text().splitlines()
    return {
        re.sub(r"\[.*\]", "", line.split("==")[0]).strip().lower(): line.split("==")[1].strip()
        for line in lines
        if "==" in line and not line.startswith(("#", "-"))
    }


def test_production_installs_no_test_or_lint_tools():
    assert not DEV_ONLY & set(locked("requirements.txt"))
    assert set(locked("requirements-dev.txt")) >= DEV_ONLY


def test_every_installed_package_is_pinned_with_hashes_including_dependencies():
    for lock in ("requirements.txt", "requirements-dev.txt"):
        packages = locked(lock)
        assert len(packages) > len(wanted("runtime.in"))  # transitive packages too
        for package, (_version, hashes) in packages.items():
            assert hashes >= 1, (lock, package)


def test_development_runs_exactly_the_versions_production_runs():
    production, development = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, (version, _) in production.items():
        assert development[package][0] == version, package


def test_the_locks_hold_the_versions_the_input_files_ask_for():
    production, development = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, version in wanted("runtime.in").items():
        assert production[package][0] == version, package
    for package, version in wanted("dev.in").items():
        assert development[package][0] == version, package
