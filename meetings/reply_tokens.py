"""Reply addresses: reply+c<circulation>-p<person>-<mac>@REPLY_DOMAIN for the written procedure,
reply+l<letter>-p<person>-<mac>@REPLY_DOMAIN for a letter of advice in review.

The MAC (HMAC-SHA256 keyed from SECRET_KEY, 130 bits, base32) binds the address to that person and
that circulation, so it cannot be guessed or altered. Lower case only: some mail servers fold the
case of the local part. The whole local part stays well under the 64 characters RFC 5321 allows.
"""

import base64
import datetime
import re

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "reply"
_LOCAL_PART = re.compile(
    r"^reply\+(?P<kind>[cl])(?P<target>\d{1,12})-p(?P<person>\d{1,12})-(?P<mac>[a-z2-7]{26})$"
)
CIRCULATION, LETTER = "c", "l"


class BadReplyAddress(Exception):
    """Not one of our reply addresses, or one whose MAC does not match."""


def _mac(target_id, person_id, kind=CIRCULATION):
    # Circulations keep the message they had before letters took replies, so addresses already
    # sent still work.
    message = (
        f"{target_id}:{person_id}" if kind == CIRCULATION else f"{kind}{target_id}:{person_id}"
    )
    digest = salted_hmac("ncg_portal.reply_address", message, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii").lower()[:26]


def _address(kind, target_id, person_id):
    local = f"{PREFIX}+{kind}{target_id}-p{person_id}-{_mac(target_id, person_id, kind)}"
    return f"{local}@{settings.REPLY_DOMAIN}"


def reply_address(circulation, person):
    return _address(CIRCULATION, circulation.pk, person.pk)


def letter_reply_address(letter, person):
    return _address(LETTER, letter.pk, person.pk)


def parse_reply_target(address):
    """(kind, circulation or letter id, person id) from one of our reply addresses, the kind
    being CIRCULATION or LETTER; BadReplyAddress otherwise."""
    local, _, domain = (address or "").strip().strip("<>").rpartition("@")
    if domain.lower() != settings.REPLY_DOMAIN.lower():
        raise BadReplyAddress("not our domain")
    match = _LOCAL_PART.match(local.lower())
    if match is None:
        raise BadReplyAddress("not a reply address")
    kind, target_id, person_id = match["kind"], int(match["target"]), int(match["person"])
    if not constant_time_compare(match["mac"], _mac(target_id, person_id, kind)):
        raise BadReplyAddress("the address has been altered")
    return kind, target_id, person_id


def parse_reply_address(address):
    """(circulation id, person id) from one of our circulation reply addresses."""
    kind, circulation_id, person_id = parse_reply_target(address)
    if kind != CIRCULATION:
        raise BadReplyAddress("not a circulation's reply address")
    return circulation_id, person_id


def reply_address_expired(circulation, now=None):
    grace = datetime.timedelta(days=settings.REPLY_TOKEN_GRACE_DAYS)
    return (now or timezone.now()) > circulation.deadline + grace
