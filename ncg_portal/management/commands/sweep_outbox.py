"""Find lost email again: `manage.py sweep_outbox [--start]` (see docs/operations.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ncg_portal import outbox


class Command(BaseCommand):
    help = (
        "Take back email stuck in sending for longer than MAIL_SENDING_TIMEOUT_SECONDS and "
        "enqueue queued email whose task has gone. With --start, also make sure the sweep runs "
        "in the worker every MAIL_SWEEP_INTERVAL_SECONDS (run it wherever the worker starts)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--start",
            action="store_true",
            help="Also queue the self-renewing sweep task for the worker, if none is waiting.",
        )

    def handle(self, *, start, verbosity, **options):
        counts = outbox.requeue_mail()
        if verbosity:
            summary = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items())
            self.stdout.write(f"Outbox swept ({summary}).")
        if start:
            if outbox.schedule_sweep():
                every = settings.MAIL_SWEEP_INTERVAL_SECONDS
                message = f"The sweep will run in the worker every {every} s."
            elif outbox.sweep_is_waiting():
                message = "A sweep is already waiting in the queue."
            else:
                self.stderr.write(
                    "The task backend is not django-tasks-db, so the sweep cannot renew itself: "
                    "run `manage.py sweep_outbox` every minute from a scheduler instead."
                )
                return
            if verbosity:
                self.stdout.write(message)
