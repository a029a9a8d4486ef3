# syntax=docker/dockerfile:1.7
# Production image: one image for the web (gunicorn), Celery worker and Celery beat services.
# Build: docker build -t learnwell-lms .   (docker-compose.yml builds it for you)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: compile wheels (mysqlclient needs a compiler and the MariaDB headers) -------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /wheels
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt


# ---- runtime: no compiler, only the MariaDB client library mysqlclient links against --------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=lms_site.settings.production \
    MEDIA_ROOT=/srv/media \
    WEB_CONCURRENCY=3

RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*

# Wheels come in through a bind mount so they never end up in a layer of the final image. They are installed
# as files, not through requirements.txt: the build stage checked the downloads against its hashes, and a
# wheel it compiled (mysqlclient) has a hash of its own that no lock file can know.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/*.whl

# The code stays owned by root, so a compromised process cannot rewrite it; the app user only owns
# the directories it writes to. New named volumes mounted there inherit this ownership.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && install -d -o app -g app /srv/media /srv/private /srv/static

WORKDIR /app
COPY . .

# collectstatic only needs settings to import: the production settings insist on a long SECRET_KEY,
# so a throwaway one is given to this command alone (it is not kept in the image's environment).
RUN chmod 0755 deploy/entrypoint.sh \
    && SECRET_KEY="build-only-collectstatic-key-never-used-to-sign-anything-0123456789" \
       python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app

# Asks gunicorn for /readyz the way nginx would (an allowed Host, X-Forwarded-Proto https): healthy when the
# database, the cache and the broker answer (lms_site/health.py). Compose only reports and orders on it; it
# restarts nothing, so a shared Redis outage marks every web container unhealthy without taking one down.
COPY --chmod=0755 <<'PY' /usr/local/bin/web-healthcheck
#!/usr/local/bin/python
import http.client
import os
import sys

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and h != "*"), "localhost")
try:
    connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=5)
    connection.request("GET", "/readyz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    sys.exit(0 if connection.getresponse().status == 200 else 1)
except OSError:
    sys.exit(1)
PY

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=6s --start-period=60s --retries=3 CMD ["web-healthcheck"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]

# deploy/gunicorn.conf.py, shared with the local production stack: gthread workers, --preload, sized by
# WEB_CONCURRENCY and GUNICORN_THREADS, X-Forwarded-* trusted from nginx, access log on stdout.
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
