"""The Docker files install what production needs and agree with the README."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_image_installs_the_runtime_lock_only_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.txt" in dockerfile
    assert "requirements-dev.txt" not in dockerfile
    assert re.search(r"^USER allsite$", dockerfile, re.M)


def test_compose_runs_the_app_worker_database_redis_and_nginx_sharing_one_cache():
    compose = (ROOT / "compose.yaml").read_text()
    for service in ("db", "redis", "migrate", "app", "worker", "nginx"):
        assert re.search(rf"^  {service}:$", compose, re.M), service
    assert "CACHE_URL: redis://redis:6379/0" in compose
    assert 'command: ["python", "manage.py", "db_worker"]' in compose


def test_the_compose_nginx_config_routes_like_the_readme_one():
    def locations(text):
        return {
            line.strip().split("#")[0].strip().replace("app:8000", "127.0.0.1:8000")
            for line in text.splitlines()
            if line.strip().startswith("location")
        }

    readme = (ROOT / "README.md").read_text()
    documented = re.search(r"```nginx\n(.*?)```", readme, re.S).group(1)
    shipped = (ROOT / "deploy" / "nginx.conf").read_text()
    assert locations(documented) <= locations(shipped)
