"""Read new messages from a Maildir (where a mail server delivers the reply domain's mail).

Each message in new/ is stored and read, then moved to cur/ with the Seen flag, only once stored:
if the database cannot be reached the message stays in new/ for the next poll. A message stored
but not moved (the process stopped in between) is stored again on the next poll and recorded as
a duplicate of the first.

    manage.py poll_maildir /var/mail/ncg-replies            # every 30 seconds until SIGTERM
    manage.py poll_maildir /var/mail/ncg-replies --once     # what is there now, then exit
"""

import logging
import mailbox
import os
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings.inbound import receive_message
from meetings.models import InboundMessage

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store and read the new messages in a Maildir, once or every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the Maildir (holding cur/, new/ and tmp/)")
        parser.add_argument("--once", action="store_true", help="poll once, then exit")
        parser.add_argument(
            "--interval", type=float, default=30, help="seconds between polls (default 30)"
        )

    def handle(self, *args, path, once, interval, **options):
        if not (Path(path) / "new").is_dir():
            raise CommandError(f"{path} is not a Maildir (it has no new/ folder).")
        maildir = mailbox.Maildir(path, factory=None, create=False)
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        while True:
            stored, failed = self.poll(maildir, Path(path), stop)
            if options["verbosity"] >= 2 or failed:
                self.stdout.write(f"Stored {stored} message(s); {failed} left for the next poll.")
            if once:
                if failed:
                    raise CommandError(
                        f"{failed} message(s) could not be stored.", returncode=EX_TEMPFAIL
                    )
                return
            if stop.wait(interval):
                return

    def poll(self, maildir, root, stop):
        stored = failed = 0
        for name in sorted(os.listdir(root / "new")):
            if stop.is_set():
                break
            if name.startswith("."):
                continue
            key = name.split(maildir.colon, 1)[0]
            try:
                raw = maildir.get_bytes(key)
            except KeyError:  # taken by another poller meanwhile
                continue
            try:
                receive_message(raw, source=InboundMessage.Source.MAILDIR)
            except Exception:
                logger.exception("Could not store %s; it stays in new/", name)
                failed += 1
                continue
            self.mark_seen(maildir, root, name, key)
            stored += 1
        return stored, failed

    @staticmethod
    def mark_seen(maildir, root, name, key):
        """Move new/<name> to cur/<key>:2,S, as a mail client does when it reads a message."""
        os.rename(root / "new" / name, root / "cur" / f"{key}{maildir.colon}2,S")
