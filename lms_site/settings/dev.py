from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine on a laptop; production.py refuses to start without a real one.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: F405

# runserver is one process, so its local-memory cache is the only one and may hold sessions (see base.py).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Webhook receivers tried on a laptop usually listen on localhost (base.py refuses private addresses).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True)
