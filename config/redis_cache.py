"""Django's Redis cache, with one client object per server and a one-round-trip counter.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call;
its constructor fills a table of ~170 response callbacks, which cost ~0.1-0.2 ms of CPU per
call (measured with bench/load/profile_requests.py: 101,400 dict inserts for 600 cache
calls). A ``redis.Redis`` is thread-safe and uses the shared connection pool, and the
pool reconnects by itself after a fork (gunicorn preloads the app), so one client per
server is enough.

``incr_window`` is what the API rate limits need: create-if-missing with a TTL and
increment in one pipelined round trip (accounts/api/throttles.py).
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What the client raises when Redis cannot be reached (OSError: refused or timed-out sockets).
CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            # Two threads racing here both build a client; either one is fine to keep.
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def incr_window(self, key: str, timeout: int) -> tuple[int, int]:
        """Add 1 to the counter ``key`` (created at 0 with ``timeout`` seconds to live if it
        does not exist); returns (new value, seconds it has left), in one round trip."""
        key = self.make_and_validate_key(key)
        timeout = max(1, int(timeout))
        client = self._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)
        # SET NX keeps the TTL of a running window; INCR works on the serializer's plain
        # integer encoding, so cache.get(key) still reads the count back.
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = pipe.execute()
        if ttl < 0:
            # The window expired between SET and INCR, and INCR made a key with no TTL.
            client.expire(key, timeout)
            ttl = timeout
        return int(count), int(ttl)


class BestEffortRedisCache(ReusingRedisCache):
    """For caches of things that can always be recomputed (rendered fragments): when Redis
    is unreachable a read is a miss and a write is skipped, with a warning, so the page is
    rendered from scratch instead of failing. Rate limits and idempotency keys stay on the
    strict default cache, where an outage must be noticed (accounts/availability.py)."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except CACHE_ERRORS as exc:
            logger.warning(
                "cache %s unavailable, reading %s as a miss: %s", self._alias(), key, exc
            )
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except CACHE_ERRORS as exc:
            logger.warning("cache %s unavailable, not storing %s: %s", self._alias(), key, exc)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except CACHE_ERRORS as exc:
            logger.warning("cache %s unavailable, not adding %s: %s", self._alias(), key, exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except CACHE_ERRORS as exc:
            # Callers that invalidate (accounts/generations.py) rely on entries' TTLs then.
            logger.warning("cache %s unavailable, not deleting %s: %s", self._alias(), keys, exc)

    def _alias(self) -> str:
        return ",".join(self._servers)
