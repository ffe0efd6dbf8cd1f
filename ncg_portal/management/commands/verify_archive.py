"""python manage.py verify_archive FILE: check a records archive against its manifest."""

from django.core.management.base import BaseCommand, CommandError

from ncg_portal.archive import verify_archive


class Command(BaseCommand):
    help = (
        "Check a group's records archive: every file its MANIFEST.sha256 lists is there with the "
        "same SHA-256, and nothing else is. Exit status 0 if it is intact, 1 if not."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive (ZIP) to check")

    def handle(self, *args, file, **options):
        try:
            problems = verify_archive(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: {len(problems)} problem(s); the archive is not intact.")
        self.stdout.write(self.style.SUCCESS(f"{file}: intact, every checksum matches."))
