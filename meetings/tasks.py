"""Background work for meetings: the written procedure's reminder and closing, due at their time."""

from django.tasks import task
from django.utils import timezone


@task()
def remind_circulation_when_due(circulation_id):
    from .models import Circulation
    from .written_procedure import reminder_due, send_reminders

    circulation = Circulation.objects.filter(pk=circulation_id).first()
    if circulation is None or not reminder_due(circulation):
        return "not due"
    return f"reminded {send_reminders(circulation=circulation)}"


@task()
def close_circulation_when_due(circulation_id):
    from .models import Circulation
    from .written_procedure import close_circulation

    circulation = Circulation.objects.filter(pk=circulation_id).first()
    if circulation is None or not circulation.is_open or timezone.now() < circulation.deadline:
        return "not due"
    close_circulation(circulation=circulation)
    return "closed"
