"""The default Wagtail Site carries the public address (SITE_URL), so canonical links, og:url and the sitemap do
too: `seed_demo` sets it for the demo, `manage.py set_site_url` in production."""

import re

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Site

from home import services

pytestmark = pytest.mark.django_db


def default_site() -> Site:
    return Site.objects.get(is_default_site=True)


@pytest.mark.parametrize(
    ("url", "hostname", "port", "root_url"),
    [
        ("https://learn.example.org", "learn.example.org", 443, "https://learn.example.org"),
        ("https://learn.example.org/some/path/", "learn.example.org", 443, "https://learn.example.org"),
        ("http://127.0.0.1:8000", "127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("http://Learn.Example.org", "learn.example.org", 80, "http://learn.example.org"),
    ],
)
def test_the_default_site_takes_the_host_and_port_of_an_address(home_page, url, hostname, port, root_url):
    site = services.set_default_site_address(url=url)

    fresh = default_site()
    assert (fresh.pk, fresh.hostname, fresh.port) == (site.pk, hostname, port)
    assert fresh.root_url == root_url
    assert home_page.full_url == f"{root_url}/"  # Wagtail's cached site addresses were refreshed


@pytest.mark.parametrize("url", ["", "learn.example.org", "ftp://learn.example.org", "https://", "http://x:99999"])
def test_an_address_that_is_not_an_absolute_web_address_is_refused_and_nothing_changes(url):
    before = default_site()
    with pytest.raises(services.SiteError):
        services.set_default_site_address(url=url)
    assert (default_site().hostname, default_site().port) == (before.hostname, before.port)


def test_an_address_another_site_uses_is_refused(home_page):
    Site.objects.create(hostname="other.example.org", port=443, root_page=Page.objects.get(depth=1))
    with pytest.raises(services.SiteError, match="Another site already uses other.example.org:443"):
        services.set_default_site_address(url="https://other.example.org")


def test_the_command_uses_site_url_unless_given_an_address(settings, capsys):
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org"  # what SITE_URL sets

    call_command("set_site_url")
    assert (default_site().hostname, default_site().port) == ("learn.example.org", 443)
    assert "https://learn.example.org" in capsys.readouterr().out

    call_command("set_site_url", "http://localhost:8000")
    assert (default_site().hostname, default_site().port) == ("localhost", 8000)

    with pytest.raises(CommandError, match="not an absolute http or https address"):
        call_command("set_site_url", "learn.example.org")


def test_the_demo_links_to_site_url_rather_than_localhost(client, demo_content, settings):
    site = default_site()
    assert settings.WAGTAILADMIN_BASE_URL == "http://testserver"  # SITE_URL of the test settings
    assert (site.hostname, site.port) == ("testserver", 80)

    home = client.get("/").content.decode()
    assert '<link rel="canonical" href="http://testserver/">' in home
    assert '<meta property="og:url" content="http://testserver/">' in home
    locations = re.findall(r"<loc>([^<]+)</loc>", client.get("/sitemap.xml").content.decode())
    assert locations and all(location.startswith("http://testserver/") for location in locations)
