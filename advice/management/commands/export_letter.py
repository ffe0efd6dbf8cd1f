"""`manage.py export_letter ID --language en|cy --output FILE`: the same PDF as the web download."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from advice.models import Letter
from advice.pdf import LANGUAGES, letter_filename, letter_pdf


class Command(BaseCommand):
    help = "Write an advice letter as a tagged PDF, in English or Welsh (the web download's bytes)."

    def add_arguments(self, parser):
        parser.add_argument("letter_id", metavar="ID", help="the letter's id")
        parser.add_argument("--language", required=True, help="en or cy")
        parser.add_argument(
            "--output",
            help="the file to write (default: the download's file name, in this folder)",
        )

    def handle(self, *args, letter_id, language, output=None, **options):
        if language not in LANGUAGES:
            raise CommandError(f"Unknown language {language!r}: use one of {', '.join(LANGUAGES)}.")
        try:
            letter = Letter.objects.select_related("group", "approved_version").get(
                pk=int(letter_id)
            )
        except (ValueError, Letter.DoesNotExist):
            raise CommandError(f"No letter with id {letter_id!r}.") from None
        data = letter_pdf(letter, language)
        path = Path(output or letter_filename(letter, language))
        path.write_bytes(data)
        self.stdout.write(f"Wrote {path} ({len(data)} bytes)")
