from django.core.management.base import BaseCommand, CommandError

from meetings.models import Circulation, CirculationRecipient
from meetings.reply_tokens import reply_address


class Command(BaseCommand):
    help = (
        "Print the reply address that a person's email for a circulation carries, "
        "to test the inbound mail route by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("circulation_id", type=int)
        parser.add_argument("email")

    def handle(self, *args, circulation_id, email, **options):
        circulation = Circulation.objects.filter(pk=circulation_id).first()
        if circulation is None:
            raise CommandError(f"There is no circulation {circulation_id}.")
        recipient = (
            CirculationRecipient.objects.filter(
                circulation=circulation, person__email__iexact=email.strip()
            )
            .select_related("person")
            .first()
        )
        if recipient is None:
            raise CommandError(f"{email} is not a recipient of circulation {circulation_id}.")
        self.stdout.write(reply_address(circulation, recipient.person))
