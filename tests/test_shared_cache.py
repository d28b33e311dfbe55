"""One truth across processes: the Redis cache, and what a cache outage does.

Against a real redis-server started for the session (tests/servers.py).
Threads stand in for processes where only the cache is shared: each thread
has its own connection to Redis, as each worker process would.
"""

import threading
import time

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from allsite import cache as allsite_cache
from allsite import feedback_views, page_cache, tag_versions
from allsite.cache import CacheUnavailable, caches_from_url
from tests.servers import Gunicorn, RedisServer, TcpProxy, production_env
from tests.test_publishing import run_queued_tasks
from treatments import workflow

pytestmark = pytest.mark.django_db


def redis_settings(url):
    return override_settings(
        CACHES=caches_from_url(url), SHARED_CACHE=True, PAGE_CACHE_ENABLED=True
    )


@pytest.fixture
def shared_cache(redis_server):
    with redis_settings(redis_server.url):
        cache.clear()
        yield cache
        cache.clear()


@pytest.fixture
def no_waiting_after_failures(monkeypatch):
    monkeypatch.setattr(allsite_cache, "RETRY_AFTER_SECONDS", 0)
    monkeypatch.setattr(allsite_cache.ResilientRedisCache, "_down_until", 0.0)


def edit_and_approve(article, editor, reviewer, body):
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body=body, audience=live.audience,
    )  # fmt: skip
    workflow.submit(revision, by=editor, note_for_readers="Updated.")
    workflow.approve(revision, by=reviewer)


def test_a_page_cached_in_redis_costs_no_query_and_a_publish_shows_at_once(
    client, shared_cache, publish, editor, reviewer, helpline, django_assert_num_queries
):
    article = publish()
    url = article.get_absolute_url()
    assert "Induction lasts about a month" in client.get(url).content.decode()
    with django_assert_num_queries(0):
        assert "Induction lasts about a month" in client.get(url).content.decode()
    edit_and_approve(article, editor, reviewer, "## What happens\n\nInduction takes four weeks.\n")
    assert "Induction takes four weeks." in client.get(url).content.decode()


