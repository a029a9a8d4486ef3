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


@shared_task(name="lms_site.send_unqueued_tasks")
def send_unqueued_tasks() -> int:
    # The messages the broker refused while it was down, oldest first; a second run finds only what is left.
    from lms_site.outbox import send_unqueued

    return send_unqueued()
