from django import template
from django.urls import reverse

from .. import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def certificate_download_url(context, certificate) -> str:
    """A download link for the person viewing the page; it stops working after CERTIFICATE_DOWNLOAD_LINK_MAX_AGE."""
    token = services.download_token(certificate=certificate, user=context["request"].user)
    return reverse("certificates:download", args=[token])


@register.inclusion_tag("certificates/partials/certificate_panel.html", takes_context=True)
def certificate_panel(context, enrollment):
    return {"request": context["request"], "panel": selectors.certificate_panel(enrollment=enrollment)}


@register.inclusion_tag("certificates/partials/certificate_list.html", takes_context=True)
def certificate_list(context, enrollments, studying=()):
    """The certificates of the completed `enrollments`, and of those `studying` again to renew one."""
    everything = [*enrollments, *studying]
    return {"request": context["request"], "panels": selectors.certificate_panels(enrollments=everything)}


@register.simple_tag(takes_context=True)
def certificate_badge_url(context, certificate) -> str:
    """A link to the certificate as a signed Open Badges 3.0 credential; it expires like the PDF link."""
    token = services.download_token(certificate=certificate, user=context["request"].user)
    return reverse("certificates:badge", args=[token])
