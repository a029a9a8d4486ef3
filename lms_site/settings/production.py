import os

from .base import *  # noqa: F403
from .base import LOG_LEVEL, MIDDLEWARE, env_bool, logging_config, require_secret_key

DEBUG = False
SECRET_KEY = require_secret_key(SECRET_KEY)  # noqa: F405

# nginx terminates TLS and tells us so.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and container healthchecks probe gunicorn directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview sets SAMEORIGIN on its own responses

# gunicorn serves static files itself when nginx is not in front (e.g. a PaaS).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# The payment simulator would open paid courses for free: never here. Without Stripe keys, Buy says
# payments are unavailable; webhooks verify only against the secret Stripe gave this endpoint.
BILLING_SIMULATOR_ENABLED = False
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")

# JSON lines for the log collector, one per record, with the request id (LOG_FORMAT=text for people).
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "json"), LOG_LEVEL)
