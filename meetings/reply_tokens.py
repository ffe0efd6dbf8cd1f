"""Reply addresses for the written procedure: reply+c<circulation>-p<person>-<mac>@REPLY_DOMAIN.

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
    r"^reply\+c(?P<circulation>\d{1,12})-p(?P<person>\d{1,12})-(?P<mac>[a-z2-7]{26})$"
)


class BadReplyAddress(Exception):
    """Not one of our reply addresses, or one whose MAC does not match."""


def _mac(circulation_id, person_id):
    digest = salted_hmac(
        "ncg_portal.reply_address", f"{circulation_id}:{person_id}", algorithm="sha256"
    ).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:26]


def reply_address(circulation, person):
    local = f"{PREFIX}+c{circulation.pk}-p{person.pk}-{_mac(circulation.pk, person.pk)}"
    return f"{local}@{settings.REPLY_DOMAIN}"


def parse_reply_address(address):
    """(circulation id, person id) from one of our reply addresses; BadReplyAddress otherwise."""
    local, _, domain = (address or "").strip().strip("<>").rpartition("@")
    if domain.lower() != settings.REPLY_DOMAIN.lower():
        raise BadReplyAddress("not our domain")
    match = _LOCAL_PART.match(local.lower())
    if match is None:
        raise BadReplyAddress("not a reply address")
    circulation_id, person_id = int(match["circulation"]), int(match["person"])
    if not constant_time_compare(match["mac"], _mac(circulation_id, person_id)):
        raise BadReplyAddress("the address has been altered")
    return circulation_id, person_id


def reply_address_expired(circulation, now=None):
    grace = datetime.timedelta(days=settings.REPLY_TOKEN_GRACE_DAYS)
    return (now or timezone.now()) > circulation.deadline + grace
