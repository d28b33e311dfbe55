"""Checks on rendered HTML shared by several test files."""

import re

# Executable inline script: a <script> without src that is not a JSON-LD data block.
INLINE_SCRIPT_RE = re.compile(r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))')
H1_RE = re.compile(r"<h1[\s>]")
