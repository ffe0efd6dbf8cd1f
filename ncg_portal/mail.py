"""The email outbox: queue a message as a row, send it from the worker."""

from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutgoingMail


def queue_mail(*, kind, to_email, context, language="en", person=None, group=None, attachments=()):
    """Render `emails/<kind>_{subject,body}.txt` (and `.html` if present) in the language,
    store the message, and hand it to the worker once the transaction commits."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
        body_text = render_to_string(f"emails/{kind}_body.txt", context)
        try:
            body_html = render_to_string(f"emails/{kind}_body.html", context)
        except TemplateDoesNotExist:
            body_html = ""
    mail = OutgoingMail.objects.create(
        kind=kind,
        to_email=to_email,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        person=person,
        group=group,
        attachments=list(attachments),
    )
    transaction.on_commit(lambda: _enqueue(mail.pk))
    return mail


def _enqueue(mail_id):
    from .tasks import send_outgoing_mail

    send_outgoing_mail.enqueue(mail_id)
