from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Site

from accounts import services as account_services
from accounts.demo import DEMO_ACCOUNTS, seed_accounts
from analytics.demo import seed_history
from assessments.demo import seed_assessments, seed_graded_essay
from billing.demo import seed_billing
from certificates.demo import seed_completed_course
from courses.demo import seed_catalogue
from gamification.demo import seed_badges
from home.demo import seed_home_content
from home.services import SiteError, set_default_site_address
from lms_site.demo_translations import translate_demo
from organisations.demo import DEMO_MANAGER, DEMO_ORGANISATION, seed_organisation
from scheduling.demo import seed_sessions


class Command(BaseCommand):
    help = "Creates demo accounts, courses and marketing pages. Safe to run again: it only adds what is missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="Seed even when DEBUG is off (the passwords are public)."
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("seed_demo creates accounts with public passwords; pass --allow-production to insist.")
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default Wagtail site; run `manage.py migrate` first.")
        home = site.root_page.specific

        # The demo's enrolments, grades and bookings are news to nobody: recorded as notified, not mailed. Outside
        # the transaction, so what runs on its commit is quiet too.
        with account_services.quiet_notifications(), transaction.atomic():
            # The demo's Site says localhost:80 after migrating; page links should carry SITE_URL instead.
            try:
                site = set_default_site_address(url=settings.WAGTAILADMIN_BASE_URL)
            except SiteError as error:
                raise CommandError(f"SITE_URL: {error}") from error
            users = seed_accounts()
            catalogue, courses = seed_catalogue(home=home, trainer=users["trainer"])
            seed_assessments(courses=courses)
            seed_badges()
            seed_completed_course(learner=users["learner2"], courses=courses)
            seed_graded_essay(learner=users["learner2"], trainer=users["trainer"], courses=courses)
            seed_sessions(courses=courses, trainer=users["trainer"], learner=users["learner2"])
            seed_home_content(home_page=home, catalogue=catalogue, featured_courses=courses[:3])
            seed_history(courses=courses)
            seed_billing()
            # After the seller's details: the demo team's seat order is invoiced.
            seed_organisation(courses=courses, home=home)
            # Last: the translations copy what the pages hold by now (the home page's blocks, the course).
            translate_demo(home=home)

        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {len(courses)} courses in “{catalogue.title}”."))
        self.stdout.write("Demo accounts (development only):")
        for username, password, role, *_ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<8} {username:<10} password: {password}")
        self.stdout.write(
            f"  {'Manager':<8} {DEMO_MANAGER[0]:<10} password: {DEMO_MANAGER[1]}"
            f"   (team: /organisations/{DEMO_ORGANISATION}/)"
        )
        self.stdout.write(f"Site: {site.root_url}/   Admin: {site.root_url}/admin/")
