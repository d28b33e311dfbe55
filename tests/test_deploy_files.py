"""The Docker files install what production needs and agree with the README.

Docker is not needed to run these: they read the files as text (no YAML parser
is a dependency), so they check plain facts, not that an image builds.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_image_installs_the_runtime_lock_only_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.txt" in dockerfile
    assert "requirements-dev.txt" not in dockerfile


def test_the_image_runs_as_a_user_that_owns_only_what_the_app_writes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = re.search(r"^USER allsite$", dockerfile, re.M)
    assert user
    # export_static (compose's migrate service) collects static files again at
    # run time, so the app user made them at build time and owns the directory.
    assert dockerfile.index("collectstatic") > user.start()
    chown = re.search(r"chown allsite (.*)", dockerfile)[1].split()
    assert set(chown) == {"/export", "/media", "/app/backups", "/app/staticfiles"}


def test_the_image_keeps_local_secrets_and_environments_out():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if not line.startswith("#")}
    assert {".env", ".venv", "node_modules", "staticfiles", "db.sqlite3", ".git"} <= ignored


def test_compose_runs_the_app_worker_database_redis_and_nginx_sharing_one_cache():
    compose = (ROOT / "compose.yaml").read_text()
    for service in ("db", "redis", "migrate", "app", "worker", "nginx"):
        assert re.search(rf"^  {service}:$", compose, re.M), service
    assert "CACHE_URL: redis://redis:6379/0" in compose
    assert "DJANGO_TASKS: database" in compose
    assert 'command: ["python", "manage.py", "db_worker"]' in compose
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in compose


def nginx_blocks(text):
    """{block name: set of its directives} of an nginx config ("location /": {...})."""
    tokens = re.findall(r"\"[^\"]*\"|'[^']*'|#[^\n]*|[{};]|[^\s{};\"'#]+", text)
    blocks, stack, words = {}, ["main"], []
    for token in tokens:
        if token.startswith("#"):
            continue
        if token == ";":
            blocks.setdefault(stack[-1], set()).add(" ".join(words))
        elif token == "{":
            stack.append(" ".join(words))
        elif token == "}":
            stack.pop()
        else:
            words.append(token)
            continue
        words = []
    return blocks


def test_the_compose_nginx_config_routes_like_the_readme_one():
    readme = (ROOT / "README.md").read_text()
    documented = nginx_blocks(re.search(r"```nginx\n(.*?)```", readme, re.S)[1])
    shipped = nginx_blocks((ROOT / "deploy" / "nginx.conf").read_text())
    locations = [name for name in documented if name.startswith(("location", "if"))]
    assert len(locations) >= 6
    for name in locations:
        assert documented[name] <= shipped.get(name, set()), name
    for directive in ("error_page 404 /404.html", "recursive_error_pages on"):
        assert directive in documented["server"] & shipped["server"]
    assert documented["upstream allsite_django"] == {"server 127.0.0.1:8000"}
    assert shipped["upstream allsite_django"] == {"server app:8000"}


@pytest.mark.django_db
def test_pages_nginx_serves_from_the_export_get_the_security_headers_django_sends(client):
    django = client.get("/")
    assert django.status_code == 200
    shipped = nginx_blocks((ROOT / "deploy" / "nginx.conf").read_text())
    for name in ("location /", "location @export", "location = /404.html"):
        headers = dict(
            re.fullmatch(r'add_header (\S+) "?(.*?)"? always', directive).groups()
            for directive in shipped[name]
            if directive.startswith("add_header")
        )
        assert headers.pop("Strict-Transport-Security") == "max-age=31536000", name
        csp = headers.pop("Content-Security-Policy")
        assert set(csp.split("; ")) == set(django["Content-Security-Policy"].split("; ")), name
        assert headers == {
            header: django[header]
            for header in (
                "Permissions-Policy",
                "X-Content-Type-Options",
                "X-Frame-Options",
                "Referrer-Policy",
            )
        }, name
