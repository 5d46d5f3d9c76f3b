# cxloop production image. One image, three roles (see docker/entrypoint.sh):
#   web     (default)  migrate, sync periodic tasks, then gunicorn on 0.0.0.0:${PORT:-8000}
#   worker QUEUE       a Celery worker for processing, alerts or periodic
#   beat               Celery beat (exactly one)
# Each is sized from the container's CPUs as `make run` sizes it (cxloop/core/capacity.py) and
# checks at start that PostgreSQL can hold every connection the topology may open.
# docker-compose.yml runs the whole topology (postgres, redis, web, three workers, beat).
#
# No compiler is needed: every dependency installs from a wheel (psycopg2-binary bundles libpq).

# ---- deps: the runtime dependencies in a virtualenv -------------------------------------
FROM python:3.12-slim AS deps

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
# Only the metadata, so this layer is rebuilt when the dependencies or their pins change,
# not on every code edit. With no package folders beside pyproject.toml, the "cxloop" wheel
# built here holds no modules, only the dependency list: the code is never shadowed by a
# copy in site-packages and always runs from /app, where BASE_DIR resolves (static/,
# templates/, STATIC_ROOT). No extras: "embedded" (local servers) and "dev" stay out.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock .

# ---- runtime ------------------------------------------------------------------------------
FROM python:3.12-slim AS runtime

LABEL org.opencontainers.image.title="cxloop" \
      org.opencontainers.image.description="Closed-loop customer-feedback management" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=cxloop.settings.production

# Unprivileged user. Its home is writable (gunicorn's control socket lives in ~/.gunicorn);
# the code under /app stays root-owned and read-only for it.
RUN groupadd --system --gid 10001 cxloop \
    && useradd --system --uid 10001 --gid cxloop --create-home --home-dir /home/cxloop \
       --shell /usr/sbin/nologin cxloop

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
COPY . .
RUN chmod 0755 /app/docker/entrypoint.sh

# Static files are baked into the image (whitenoise serves /app/staticfiles). The settings
# read the environment at import, so this step alone gets throwaway values: collectstatic
# connects to neither the database nor Redis, and none of these values reach the image.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput --verbosity 1

USER cxloop

EXPOSE 8000

# Probes /healthz through python's urllib (slim has no curl). The web container is healthy
# while it can serve: a 503 caused only by a missing Celery worker heartbeat still passes
# (the worker has its own healthcheck in docker-compose.yml). Worker and beat containers
# override this check. The start period covers first-boot migrations.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["/app/docker/entrypoint.sh", "healthcheck"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
