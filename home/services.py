"""Changes to the site itself (as opposed to its pages): where the default Wagtail Site says it lives."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Site

DEFAULT_PORTS = {"http": 80, "https": 443}


class SiteError(Exception):
    """The site could not be changed; the message is for the person running the command."""

    status_code = 400


@transaction.atomic
def set_default_site_address(*, url: str) -> Site:
    """Points the default Wagtail Site at `url` (scheme, host and port; any path is ignored).

    Wagtail builds every absolute page URL from the Site's hostname and port: canonical links, og:url, the
    sitemap. It writes "https://" only for port 443, so https on another port cannot be expressed.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise SiteError(_("“%(url)s” is not a valid address.") % {"url": url}) from error
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SiteError(
            _("“%(url)s” is not an absolute http or https address such as https://learn.example.org.") % {"url": url}
        )
    hostname, port = parts.hostname, port or DEFAULT_PORTS[parts.scheme]
    site = Site.objects.select_for_update().filter(is_default_site=True).first()
    if site is None:
        raise SiteError(_("There is no default Wagtail site; run `manage.py migrate` first."))
    if Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists():
        raise SiteError(_("Another site already uses %(host)s:%(port)s.") % {"host": hostname, "port": port})
    if (site.hostname, site.port) != (hostname, port):
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])  # Wagtail's receiver drops its cached site URLs
    return site
