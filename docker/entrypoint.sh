#!/usr/bin/env bash
# Entrypoint of the cxloop image. The first argument picks the role:
#
#   web [GUNICORN_ARGS...]  wait for PostgreSQL, check the connection budget, migrate, sync the
#                           periodic tasks, then exec gunicorn on 0.0.0.0:${PORT:-8000} (the
#                           image's default command)
#   worker [QUEUE [ARGS...]]  a Celery worker for one queue (processing, alerts or periodic;
#                           default $CXLOOP_QUEUE; processing also takes bulk), named QUEUE@hostname
#   beat [ARGS...]          Celery beat (run exactly one)
#   gunicorn ...            the web role's preparation, then exec the given gunicorn command
#   celery ...              wait for PostgreSQL and until no migration is left unapplied,
#                           then exec celery (worker and beat never run migrations)
#   healthcheck             probe /healthz of this container's gunicorn (HEALTHCHECK)
#   anything else           wait for PostgreSQL, then exec it (python manage.py createsuperuser)
#
# web, worker and beat are sized as `make run` sizes them (cxloop/core/capacity.py: gunicorn
# 2 x CPUs + 1 workers, at most 9, with 4 threads; worker concurrency from the CPU count), and
# each refuses to start when PostgreSQL's max_connections cannot hold every connection the
# whole topology may open (`manage.py check_capacity` says what to change).
#
# Only the web role migrates. Several web replicas take turns on a PostgreSQL advisory
# lock, so `docker compose up --scale web=N` cannot run two migrations at once.
#
# Environment (all optional):
#   PORT=8000  WEB_CONCURRENCY (gunicorn processes)  GUNICORN_THREADS=4  GUNICORN_TIMEOUT=60
#   PROCESSING_CONCURRENCY  ALERTS_CONCURRENCY  PERIODIC_CONCURRENCY (Celery children per worker)
#   WEB_REPLICAS=1  PROCESSING_REPLICAS=1 (containers of each, for the connection budget)
#   DB_CONNECTION_MARGIN=10 (connections kept free for psql, one-off commands, other machines)
#   RUN_MIGRATIONS=1 (0: web skips migrate and setup_periodic_tasks)  CHECK_CAPACITY=1 (0: skip)
#   WAIT_FOR_DB=1 (0: skip the wait)  DB_WAIT_TIMEOUT=60  MIGRATIONS_WAIT_TIMEOUT=600
set -euo pipefail

log() {
    printf '%s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

wait_for_db() {
    [[ "${WAIT_FOR_DB:-1}" == "1" ]] || return 0
    log "waiting for the database (up to ${DB_WAIT_TIMEOUT:-60}s)"
    python - "${DB_WAIT_TIMEOUT:-60}" <<'PY'
import sys
import time

import django

django.setup()
from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + float(sys.argv[1])
while True:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        if time.monotonic() >= deadline:
            sys.exit(f"entrypoint: the database is still unreachable, giving up: {exc}")
        print(f"entrypoint: database not ready yet: {str(exc).strip()}", file=sys.stderr)
        time.sleep(2)
    else:
        connection.close()
        break
PY
}

# migrate + setup_periodic_tasks, one container at a time (advisory lock on this session).
migrate_and_schedule() {
    if [[ "${RUN_MIGRATIONS:-1}" != "1" ]]; then
        log "RUN_MIGRATIONS=${RUN_MIGRATIONS}: not migrating"
        return 0
    fi
    python - <<'PY'
import subprocess
import sys

import django

django.setup()
from django.db import connection

LOCK_ID = 0x63786C6F6F70  # "cxloop"
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
    try:
        for command in (["migrate", "--noinput"], ["setup_periodic_tasks"]):
            print("entrypoint: python manage.py " + " ".join(command), file=sys.stderr, flush=True)
            returncode = subprocess.call([sys.executable, "manage.py", *command])
            if returncode:
                sys.exit(returncode)
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
PY
}

# Worker and beat start once the web container has applied every migration.
wait_for_migrations() {
    local timeout="${MIGRATIONS_WAIT_TIMEOUT:-600}"
    local deadline=$((SECONDS + timeout))
    local output
    until output="$(python manage.py migrate --check 2>&1)"; do
        if ((SECONDS >= deadline)); then
            log "migrations still unapplied after ${timeout}s (is the web container running?):"
            printf '%s\n' "$output" >&2
            exit 1
        fi
        log "waiting for the web container to apply migrations"
        sleep 5
    done
}

# Every process of the topology may hold connections; refuse to start when they cannot all fit.
check_capacity() {
    [[ "${CHECK_CAPACITY:-1}" == "1" ]] || return 0
    python manage.py check_capacity
}

healthcheck() {
    exec python - <<'PY'
import json
import os
import sys
import urllib.error
import urllib.request

port = os.environ.get("PORT") or "8000"
# Django answers 400 to a Host outside ALLOWED_HOSTS: send the first concrete one.
hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz",
    # Production trusts X-Forwarded-Proto from the TLS proxy; without it an SSL redirect
    # would bounce this plain-HTTP probe.
    headers={"Host": host, "X-Forwarded-Proto": "https", "Accept": "application/json"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        status, body = response.status, response.read()
except urllib.error.HTTPError as exc:
    status, body = exc.code, exc.read()
except OSError as exc:
    sys.exit(f"unhealthy: {exc}")

try:
    checks = json.loads(body).get("checks", {})
except (ValueError, AttributeError):
    checks = {}
web_ok = all(checks.get(name, {}).get("status") == "ok" for name in ("database", "redis"))
if status == 200 or (status == 503 and web_ok):
    print(f"healthy: HTTP {status} {body.decode(errors='replace')}")
    sys.exit(0)
sys.exit(f"unhealthy: HTTP {status} {body[:500].decode(errors='replace')}")
PY
}

if [[ $# -eq 0 ]]; then
    set -- web
fi

case "$1" in
    healthcheck)
        healthcheck
        ;;
    web)
        shift
        wait_for_db
        check_capacity
        migrate_and_schedule
        log "starting gunicorn on 0.0.0.0:${PORT:-8000}"
        # The same command line `make run` uses (cxloop/core/capacity.py: gunicorn_argv).
        exec python -m cxloop.core.capacity exec web "0.0.0.0:${PORT:-8000}" "$@"
        ;;
    worker)
        queue="${2:-${CXLOOP_QUEUE:-}}"
        [[ -n "$queue" ]] || { log "worker: name a queue (processing, alerts or periodic)"; exit 2; }
        shift $(($# > 1 ? 2 : 1))
        wait_for_db
        wait_for_migrations
        check_capacity
        log "starting the Celery worker for the ${queue} queue"
        exec python -m cxloop.core.capacity exec worker "$queue" "$@"
        ;;
    beat)
        shift
        wait_for_db
        wait_for_migrations
        check_capacity
        exec python -m cxloop.core.capacity exec beat "$@"
        ;;
    gunicorn)
        wait_for_db
        check_capacity
        migrate_and_schedule
        exec "$@"
        ;;
    celery)
        wait_for_db
        wait_for_migrations
        exec "$@"
        ;;
    *)
        wait_for_db
        exec "$@"
        ;;
esac
