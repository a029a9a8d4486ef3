from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms_site import backup


class Command(BaseCommand):
    help = (
        "Replaces the database and every local file store with a backup made by backup_site. Stop the web "
        "processes and workers first; everything written since the backup is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="confirm that the current data may be replaced")

    def handle(self, *args, archive, yes, **options):
        if not yes:
            raise CommandError("This replaces the database and the files with the backup's. Add --yes to go on.")
        try:
            manifest = backup.restore(Path(archive))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        skipped = [alias for alias, entry in manifest["stores"].items() if not entry.get("included")]
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created']}."))
        if skipped:
            self.stdout.write(f"Not in the backup (object storage, restore from bucket versions): {', '.join(skipped)}")
