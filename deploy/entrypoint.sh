#!/bin/sh
# Entry point of every service built from the Dockerfile (web, the three workers, beat).
#   DB_WAIT_SECONDS     how long to wait for the database before giving up (default 60)
#   RUN_MIGRATIONS=1    apply migrations before starting; set it on the web service only, so that
#                       workers never race the web container to migrate the same database
#   STATIC_SHARED_DIR   copy the static files collected at build time into this directory (a volume
#                       nginx serves); a named volume is only filled from the image once, when it is
#                       empty, so without the copy nginx would keep serving the first release's files
set -eu

python - <<'PY'
import os
import sys
import time

import django
from django.db import connection
from django.db.utils import OperationalError

django.setup()
deadline = time.monotonic() + float(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as error:
        if time.monotonic() > deadline:
            sys.exit(f"entrypoint: the database is still unreachable, giving up: {error}")
        print("entrypoint: waiting for the database...", file=sys.stderr, flush=True)
        time.sleep(2)
PY

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi

if [ -n "${STATIC_SHARED_DIR:-}" ]; then
    # Hashed names never collide, so files of the previous release stay for pages still cached by browsers.
    cp -R /app/var/static/. "$STATIC_SHARED_DIR"/
fi

exec "$@"
