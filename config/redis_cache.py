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

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
