"""The cache every process shares, chosen by one URL, and what a cache outage does.

`CACHE_URL` picks the backend (see `caches_from_url`): `redis://host:port/db`
(or `rediss://`, or `unix:///path.sock`) gives Django's built-in RedisCache,
shared by every web process and the task worker on every machine; nothing
(the default) or `locmem://` gives each process its own memory, right only
for one process (`make run`, the tests).

An unreachable Redis must not take the site down: the cache only ever holds
copies (rendered pages, the helpline, tag versions), and the database holds
the truth. `ResilientRedisCache` turns a connection failure into a miss:
reads return nothing, writes are dropped, and for a few seconds after a
failure the process does not try again, so readers get pages rendered from
the database without waiting on a dead server each time. Operations whose
callers must know it failed (`incr`, `decr`) raise `CacheUnavailable`;
`set_many` reports the keys it could not write, which is how the page cache
learns that an invalidation did not land and retries it (allsite.tasks).
"""

import logging
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
RESILIENT_REDIS = "allsite.cache.ResilientRedisCache"
REDIS_SCHEMES = {"redis", "rediss", "unix"}
# After a failure, the process treats the cache as down for this long.
RETRY_AFTER_SECONDS = 5.0


class CacheUnavailable(Exception):
    """The shared cache could not be reached."""


def caches_from_url(url, *, locmem_entries=2000):
    """Django's CACHES setting for a CACHE_URL (empty: per-process memory)."""
    scheme = urlsplit(url).scheme if url else "locmem"
    if scheme == "locmem":
        return {"default": {"BACKEND": LOCMEM, "OPTIONS": {"MAX_ENTRIES": locmem_entries}}}
    if scheme in REDIS_SCHEMES:
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError
        from redis.retry import Retry

        return {
            "default": {
                "BACKEND": RESILIENT_REDIS,
                "LOCATION": url,
                "KEY_PREFIX": "allsite",
                "OPTIONS": {
                    # A cache that does not answer at once is treated as down.
                    "socket_connect_timeout": 0.5,
                    "socket_timeout": 1.0,
                    # Once, at once: a connection the server closed is reopened.
                    "retry": Retry(NoBackoff(), 1),
                    "retry_on_error": [ConnectionError],
                },
            }
        }
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, rediss://, unix:// or locmem://, not {scheme}://."
    )


def is_shared(caches):
    """Whether every process using these settings sees the same cache."""
    return caches["default"]["BACKEND"] != LOCMEM


def _connection_errors():
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionError, TimeoutError)


class ReusedClients(RedisCacheClient):
    """Django's Redis client wrapper, keeping one redis.Redis per connection pool.

    Django makes a new redis.Redis for every cache call, and building one
    (its table of response callbacks) took 0.2 ms, half the time of serving a
    cached page. A redis.Redis is safe to share between threads: the
    connections come from the pool."""

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, where an unreachable Redis is a miss, not an error."""

    _down_until = 0.0  # per process (class attribute: shared by all instances)

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients

    def _call(self, method, failed, *args, **kwargs):
        if time.monotonic() < ResilientRedisCache._down_until:
            return failed(*args, **kwargs)
        try:
            return getattr(super(), method)(*args, **kwargs)
        except _connection_errors() as error:
            ResilientRedisCache._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("Cache unavailable (%s: %s); serving from the database", method, error)
            return failed(*args, **kwargs)

    @staticmethod
    def _unavailable(*args, **kwargs):
        raise CacheUnavailable("The shared cache (Redis) cannot be reached.")

    def get(self, key, default=None, version=None):
        return self._call("get", lambda *a, **k: default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", lambda *a, **k: {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", lambda *a, **k: False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", lambda *a, **k: None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda *a, **k: list(data), data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", lambda *a, **k: False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", lambda *a, **k: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", lambda *a, **k: False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", lambda *a, **k: None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", self._unavailable, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", self._unavailable, key, delta, version)

    def clear(self):
        return self._call("clear", self._unavailable)
