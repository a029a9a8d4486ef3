import os

from django.core.wsgi import get_wsgi_application

# Before anything of lms_site is imported: lms_site/celery.py would otherwise choose the dev settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms_site.settings.production")

from lms_site.sentry import init_sentry  # noqa: E402

# Before Django is set up, so the SDK's Django integration wraps every request this process serves.
init_sentry("web")
application = get_wsgi_application()
