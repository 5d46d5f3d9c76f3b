"""A real OpenID provider (django-oidc-provider) for the single sign-on tests: the outside world.

Started by tests/identity/provider/fixture.py in a process of its own on 127.0.0.1, with its own
SQLite database in a temporary folder (IDP_DB); cxloop talks to it over HTTP as to any provider.
"""

import os

SECRET_KEY = "test-identity-provider-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
    "tests.identity.provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.identity.provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("IDP_DB", ":memory:")}
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
# The browser holds cxloop's cookies for the same host: the provider's must not share their names.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
SITE_URL = os.environ.get("IDP_URL")
OIDC_EXTRA_SCOPE_CLAIMS = "tests.identity.provider.claims.GroupsClaims"
OIDC_USERINFO = "tests.identity.provider.claims.userinfo"
OIDC_SKIP_CONSENT_EXPIRE = 1
