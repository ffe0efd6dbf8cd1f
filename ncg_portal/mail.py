"""The email outbox: queue a message as a row, send it from the worker."""

import unicodedata

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import OutgoingMail
from .outbox import enqueue_send


def absolute_url(viewname, *, args=(), language):
    """The full address of a page under the language's prefix, for links sent out of the portal."""
    with translation.override(language):
        return settings.SITE_URL + reverse(viewname, args=args)


def _one_line(text):
    """A subject: one line, no control characters, no longer than the row keeps."""
    text = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(text.split())[: OutgoingMail._meta.get_field("subject").max_length]


def queue_mail(
    *,
    kind,
    to_email,
    context,
    language="en",
    person=None,
    group=None,
    attachments=(),
    reply_to="",
):
    """Render `emails/<kind>_{subject,body}.txt` (and `.html` if present) in the language,
    store the message, and hand it to the worker once the transaction commits.

    `attachments`: dicts with "filename", "content_type" and either "content" (text) or
    "storage_name" (a file in the default storage, read when the message is sent).
    `reply_to`: the Reply-To address, when replies should go somewhere else than the sender."""
    with translation.override(language):
        # One line, whatever the context holds (a title with "\r\nBcc: …" in it, say): split()
        # takes every kind of line break, Unicode's included, so no header can be added; other
        # control characters (a NUL, which the database refuses) are dropped.
        subject = _one_line(render_to_string(f"emails/{kind}_subject.txt", context, using="text"))
        body_text = render_to_string(f"emails/{kind}_body.txt", context, using="text")
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
        reply_to=reply_to,
    )
    # robust: the change that caused the message has committed; a lost hand-over is logged and
    # left to the outbox sweep (outbox.py) rather than turned into an error for the person.
    transaction.on_commit(lambda: enqueue_send(mail.pk, attempt=1), robust=True)
    return mail
