import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms_site.settings.dev")

app = Celery("lms_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
