"""Cache-tag versions held in each process's memory, kept current by Redis.

Every public request needs the current version of a page's tags (its key in
the full-page cache is made of them). Reading them from Redis costs a round
trip per request, a third of a cached page's time. Instead each process keeps
the versions it has read and subscribes to a Redis channel on which every
bump is published (`publish`, right after the new versions are stored). At
the start of each lookup the process reads, without waiting, whatever bump
messages have arrived on that connection and forgets those tags; Redis sends
the message to every subscriber while it answers the bump, before the
publishing request has even finished, so the next request anywhere sees the
change. This is how Redis's own client-side caching works (which needs Redis
7.4; Debian 12 has 7.0).

Safety nets: a version is trusted for at most TRUST_SECONDS even if no message
came (a connection that silently stopped delivering cannot keep a page stale
longer than that); if the subscription fails, nothing local is trusted until
it is back; a forked process starts with nothing. Only for the Redis cache:
with per-process memory the versions are local anyway.
"""

import contextlib
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

CHANNEL = "allsite:tag-bumps"
TRUST_SECONDS = 2.0
RETRY_SUBSCRIBE_AFTER = 5.0


def _redis_client():
    """The redis.Redis behind the default cache, or None if it is not Redis."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if not settings.SHARED_CACHE or get_client is None:
        return None
    return get_client(write=True)


def _connection_errors():
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionError, TimeoutError, OSError)


class LocalTagVersions:
    def __init__(self):
        self.lock = threading.Lock()
        self.pid, self.pubsub, self.versions, self.retry_at = None, None, {}, 0.0

    def _reset(self):
        if self.pubsub is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to close cleanly
                self.pubsub.close()
        self.pubsub, self.versions = None, {}

    def _subscribed(self):
        """Whether this process listens to bumps now (subscribing if needed)."""
        if self.pid != os.getpid():  # a forked child: the parent's socket is not ours
            self.pid, self.pubsub, self.versions = os.getpid(), None, {}
        if self.pubsub is not None or time.monotonic() < self.retry_at:
            return self.pubsub is not None
        client = _redis_client()
        if client is None:
            return False
        try:
            pubsub = client.pubsub()
            pubsub.subscribe(CHANNEL)
            confirmation = pubsub.get_message(timeout=1.0)
            if not confirmation or confirmation["type"] != "subscribe":
                raise ConnectionError("no subscription confirmation")
        except _connection_errors() as error:
            logger.warning(
                "Not listening for cache-tag changes (%s); reading them each time", error
            )
            self.retry_at = time.monotonic() + RETRY_SUBSCRIBE_AFTER
            return False
        self.pubsub = pubsub
        return True

    def _drain(self):
        """Forget every tag a bump message has named since the last look."""
        try:
            while (message := self.pubsub.get_message(timeout=0.0)) is not None:
                if message["type"] == "message":
                    data = message["data"]
                    for tag in (data.decode() if isinstance(data, bytes) else data).split():
                        self.versions.pop(tag, None)
        except _connection_errors() as error:
            logger.warning("Lost the cache-tag subscription (%s)", error)
            self._reset()
            self.retry_at = time.monotonic() + RETRY_SUBSCRIBE_AFTER

    def known(self, tags):
        """{tag: version} of the tags whose local version can be trusted now."""
        with self.lock:
            if not self._subscribed():
                return {}
            self._drain()
            if self.pubsub is None:
                return {}
            now = time.monotonic()
            found = {}
            for tag in tags:
                entry = self.versions.get(tag)
                if entry is not None and now - entry[1] < TRUST_SECONDS:
                    found[tag] = entry[0]
            return found

    def remember(self, tokens):
        """Keep versions just read from Redis (only while listening for bumps)."""
        with self.lock:
            if self.pubsub is not None and self.pid == os.getpid():
                now = time.monotonic()
                for tag, token in tokens.items():
                    self.versions[tag] = (token, now)

    def publish(self, tags):
        """Tell every process these tags have new versions. False if Redis refused."""
        with self.lock:
            for tag in tags:
                self.versions.pop(tag, None)
        client = _redis_client()
        if client is None:
            return True
        try:
            client.publish(CHANNEL, " ".join(sorted(tags)))
        except _connection_errors():
            return False
        return True


local_versions = LocalTagVersions()
