"""Two production-like instances (gunicorn, 2 workers each) sharing PostgreSQL
and Redis, as on two machines behind a load balancer; and what readers get
when the database goes away.

PostgreSQL only: the instances must share the test database with this test
(SQLite's test database lives in this process's memory). `make test` runs the
suite on PostgreSQL too (scripts/with-postgres).
"""

import pytest
import redis
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection

from tests.servers import Browser, Gunicorn, TcpProxy, production_env
from tests.test_helpline import helpline_form_data
from treatments import workflow
from treatments.roles import ensure_groups

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="instances share a PostgreSQL database"
    ),
]


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The staff groups (a data migration made them; a transactional test's flush removes them)."""
    ensure_groups(apps)


def database_url(port=None):
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{port or db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def instances(redis_server, collected_static):
    """Start instances on demand: instance(database_port=None) -> Gunicorn."""
    redis.Redis.from_url(redis_server.url).flushdb()
    started = []

    def instance(database_port=None):
        server = Gunicorn(
            production_env(
                DATABASE_URL=database_url(database_port),
                CACHE_URL=redis_server.url,
                ALLSITE_STATIC_ROOT=str(collected_static),
                ALLSITE_HELPLINE_PHONE="0800 000 0000",
                ALLSITE_HELPLINE_EMAIL="fallback@example.org",
            )
        ).start()
        started.append(server)
        return server

    yield instance
    for server in started:
        server.stop()
    connection.close()


def usable_password(*users):
    """The instances use production password hashers (the tests use a fast one)."""
    for user in users:
        user.password = make_password("pw", hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])


@pytest.fixture
def pbkdf2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def test_a_helpline_change_on_one_instance_shows_on_the_next_request_to_the_other(
    instances, helpline, helpline_staff, publish, pbkdf2
):
    article = publish()
    usable_password(helpline_staff)
    one, other = instances(), instances()
    reader = Browser(other.base)
    for _ in range(4):  # both workers of the other instance have the page and helpline cached
        status, _, html = reader.get(article.get_absolute_url())
        assert status == 200
        assert "0808 157 0100" in html

    staff = Browser(one.base).log_in("helpdesk", "pw")
    status, _, page = staff.post_form(
        f"/admin/allsite/helplineinfo/{helpline.pk}/change/",
        helpline_form_data(helpline, **{"phones-0-number": "0808 157 0555"}),
    )
    assert status == 302, page[:2000]

    for _ in range(4):
        status, _, html = reader.get(article.get_absolute_url())
        assert "0808 157 0555" in html
        assert "0808 157 0100" not in html


def test_a_reviewer_approves_on_one_instance_and_the_other_serves_the_new_text(
    instances, publish, editor, reviewer, pbkdf2
):
    article = publish()
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body="## What happens\n\nInduction takes about four weeks [@acs-treating-all].\n",
    )  # fmt: skip
    workflow.submit(revision, by=editor, note_for_readers="Clearer wording.")
    usable_password(reviewer)
    one, other = instances(), instances()
    reader = Browser(other.base)
    for _ in range(4):
        assert "Induction lasts about a month" in reader.get(article.get_absolute_url())[2]

    doctor = Browser(one.base).log_in("dr_rev", "pw")
    status, _, page = doctor.post_form(
        f"/admin/treatments/article/review/{revision.pk}/",
        {"action": "approve", "comment": "Checked against the sources."},
    )
    assert status == 302, page[:2000]

    for _ in range(4):
        html = reader.get(article.get_absolute_url())[2]
        assert "Induction takes about four weeks" in html
        assert "Induction lasts about a month" not in html


def test_with_the_database_down_a_cached_page_is_served_and_others_get_503_with_the_helpline(
    instances, helpline, publish
):
    cached, uncached = publish("induction"), publish("maintenance", title="Maintenance")
    proxy = TcpProxy(int(connection.settings_dict["PORT"]))
    server = instances(database_port=proxy.port)
    reader = Browser(server.base)
    for _ in range(4):
        assert reader.get(cached.get_absolute_url())[0] == 200

    proxy.cut()
    status, _, html = reader.get(cached.get_absolute_url())
    assert status == 200
    assert "Induction lasts about a month" in html

    status, headers, html = reader.get(uncached.get_absolute_url())
    assert status == 503
    assert headers["Retry-After"]
    assert "not available just now" in html
    assert 'href="tel:08081570100"' in html  # the helpline's own number, from the cache
    assert "support@example.org" in html

    status, _, body = reader.get("/healthz")
    assert status == 503
    assert '"database": {"ok": false' in body
