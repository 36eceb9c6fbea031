"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py config.wsgi`).

Everything can be overridden from the environment, so the same file serves the Procfile,
the container image and the load benchmark (bench/load/run.py). Measured on the 2-core
benchmark VM: see BENCHMARKS.md "## Load" for how the defaults were chosen.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
# WEB_CONCURRENCY is the convention of Heroku-style platforms. Default: cores + 1 processes
# with 2 threads each. On the 2-core benchmark VM this beat the classic 2 x cores + 1 sync
# workers and 5 x 4 threads on page latency (requests are CPU-bound: template rendering
# and JSON; more concurrency only queues inside the processes). BENCHMARKS.md "## Load".
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)
# gthread keeps HTTP keep-alive connections open (sync workers close after each request).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 2)
# Import Django once in the master, fork the workers: faster start, shared memory pages.
preload_app = True
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever. Not too often: a fresh
# worker drops its keep-alive connections and warms up (connections, URL resolver,
# templates), which showed as the p99 of the quote at 300 req/s (BENCHMARKS.md "## Load").
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
# Access log to stdout unless switched off (the load benchmark turns it off).
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG", "1") == "0" else "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (settings read the proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    # preload_app imported Django in the master; a DB connection opened there must not be
    # shared by the forked workers.
    from django.db import connections

    connections.close_all()
