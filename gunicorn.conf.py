"""gunicorn's settings for NoteInvest, read from the environment (docs/deploy.md).

    gunicorn            # from the project folder: this file is read by itself

  HOST, PORT              where to listen (127.0.0.1:8000); GUNICORN_BIND overrides both
  WEB_CONCURRENCY         worker processes (2 per core + 1)
  GUNICORN_THREADS        threads per process (1: the app is CPU-bound, PDF rendering most)
  GUNICORN_TIMEOUT        seconds before a silent request's process is restarted (60)
  GUNICORN_MAX_REQUESTS   requests before a process is replaced (2000, with jitter)
  GUNICORN_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-* (127.0.0.1)

Background work is not done here: run `manage.py db_worker` beside it.
"""

import multiprocessing
import os

wsgi_app = "noteinvest.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# gunicorn's control socket is one file per user ($HOME/.gunicorn): two servers on one
# machine would fight over it. Manage the server with signals (HUP, TERM) instead.
control_socket_disable = True
# Each process opens its own database connections after the fork, never shares the parent's.
preload_app = False
