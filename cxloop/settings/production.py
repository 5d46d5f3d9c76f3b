"""Production: secrets come from the environment with no default; HTTPS only."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
CXLOOP_PRODUCTION = True
SECRET_KEY = env("SECRET_KEY")
# Previous keys, while SECRET_KEY is rotated: sessions, signed links and the sealed second-factor
# secrets (cxloop/identity/sealing.py) made with them keep working.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Outbound webhooks never go to loopback, private or link-local addresses here unless an operator
# says so explicitly (a receiver on the same private network).
CXLOOP_OUTBOUND_ALLOW_PRIVATE = env.bool("CXLOOP_OUTBOUND_ALLOW_PRIVATE", default=False)
WHITENOISE_USE_FINDERS = False
STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Behind the TLS-terminating proxy the client address is in X-Forwarded-For; without this,
# the throttles, the audit log and the session register would all see the proxy's address
# (cxloop.org.throttle.client_address). AXES_IPWARE_PROXY_COUNT is the older name of the setting.
CXLOOP_TRUSTED_PROXY_COUNT = env.int(
    "CXLOOP_TRUSTED_PROXY_COUNT", default=env.int("AXES_IPWARE_PROXY_COUNT", default=1)
)
