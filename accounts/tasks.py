import base64
from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_account_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html_body: str | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
) -> int:
    """Delivers an e-mail (password reset, notifications, ...) outside the request that asked for it.

    `attachments` are (filename, base64 content, MIME type): the task's arguments travel as JSON."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message.send()
