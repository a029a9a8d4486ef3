from django.core.management.base import BaseCommand

from gamification import services


class Command(BaseCommand):
    help = "Recomputes the leaderboard totals from the point ledger, which stays the source of truth."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", type=int, action="append", dest="user_ids", help="Only this user id (repeatable)."
        )

    def handle(self, *args, user_ids=None, **options):
        written = services.rebuild_point_totals(user_ids=user_ids)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {written:,} leaderboard totals from the ledger."))
