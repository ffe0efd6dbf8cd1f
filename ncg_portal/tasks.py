import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import OutgoingMail

log = logging.getLogger(__name__)

# Wait longer after each failed attempt: 1, 5, 15, 60 minutes.
RETRY_DELAYS = [60, 300, 900, 3600]


@task()
def send_outgoing_mail(mail_id):
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=OutgoingMail.Status.QUEUED)
            .first()
        )
        if mail is None:
            return "skipped"
        message = EmailMultiAlternatives(
            subject=mail.subject,
            body=mail.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[mail.to_email],
            headers={"Content-Language": mail.language, "Auto-Submitted": "auto-generated"},
        )
        if mail.body_html:
            message.attach_alternative(mail.body_html, "text/html")
        for attachment in mail.attachments:
            message.attach(
                attachment["filename"], attachment["content"], attachment["content_type"]
            )
        mail.attempts += 1
        try:
            message.send()
        except Exception as exc:  # any transport failure is retried, then recorded
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= OutgoingMail.MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
                log.error("mail %s failed for good: %s", mail.pk, mail.last_error)
            else:
                delay = RETRY_DELAYS[min(mail.attempts - 1, len(RETRY_DELAYS) - 1)]
                run_after = timezone.now() + datetime.timedelta(seconds=delay)
                transaction.on_commit(
                    lambda: send_outgoing_mail.using(run_after=run_after).enqueue(mail_id)
                )
                log.warning(
                    "mail %s attempt %s failed: %s", mail.pk, mail.attempts, mail.last_error
                )
            mail.save(update_fields=["attempts", "last_error", "status"])
            return mail.status
        mail.status = OutgoingMail.Status.SENT
        mail.sent_at = timezone.now()
        mail.last_error = ""
        mail.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        log.info("mail %s sent to %s", mail.pk, mail.to_email)
        return "sent"
