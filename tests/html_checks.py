"""Checks on rendered HTML shared by several test files."""

import json
import re
import shutil
import subprocess
from pathlib import Path

# Executable inline script: a <script> without src that is not a JSON-LD data block.
INLINE_SCRIPT_RE = re.compile(r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))')
H1_RE = re.compile(r"<h1[\s>]")

VNU = Path(__file__).resolve().parents[1] / "node_modules/vnu-jar/build/dist/vnu.jar"


def validate(pages, tmp_path):
    """Nu HTML Checker errors for {name: html}; an empty list means every page is valid."""
    java = shutil.which("java")
    assert java, "make test installs Java (scripts/install-system-deps)"
    assert VNU.is_file(), "make test installs vnu.jar (npm ci)"
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m['url']).stem}: {m['message']} ({m.get('extract', '')!r})" for m in messages]
