from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms_site import backup


class Command(BaseCommand):
    help = "Backs up the database and every local file store into one archive (see lms_site/backup.py)."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where the learnwell-backup-<time>.tar.gz is written")

    def handle(self, *args, directory, **options):
        try:
            archive = backup.backup(Path(directory))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(archive))
