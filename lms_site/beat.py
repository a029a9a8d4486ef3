"""Periodic tasks run by Celery beat; what cron would do on a single server.

lms_site is not an installed app, so autodiscover_tasks() does not find this module: the Celery app
imports it through its `imports` setting.
"""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="lms_site.publish_scheduled_pages")
def publish_scheduled_pages() -> None:
    # Wagtail's command publishes pages whose "go live" time has come and unpublishes expired ones;
    # it is idempotent, so a late or repeated run changes nothing twice.
    call_command("publish_scheduled")
