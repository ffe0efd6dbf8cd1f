"""python manage.py restore DIR: load a backup into the configured (empty) database and media."""

import dj_database_url
from django.core.management.base import BaseCommand, CommandError

from ncg_portal.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: checks its checksums, then loads the "
        "database dump and the uploaded files. The database must exist and be empty, and the "
        "media folder empty, unless --force (which replaces what is there)."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help="the backup folder")
        parser.add_argument("--database-url", help="restore into this database instead")
        parser.add_argument("--media-root", help="restore the files here instead of MEDIA_ROOT")
        parser.add_argument("--force", action="store_true", help="replace what is there")

    def handle(self, *args, dir, database_url=None, media_root=None, force=False, **options):
        database = dj_database_url.parse(database_url) if database_url else None
        try:
            restore(dir, database=database, media_root=media_root, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored from {dir}"))
