from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home import services


class Command(BaseCommand):
    help = (
        "Points the default Wagtail site at SITE_URL (or the address given), so canonical links, og:url and "
        "the sitemap carry the public address. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="e.g. https://learn.example.org (default: SITE_URL)")

    def handle(self, *args, url=None, **options):
        try:
            site = services.set_default_site_address(url=url or settings.WAGTAILADMIN_BASE_URL)
        except services.SiteError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"The default site is now {site.root_url}"))
