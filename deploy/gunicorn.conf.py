"""gunicorn settings for Học bạ số behind nginx (deploy/README.md).

The bind address is given on the command line by the systemd unit (``--bind``), so the unit and
the nginx upstream are rendered from one value. Sync workers: nginx buffers every request body
(``proxy_request_buffering on``, bounded by ``client_max_body_size``) before gunicorn sees it, so
a slow upload never holds a worker; the app refuses an oversized body from its
``Content-Length`` before reading it (hocbaso/core/body_limits.py), which an ASGI server would not
allow. ``HOCBASO_WEB_WORKERS`` in the environment file sets the number of processes.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
# The app is imported once, in the master, before the workers fork: they start at once and share
# its memory, and a slow import (a busy machine) never races the worker timeout below. An upgrade
# therefore needs "systemctl restart hocbaso-web" (a reload keeps the loaded code).
preload_app = True
worker_class = "sync"
workers = int(os.environ.get("HOCBASO_WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# The longest request the app serves on purpose is a spreadsheet import (its reader is killed after
# 30 s) or a certificate check against a remote signing service (30 s): a worker stuck past 60 s is
# killed and restarted. nginx waits 65 s (proxy_read_timeout), so gunicorn decides first.
timeout = 60
graceful_timeout = 30
keepalive = 5  # nginx keeps loopback connections to the upstream open
# Recycle workers now and then (memory of large PDF verifications). Not every 1,000 requests: a
# cached code lookup costs ~1 ms, so at the lookup rate the goal asks for (1,000/s over a few
# workers) each worker restarted every few seconds, and a new worker starts cold (no database
# connection, the trust store and the per-process cache of findings to rebuild) — ADR 0020. The
# jitter spreads the restarts so the workers do not all restart together.
max_requests = 20000
max_requests_jitter = 2000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Only nginx on this machine may say the client used HTTPS (Django reads X-Forwarded-Proto itself,
# HOCBASO_BEHIND_PROXY; the client address comes from HOCBASO_TRUSTED_PROXIES).
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = None  # nginx keeps the access log
errorlog = "-"  # to the journal
loglevel = "info"
# The workers' heartbeat files in memory, not on a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
