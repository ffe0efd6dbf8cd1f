"""The worker's tasks for email: send one message, and sweep the outbox for lost ones.

The logic is in ncg_portal/outbox.py; these are the entry points django-tasks-db runs."""

from django.tasks import task

from . import outbox


@task()
def send_outgoing_mail(mail_id, attempt=None):
    """Send one queued message (`attempt`: the attempt this task is for; a task for an attempt
    already made does nothing). Returns "sent", "retry", "failed", "skipped" or "superseded"."""
    return outbox.deliver(mail_id, attempt=attempt)


@task()
def sweep_outbox():
    """Take back messages stuck in sending, enqueue lost ones; then come back in a while.

    The next sweep is queued first, so a worker killed during this one does not end the chain."""
    outbox.schedule_sweep()
    return outbox.requeue_mail()


@task()
def build_records_archive(archive_id):
    """Write a group's records archive (ncg_portal/archive.py)."""
    from . import archive

    return archive.build(archive_id)
