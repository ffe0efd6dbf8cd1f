"""Replies that reach us through an email service's inbound webhook (django-anymail).

anymail checks the request (basic auth with ANYMAIL["WEBHOOK_SECRET"]; the URLs exist only when it
is set, see ncg_portal/urls.py), parses the service's payload into an AnymailInboundMessage and
sends the `inbound` signal; this receiver hands the full MIME message to the same code path as the
mail-server pipe and the Maildir poller. If the message cannot be stored the exception propagates,
anymail answers 500 and the email service delivers it again later.
"""

import email.policy

from .inbound import receive_message
from .models import InboundMessage


def raw_mime(message):
    """The message's bytes; a message the default policy cannot write again goes out as read."""
    try:
        return message.as_bytes()
    except Exception:  # noqa: BLE001 - re-serialising an odd message can fail in many ways
        return message.as_bytes(policy=email.policy.compat32)


def store_inbound_email(sender, event, esp_name, **kwargs):
    receive_message(raw_mime(event.message), source=InboundMessage.Source.WEBHOOK)
