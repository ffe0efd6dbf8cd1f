"""Read one email on standard input and store it: for a mail server's pipe delivery.

Postfix, for example (master.cf, with the reply domain routed to this transport):

    ncg unix - n n - - pipe
      flags=Rq user=ncg argv=/srv/ncg/.venv/bin/python /srv/ncg/manage.py receive_email

Exit status: 0 once the message is stored (even when it is held for the secretariat); 75
(EX_TEMPFAIL) when it could not be stored, so the mail server keeps it and tries again later;
65 (EX_DATAERR) when standard input held nothing. Prints nothing on success unless -v2.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from meetings.inbound import receive_message
from meetings.models import InboundMessage

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store and read one email from standard input (for a mail server's pipe)."
    # The mail server waits on this command: no system checks before it reads the message.
    requires_system_checks = []

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("No message on standard input.", returncode=EX_DATAERR)
        try:
            message = receive_message(raw, source=InboundMessage.Source.PIPE)
        except Exception as error:
            # Not stored (the database cannot be reached, most often): the mail server keeps
            # the message and delivers it again later; nothing is lost.
            raise CommandError(
                f"Could not store the message, try again later: {type(error).__name__}: {error}",
                returncode=EX_TEMPFAIL,
            ) from error
        if options["verbosity"] >= 2:
            self.stdout.write(
                f"Stored {message.uid}: {message.status}"
                + (f" ({message.hold_reason})" if message.hold_reason else "")
            )
