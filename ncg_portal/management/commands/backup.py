"""python manage.py backup DIR: the database and the uploaded files, with checksums."""

from django.core.management.base import BaseCommand, CommandError

from ncg_portal.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and MEDIA_ROOT into DIR, with a MANIFEST.sha256."

    def add_arguments(self, parser):
        parser.add_argument("dir", help="an empty or new folder to write the backup to")

    def handle(self, *args, dir, **options):
        try:
            sums = backup(dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name, digest in sums.items():
            self.stdout.write(f"{digest}  {name}")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {dir}"))
