import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
WAGTAILADMIN_BASE_URL = "http://testserver"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
STORAGES["media_private"]["OPTIONS"]["location"] = str(BASE_DIR / "var" / "test-private" / "media")  # noqa: F405
STORAGES["certificates"]["OPTIONS"]["location"] = str(BASE_DIR / "var" / "test-private" / "certificates")  # noqa: F405
STORAGES["exports"]["OPTIONS"]["location"] = str(BASE_DIR / "var" / "test-private" / "exports")  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests run tasks in-process even when REDIS_URL is set; test_celery_worker.py turns this off
# to send a task through the real broker to a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# No calls out of the machine: the admin dashboard would otherwise ask releases.wagtail.org for updates.
WAGTAIL_ENABLE_UPDATE_CHECK = False