def test_the_feedback_limit_holds_when_many_submissions_arrive_at_the_same_instant(
    shared_cache,
):
    """Each thread has its own Redis connection: a counter read and written
    back (not atomic) would let several through at once."""
    request = RequestFactory().post("/feedback/x/", REMOTE_ADDR="10.1.2.3")
    now = time.time()
    answers, start = [], threading.Barrier(30)

    def submit():
        start.wait()
        answers.append(feedback_views._take_a_turn(request, now))

    threads = [threading.Thread(target=submit) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(None) == feedback_views.RATE_LIMIT
    assert all(wait is None or wait > 0 for wait in answers)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_the_cache_unreachable_pages_come_from_the_database_and_nothing_stale_returns(
    client, redis_server, publish, editor, reviewer, helpline, no_waiting_after_failures
):
    """Redis cut off (still running, keeping what it holds): readers get pages
    rendered from the database; a publish during the outage is recorded; once
    Redis is back, the page it had cached before the outage is not served."""
    proxy = TcpProxy(redis_server.port)
    with redis_settings(f"redis://127.0.0.1:{proxy.port}/0"):
        cache.clear()
        article = publish()
        url = article.get_absolute_url()
        assert "Induction lasts about a month" in client.get(url).content.decode()  # now cached

        proxy.cut()
        started = time.monotonic()
        html = client.get(url).content.decode()
        assert "Induction lasts about a month" in html
        assert "0808 157 0100" in html  # the helpline, from the database
        assert time.monotonic() - started < 5
        with pytest.raises(CacheUnavailable):
            cache.incr("anything")
        edit_and_approve(
            article, editor, reviewer, "## What happens\n\nInduction takes four weeks.\n"
        )
        article.refresh_from_db()
        assert article.live_revision.body.endswith("Induction takes four weeks.\n")
        assert "Induction takes four weeks." in client.get(url).content.decode()

        proxy.resume()
        run_queued_tasks()  # the worker retries the invalidation that could not land
        html = client.get(url).content.decode()
        assert "Induction takes four weeks." in html
        assert "Induction lasts about a month" not in html
        cache.clear()
    proxy.close()


def test_gunicorn_refuses_several_workers_with_a_per_process_cache(collected_static):
    server = Gunicorn(
        production_env(
            DATABASE_URL="sqlite:///:memory:", ALLSITE_STATIC_ROOT=str(collected_static)
        ),
        workers=2,
    )
    with pytest.raises(RuntimeError) as failure:
        server.start()
    server.stop()
    assert "allsite refuses to start" in str(failure.value)
    assert "CACHE_URL=redis://" in str(failure.value)


def test_a_stopped_redis_restarted_empty_is_simply_a_cold_cache(no_waiting_after_failures):
    redis = RedisServer().start()
    with redis_settings(redis.url):
        cache.set("k", "v")
        redis.stop()
        assert cache.get("k") is None
        assert cache.set_many({"a": 1}) == ["a"]
        redis.start()
        assert cache.get("k") is None
        cache.set("k", "again")
        assert cache.get("k") == "again"
    redis.stop()


@pytest.fixture
def fresh_local_versions(monkeypatch):
    from allsite.tag_versions import local_versions

    monkeypatch.setattr(tag_versions, "RETRY_SUBSCRIBE_AFTER", 0)
    with local_versions.lock:
        local_versions._reset()
        local_versions.retry_at = 0.0
    yield local_versions
    with local_versions.lock:
        local_versions._reset()


def another_process_bumps(tag, token, *, announce=True):
    """What a bump in another process does: its own connections store the new
    version and (normally) announce it."""
    from django.core.cache import caches

    other = caches.create_connection("default")
    other.set(page_cache.TAG_PREFIX + tag, token, None)
    if announce:
        other._cache.get_client(write=True).publish(tag_versions.CHANNEL, tag)


def test_a_bump_in_another_process_is_seen_by_the_very_next_lookup(
    shared_cache, fresh_local_versions
):
    first = page_cache.tag_tokens(["page:x"])["page:x"]
    assert fresh_local_versions.known(["page:x"]) == {"page:x": first}  # held in memory
    another_process_bumps("page:x", "new-version")
    assert page_cache.tag_tokens(["page:x"]) == {"page:x": "new-version"}


def test_a_version_changed_without_a_message_is_trusted_only_briefly(
    shared_cache, fresh_local_versions, monkeypatch
):
    monkeypatch.setattr(tag_versions, "TRUST_SECONDS", 0.3)
    first = page_cache.tag_tokens(["page:x"])["page:x"]
    another_process_bumps("page:x", "silent-version", announce=False)
    assert page_cache.tag_tokens(["page:x"]) == {"page:x": first}
    time.sleep(0.35)
    assert page_cache.tag_tokens(["page:x"]) == {"page:x": "silent-version"}


def test_without_the_subscription_nothing_local_is_trusted(
    redis_server, fresh_local_versions, no_waiting_after_failures
):
    proxy = TcpProxy(redis_server.port)
    with redis_settings(f"redis://127.0.0.1:{proxy.port}/0"):
        page_cache.tag_tokens(["page:x"])
        assert fresh_local_versions.known(["page:x"])
        proxy.cut()
        assert fresh_local_versions.known(["page:x"]) == {}
        proxy.resume()
        another_process_bumps("page:x", "after-the-outage")
        assert page_cache.tag_tokens(["page:x"]) == {"page:x": "after-the-outage"}
        cache.clear()
    proxy.close()


def test_a_page_not_in_the_page_cache_reads_nothing_from_redis_once_its_chrome_is_known(
    client, shared_cache, publish, helpline, monkeypatch
):
    """Header, footer, helpline and head are kept in the process once read: a
    page rendered for a new address costs no round trip to Redis."""
    url = publish().get_absolute_url()
    client.get(url + "?from=newsletter")
    commands = []
    real_call = allsite_cache.ResilientRedisCache._call

    def counted(self, method, *args, **kwargs):
        commands.append(method)
        return real_call(self, method, *args, **kwargs)

    monkeypatch.setattr(allsite_cache.ResilientRedisCache, "_call", counted)
    response = client.get(url + "?from=email")
    assert response.status_code == 200
    assert "Talk to someone" in response.content.decode()
    assert commands == []
