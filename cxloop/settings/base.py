"""Complete settings for every environment; production.py only hardens them.

Everything that differs between machines is read from the environment:
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, EMAIL_URL, PORT.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

from cxloop.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# True only in production.py: demo data and other development conveniences refuse to run there.
CXLOOP_PRODUCTION = False
# A development key only; production.py reads SECRET_KEY with no default.
SECRET_KEY = env("SECRET_KEY", default="cxloop-development-only-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
PORT = env.int("PORT", default=8000)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "csp",
    # Sign-in: passwords, single sign-on (OpenID Connect) and a second factor (cxloop/identity).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # allauth's security-key pages use its filters.
    "django.contrib.humanize",
    # Email providers (SMTP or any ESP) and their delivery and inbound webhooks.
    "anymail",
    "cxloop.org",
    "cxloop.core",
    "cxloop.notifications",
    "cxloop.outbound",
    "cxloop.identity",
    "feedback",
    "innerloop",
    "outerloop",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) until a person picks their own (cxloop.org.language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Keeps the request for audit rows written without one at hand (the person, their address).
    "cxloop.core.auditlog.context.AuditContextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language (kept in their session) overrides the browser's.
    "cxloop.org.language.PersonLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Before the login check, so an expired session is sent to sign in again.
    "cxloop.org.sessions.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "cxloop.org.presence.PresenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the login check and messages: a person whose role needs a second factor and who has none
    # reaches only its enrolment (and logout) until they have one.
    "cxloop.identity.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must be last: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxloop.urls"
WSGI_APPLICATION = "cxloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxloop.org.context_processors.navigation",
                "cxloop.notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Services own their transactions (STYLE.md: durable service transactions, no ATOMIC_REQUESTS).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cxloop",
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Refuses sign-in from an address or for a username past its failure limit (cxloop/org/throttle.py).
    "cxloop.org.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # django-allauth signs people in through it after single sign-on and the second factor.
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login attempts are limited per username and address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The login form is django-allauth's (its field is "login"); axes reads the username from the
# credentials it authenticates with, or from that field (cxloop/identity/axes.py).
AXES_USERNAME_CALLABLE = "cxloop.identity.axes.username_of"
# The client's address, read one way by everything that uses it (axes, the throttle, allauth, the
# session register, the audit log): behind this many trusted proxies, that many entries from the right
# of X-Forwarded-For; with none (the default) X-Forwarded-For is ignored, since a client can send it.
CXLOOP_TRUSTED_PROXY_COUNT = env.int("CXLOOP_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "cxloop.org.throttle.client_address"
# Beyond axes: password spraying (failures for many usernames from one address) and distributed
# guessing (failures for one username from many addresses), counted over a sliding window; past a
# limit, sign-in from that address / for that username is refused for the cooldown.
CXLOOP_LOGIN_FAILURES_PER_ADDRESS = env.int("CXLOOP_LOGIN_FAILURES_PER_ADDRESS", default=20)
CXLOOP_LOGIN_FAILURES_PER_USERNAME = env.int("CXLOOP_LOGIN_FAILURES_PER_USERNAME", default=10)
CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS = env.int("CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
CXLOOP_LOGIN_COOLDOWN_SECONDS = env.int("CXLOOP_LOGIN_COOLDOWN_SECONDS", default=15 * 60)

# Sign-in with django-allauth: single sign-on and a second factor.
from .signin import *  # noqa: E402, F403

LANGUAGE_CODE = "en"
# The interface speaks English and European Portuguese (the Lisbon contact centre); each person picks
# theirs (cxloop.org.language), and the browser's choice is used until they do.
LANGUAGES = [("en", "English"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as each language writes them (cxloop/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["cxloop.formats"]
TIME_ZONE = "UTC"
# The organisation's currency (ISO 4217): customer value and value at risk are shown in it, written
# as the reader's language writes money (cxloop/core/templatetags/cxloop_words.py `money`).
CXLOOP_CURRENCY = env("CXLOOP_CURRENCY", default="EUR")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Set in production, where collectstatic fills it; elsewhere files are served from the app folders.
STATIC_ROOT: Path | None = None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders when collectstatic has not run (make run, tests).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".cxloop" / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cxloop <cxloop@localhost>")
# Where links in emails point.
CXLOOP_BASE_URL = env("CXLOOP_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Any django-anymail provider instead of SMTP: EMAIL_BACKEND="anymail.backends.postmark.EmailBackend"
# and its settings as ANYMAIL_* variables; the tracking webhooks (/hooks/email/<provider>/tracking/)
# refuse every call until ANYMAIL_WEBHOOK_SECRET ("user:password", basic auth) is set.
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in env.ENVIRON.items() if name.startswith("ANYMAIL_")
}
# Surveys, replies, text messages and outbound webhooks.
from .channels import *  # noqa: E402, F403

# --- Security headers (all environments; production adds HTTPS-only ones) ---
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request, and this long after sign-in, whichever comes
# first (cxloop/org/sessions.py); the cookie itself lives no longer than the second.
CXLOOP_SESSION_IDLE_SECONDS = env.int("CXLOOP_SESSION_IDLE_SECONDS", default=30 * 60)
CXLOOP_SESSION_MAX_SECONDS = env.int("CXLOOP_SESSION_MAX_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = CXLOOP_SESSION_MAX_SECONDS
# Database sessions that keep the register of signed-in sessions (cxloop.org.UserSession) when an id
# rotates, so a person's sessions can be listed and ended.
SESSION_ENGINE = "cxloop.org.session_store"
# API tokens expire this many days after creation (their creator may pick fewer); after a rotation
# the replaced key keeps working this many seconds (0: it stops at once).
CXLOOP_API_TOKEN_DAYS = env.int("CXLOOP_API_TOKEN_DAYS", default=90)
CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS = env.int("CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS", default=0)
# Keys never issued, sent from one address within the login failure window, before that address's
# keyed API requests are refused for the cooldown (429).
CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS = env.int("CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS", default=100)
# An invitation's one-time link works this many days (cxloop/org/invitations.py).
CXLOOP_INVITATION_DAYS = env.int("CXLOOP_INVITATION_DAYS", default=7)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cxloop.org.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "cxloop.org.permissions.TokenScope",
    ],
    "DEFAULT_PARSER_CLASSES": ["cxloop.core.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "cxloop.core.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cxloop.core.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cxloop.core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cxloop API",
    "DESCRIPTION": "Closed-loop customer-feedback management.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["cxloop.org.permissions.IsPerson"],
    # Swagger UI from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Requests and responses described apart: what a request may not leave blank, and no read-only
    # fields in request bodies (drf-spectacular's "most accurate" mode).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # 400, 401, 403, 404 and 413 as each operation can answer them, in the one error shape.
        "cxloop.core.api.document_error_answers",
    ],
}

# --- Celery (DESIGN.md section 4) ---
# Separate queues, so an alert never waits behind bulk work: processing (enrichment and triage of
# live items: single posts, webhook deliveries, small arrays), bulk (large arrays and imports; the
# processing worker takes bulk work only when no live item waits), alerts
# (escalations, notifications, emails) and periodic (beat's sweeps and nightly jobs). A worker runs
# per queue but bulk (`make run`, docker-compose.yml); a prefix keeps test and bench runs apart.
CXLOOP_QUEUE_PREFIX = env("CXLOOP_QUEUE_PREFIX", default="")
CXLOOP_QUEUES = {name: CXLOOP_QUEUE_PREFIX + name for name in ("processing", "bulk", "alerts", "periodic")}
CELERY_TASK_DEFAULT_QUEUE = CXLOOP_QUEUES["processing"]
_ROUTED_TO = {
    "processing": ("feedback.process", "feedback.process_many"),
    "bulk": ("feedback.process_bulk", "feedback.import_read", "feedback.import_run"),
    "alerts": ("notifications.email_send", "notifications.alert_summaries_send",
               "innerloop.escalate_overdue", "surveys.invitation_send", "notifications.text_send"),
    # Everything else beat starts: sweeps, nightly jobs, huddle summaries, digests.
    "periodic": ("*",),
}  # fmt: skip
CELERY_TASK_ROUTES = {
    name: {"queue": CXLOOP_QUEUES[queue]} for queue, names in _ROUTED_TO.items() for name in names
}
# Task modules that autodiscovery (each app's tasks.py) does not find: every worker imports them.
CELERY_IMPORTS = ("feedback.surveys.tasks", "cxloop.notifications.sms_tasks")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is down: the write has committed and a sweep re-sends.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# acks_late tasks must not be redelivered while still running: longer than the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A worker that consumes several queues takes them in the order it names them, every time (the
    # processing worker: live items, then bulk loads); the default, round robin, let one bulk chunk
    # in between every two live items, and live items queued behind a large load.
    "queue_order_strategy": "priority",
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How long a worker heartbeat stays valid for /healthz.
CXLOOP_HEARTBEAT_SECONDS = 10

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Largest API request body: 1,000 items with long comments fit comfortably.
CXLOOP_API_MAX_BODY_BYTES = env.int("CXLOOP_API_MAX_BODY_BYTES", default=16 * 1024 * 1024)
