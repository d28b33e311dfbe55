"""Helpers shared by the benchmarks: environment, timing, tables.

Every benchmark runs the site as production does (DJANGO_DEBUG=0, a secret
key, allowed hosts; no HTTPS redirect because nothing here speaks TLS) and
prints figures. Nothing here asserts a timing: a target not met is printed
as "NOT MET" next to what was measured.
"""

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not Path(PYTHON).exists():
    PYTHON = sys.executable

PRODUCTION_LIKE = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    # The workflow emails reviewers and authors; a benchmark sends nothing.
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "DJANGO_SETTINGS_MODULE": "allsite.settings",
}


def use_environment(**overrides):
    """Set this process's environment for Django (before django.setup());
    a value of None removes the variable. Returns the environment."""
    os.environ.update(PRODUCTION_LIKE)
    for name, value in overrides.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return dict(os.environ)


def manage(*args, env=None, quiet=False):
    """Run `manage.py <args>` in a new process; returns its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env or os.environ,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - start


def free_port(first=18080, last=18999):
    """A free loopback port in the range (BENCH_PORT if it is set, for the default range)."""
    wanted = os.environ.get("BENCH_PORT") if first == 18080 else None
    candidates = [int(wanted)] if wanted else range(first, last + 1)
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {first}-{last}")


def percentile(values, fraction):
    """Nearest-rank percentile of a list of numbers (fraction 0.95 for p95)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def timed(fn, repeat, warmup=2):
    """[milliseconds] of `repeat` calls of fn, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def median(values):
    return statistics.median(values)


def verdict(met):
    return "met" if met else "NOT MET"


def table(headers, rows):
    """Print rows as a plain-text table, columns sized to fit."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths))


def heading(text):
    print(f"\n== {text}", flush=True)


def start_redis():
    """A throwaway redis-server on a free loopback port: (process, CACHE_URL).
    The site refuses a per-process cache for several processes, as production does."""
    port = free_port(16300, 16399)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")
