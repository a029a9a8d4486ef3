"""Settings of the test identity provider; the database path and the public address come from the environment."""

import os
from pathlib import Path

SECRET_KEY = "only-for-the-test-identity-provider"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# The issuer named in every ID token is this address + /openid.
SITE_URL = os.environ["OIDC_TEST_SITE_URL"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "accounts.tests.oidc_provider_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_TEST_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/login/"
# Its cookies must not collide with Learnwell's on the same host (127.0.0.1) in the browser test.
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; these are throwaway accounts

OIDC_USERINFO = "accounts.tests.oidc_provider_site.claims.userinfo"
OIDC_IDTOKEN_PROCESSING_HOOK = "accounts.tests.oidc_provider_site.claims.add_groups"
OIDC_IDTOKEN_EXPIRE = 600
