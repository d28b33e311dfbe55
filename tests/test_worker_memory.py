"""A process that only serves public pages does not load the libraries used to
render Markdown, format citations, import reference files or score readability,
nor the Content API's (Django Ninja, pydantic: about 12 MiB): staff screens,
background tasks and the API load them when they need them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = [
    "markdown", "nh3", "citeproc", "lxml", "textstat", "bibtexparser", "rispy", "pylatexenc",
    "ninja", "pydantic",
]  # fmt: skip

SCRIPT = f"""
import sys, django
django.setup()
from django.test import Client
from django.core.management import call_command
call_command("migrate", verbosity=0)
for url in ["/", "/treatment/nothing-here/", "/glossary/", "/medicines/", "/sitemap.xml", "/search/?q=induction"]:
    Client().get(url)
print("loaded:" + ",".join(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_serving_pages_loads_none_of_the_authoring_libraries(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "allsite.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "loaded:", result.stdout
