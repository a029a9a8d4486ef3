"""gunicorn settings shared by the image (Dockerfile CMD) and the local production stack (deploy/prod-local).

Sized by the environment:
  GUNICORN_BIND      where to listen (default 0.0.0.0:8000; the local stack binds 127.0.0.1 on its own port)
  WEB_CONCURRENCY    worker processes (default: 2 per core, at least 2, at most 8)
  GUNICORN_THREADS   threads per worker (default 4)
  GUNICORN_TIMEOUT   seconds a request may take before its worker is replaced (default 60)
  GUNICORN_PIDFILE / GUNICORN_ACCESS_LOG / GUNICORN_ERROR_LOG   the local stack writes these under var/
"""

import os

wsgi_app = "lms_site.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]

# gthread: a slow upload or report holds one thread, not a whole process. Each worker holds about 130 MiB
# after start-up (deploy/README.md), so the default stays well inside a small host's memory.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(8, max(2, 2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Loading Django once in the master before forking shares the imported code between workers (copy on write)
# and makes a broken release fail at start, not on the first request. No connection is opened at import.
preload_app = True

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Workers restart now and then to cap slow memory growth (a worker that drew a receipt keeps ReportLab). Not
# too often: a new worker warms its caches again (templates, URL resolver, Wagtail's site data), and at 1,000
# requests the load test measured 25 ms of gunicorn CPU per request against 21 ms at 20,000 (bench/README.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# nginx is the only client and sits on another address (a container, or 127.0.0.1 locally): trust its
# X-Forwarded-* headers. Django reads X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER.
forwarded_allow_ips = "*"

# The control socket (gunicorn 25.1+) is unused and would try to create ~/.gunicorn, which the image's app
# user cannot write.
control_socket_disable = True

pidfile = os.environ.get("GUNICORN_PIDFILE") or None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# The request id nginx sent (X-Request-ID) ends each access line, so one request can be followed through
# nginx, gunicorn, Django's log and the tasks it queued. "%(B)s" is the body size gunicorn sent: 0 for a
# private file that nginx sent itself (X-Accel-Redirect).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}i)s'
