"""Inbound email: one code path for the mail-server pipe, the Maildir poller and the webhook.

`receive_message` stores the raw bytes first, in a transaction of its own, and only then reads them
(`process`, in a second transaction). A parser failure, or anything unexpected, rolls back the
reading alone and leaves the stored message held with the error as its reason: nothing is lost,
and nothing that cannot be matched is dropped; the secretariat sees it.

What happens to a message, in order (the first that applies):
- larger than INBOUND_MAX_BYTES: held, not read (its headers are read for display only);
- parts nested more than MAX_PART_DEPTH deep, or more than MAX_PARTS parts: held, not read (the
  email package recurses once per level, and every part costs time to read);
- a header holding a line break once decoded (header injection): held;
- a Message-ID already received for the same reply address: duplicate;
- a delivery failure report (DSN): bounce, and the outgoing message it names is marked bounced;
- an automatic reply (Auto-Submitted, X-Autoreply, Precedence, out-of-office subjects): not counted;
- no reply address of ours, an altered one, an expired one, an unknown circulation or person, a
  person who is not a recipient, a sender who is not that person, a failed DKIM/SPF/DMARC check
  recorded by our mail server, a circulation not open, an empty reply: held, with the reason;
- otherwise the reply becomes a comment (late after the deadline) with its attachments: accepted.
A reply to a letter in review (reply+l… address) passes the same checks on sender and
authentication and becomes the member's comment on the letter (its text only); held if the letter
is no longer in review or the person has left the group.
"""

import email
import email.errors
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection, transaction

from members.models import Person
from ncg_portal.audit import with_reason

from .models import Circulation, CirculationRecipient, InboundMessage
from .reply_text import extract_reply, reply_attachments
from .reply_tokens import LETTER, BadReplyAddress, parse_reply_target, reply_address_expired
from .written_procedure import CirculationError, record_email_reply

logger = logging.getLogger(__name__)

Status = InboundMessage.Status
Source = InboundMessage.Source

# Headers whose decoded values must hold no line break: ones we store, show or act on.
CHECKED_HEADERS = """From Sender Reply-To To Cc Subject Date Message-ID In-Reply-To References
    Delivered-To X-Original-To Envelope-To""".split()
# Where our reply address may be found; the envelope headers a mail server adds come first, as they
# say which of several recipients this copy was delivered to.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")

AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto response|"
    r"ateb awtomatig|allan o['’]r swyddfa|absence notice)",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery (?:has )?failed|failure notice|"
    r"returned mail|mail delivery failed|non-?delivery",
    re.IGNORECASE,
)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_AUTH_FAILURE = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*fail\b", re.IGNORECASE)
HEADER_DISPLAY_BYTES = 64 * 1024
# Real replies nest a few levels (a forward of a forward); the email package's parser and
# generator recurse once per level and give up (RecursionError) at a few hundred.
MAX_PART_DEPTH = 50
MAX_PARTS = 1000
_FIELD = 998  # the length of InboundMessage's header fields
# What reading a message sets (the raw bytes, stored once, are never written again).
READ_FIELDS = """status hold_reason message_id from_address to_address subject circulation
    letter person""".split()


class _Policy(email.policy.EmailPolicy):
    """The email package's own policy, except that a header it cannot decode (an encoded word
    in UTF-7 can say a lone surrogate, which it then fails to encode) is read as it stands,
    its encoded words not decoded, rather than raising wherever the header is looked at."""

    def header_fetch_parse(self, name, value):
        try:
            return super().header_fetch_parse(name, value)
        except (UnicodeError, LookupError):
            return super().header_fetch_parse(name, value.replace("=?", "=\N{ZERO WIDTH SPACE}?"))


POLICY = _Policy()


class Refused(Exception):
    """The message cannot become a response: it ends in `status`, with `reason` when held."""

    def __init__(self, status, reason=""):
        super().__init__(reason or status)
        self.status = status
        self.reason = reason


def _held(reason):
    return Refused(Status.HELD, reason)


@dataclass
class Headers:
    message_id: str = ""
    from_header: str = ""
    to_header: str = ""
    subject: str = ""
    senders: list = field(default_factory=list)  # From addresses, then Sender's
    recipients: list = field(default_factory=list)  # addresses in RECIPIENT_HEADERS, in order


# --- Storing ------------------------------------------------------------------------------------


def receive_message(raw, *, source):
    """Store the raw message, then read it. Returns the InboundMessage (stored even when held).

    Only the storing can raise (the database is unreachable, say): callers answer "try again later".
    """
    raw = bytes(raw)
    with transaction.atomic():
        message = InboundMessage(source=source, raw=raw, size=len(raw))
        with_reason(message, f"Received by {Source(source).value}").save()
    try:
        process(message)
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the stored message stays
        logger.exception("Inbound message %s could not be read", message.uid)
        _hold_after_failure(message, error)
    return message


def _hold_after_failure(message, error):
    reason = _one_line(f"could not be read: {type(error).__name__}: {error}")[:300]
    try:
        with transaction.atomic():
            message.refresh_from_db()
            _show_headers(message, bytes(message.raw))
            message.status = Status.HELD
            message.hold_reason = reason
            _save(message, f"Held: {reason}")
    except Exception:  # noqa: BLE001 - left "received"; it can be read again later
        logger.exception("Inbound message %s left unread", message.uid)


def _storable(text):
    """Text from the message as the database takes it: the email package keeps undecodable
    header bytes as surrogates, which cannot be encoded (bytes that are UTF-8 become what they
    say, others U+FFFD), and Postgres refuses a NUL byte."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text.replace("\x00", " ")


def _one_line(text):
    """A reason to store: it may quote what the message holds (an attachment's name, an
    address), so it is made storable and its control characters spaces."""
    return _storable(re.sub(r"[\x00-\x1f\x7f]+", " ", text))


def _save(message, reason):
    """Save what reading changes; the raw bytes, stored once, are not written again."""
    with_reason(message, _one_line(reason)[:250]).save(update_fields=READ_FIELDS)


# --- Reading ------------------------------------------------------------------------------------


def process(message):
    """Read a stored message and act on it; every outcome is saved with its reason."""
    with transaction.atomic():
        try:
            _read(message)
        except Refused as outcome:
            _finish(message, outcome.status, outcome.reason)


def _finish(message, status, reason="", note=""):
    message.status = status
    message.hold_reason = _one_line(reason or note)[:300]
    why = {
        Status.HELD: f"Held: {reason}",
        Status.ACCEPTED: "Recorded as a response" + (f"; {note}" if note else ""),
        Status.AUTO_REPLY: "Automatic reply, not counted",
        Status.BOUNCE: "Delivery failure report",
        Status.DUPLICATE: "Already received",
    }[status]
    _save(message, why)


def _read(message):
    raw = bytes(message.raw)
    if message.size > settings.INBOUND_MAX_BYTES:
        _show_headers(message, raw)
        limit = settings.INBOUND_MAX_BYTES / (1024 * 1024)
        raise _held(
            f"larger than the {limit:.3g} MB limit for inbound messages ({message.size} bytes), "
            "so not read"
        )
    parsed, shape_problem = _parse(raw)
    if shape_problem:
        _show_headers(message, raw)
        raise _held(f"{shape_problem}, so not read")
    try:
        headers = read_headers(parsed)
    except Refused:
        _record_display_headers(message, parsed)
        raise
    _record_headers(message, headers)
    token = _identify(message, headers)

    _lock_message_id(message.message_id)
    if _is_duplicate(message):
        raise Refused(Status.DUPLICATE)
    if is_bounce(parsed, headers):
        _report_bounce(parsed)
        raise Refused(Status.BOUNCE)
    if is_auto_reply(parsed, headers):
        raise Refused(Status.AUTO_REPLY)

    if token.is_letter:
        letter, person = _check_letter_token(message)
        _check_sender(person, headers)
        _check_authentication(parsed)
        _finish(message, Status.ACCEPTED, note=_comment_on_letter(message, parsed, letter, person))
        return
    circulation, person = _check_token(message, token)
    _check_sender(person, headers)
    _check_authentication(parsed)

    reply = extract_reply(parsed)
    attachments = reply_attachments(parsed)
    if not reply.text and not reply.position and not attachments:
        broken = _broken_mime(parsed)
        if broken:
            raise _held(f"malformed MIME ({broken}): no text could be read")
        raise _held("empty reply: no text, position or attachment was found")
    try:
        _comment, refused = record_email_reply(
            inbound_message=message,
            circulation=circulation,
            person=person,
            text=reply.text,
            position=reply.position,
            attachments=attachments,
            received_at=message.received_at,
        )
    except CirculationError as error:
        raise _held(f"the circulation does not take replies ({error})") from error
    note = "; ".join(f"attachment {name} refused: {why}" for name, why in refused)
    _finish(message, Status.ACCEPTED, note=note)


def _parse(raw):
    """(parsed message, "" or why it cannot be read): parts nested too deeply (which the email
    package itself cannot parse, or later write out), or too many of them."""
    # Parsing costs about a millisecond a part: count the lines that can start one first (a
    # line may end in CR, LF or both).
    if max(raw.count(b"\n--"), raw.count(b"\r--")) > 2 * MAX_PARTS:
        return None, f"it has more than {MAX_PARTS} parts"
    try:
        parsed = email.message_from_bytes(raw, policy=POLICY)
    except RecursionError:
        return None, f"its parts are nested more than {MAX_PART_DEPTH} levels deep"
    count, stack = 0, [(parsed, 0)]
    while stack:  # without recursion: walk() recurses once per level
        part, depth = stack.pop()
        count += 1
        if depth > MAX_PART_DEPTH:
            return None, f"its parts are nested more than {MAX_PART_DEPTH} levels deep"
        if count > MAX_PARTS:
            return None, f"it has more than {MAX_PARTS} parts"
        if part.is_multipart():  # (get_payload() of a leaf may decode it: not wanted here)
            stack += [(child, depth + 1) for child in part.get_payload()]
    return parsed, ""


def _comment_on_letter(message, parsed, letter, person):
    """A member's reply to a letter in review becomes their comment on it (text only). Returns
    a note for the record; raises Refused (held) when the reply cannot be taken."""
    from advice.services import LetterError, record_letter_email_reply

    reply = extract_reply(parsed)
    if not reply.text:
        broken = _broken_mime(parsed)
        if broken:
            raise _held(f"malformed MIME ({broken}): no text could be read")
        raise _held("empty reply: no text was found")
    try:
        record_letter_email_reply(
            inbound_message=message, letter=letter, person=person, text=reply.text
        )
    except LetterError as error:
        raise _held(f"the letter does not take comments ({error})") from error
    return (
        "attachments not kept: comments on a letter are text only"
        if reply_attachments(parsed)
        else ""
    )


_STRUCTURE_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.MultipartInvariantViolationDefect,
)


def _broken_mime(parsed):
    """The name of the first defect that leaves a message's parts unfindable, if any."""
    for part in parsed.walk():
        for defect in part.defects:
            if isinstance(defect, _STRUCTURE_DEFECTS):
                return type(defect).__name__
    return ""


# --- Headers ------------------------------------------------------------------------------------


def _header_values(parsed, name):
    """Every value of a header as the email package parses it (decoded), refusing line breaks
    (header injection) and headers it cannot read."""
    try:
        values = parsed.get_all(name, [])
        texts = [str(value) for value in values]
    except Exception as error:  # noqa: BLE001 - the email package's parsers raise many kinds
        raise _held(f"the {name} header could not be read ({type(error).__name__})") from error
    for text in texts:
        if "\r" in text or "\n" in text or "\x00" in text:
            raise _held(f"the {name} header holds a line break once decoded (header injection)")
    return values


def _addresses(values):
    """The bare addresses in address headers (parsed, so a display name cannot pose as one)."""
    found = []
    for value in values:
        try:
            specs = [address.addr_spec for address in value.addresses]
        except AttributeError:  # Delivered-To and the like are plain text
            specs = [address for _name, address in getaddresses([str(value)])]
        except Exception as error:  # noqa: BLE001
            raise _held(f"an address could not be read ({type(error).__name__})") from error
        found += [spec.strip().lower() for spec in specs if spec and spec.strip()]
    return found


def read_headers(parsed):
    values = {name: _header_values(parsed, name) for name in CHECKED_HEADERS}
    senders = _addresses(values["From"])
    if len(senders) != 1:
        raise _held("the message must have exactly one From address")
    senders += _addresses(values["Sender"])
    recipients = []
    for name in RECIPIENT_HEADERS:
        recipients += _addresses(values[name])

    def first(name):
        return str(values[name][0]).strip() if values[name] else ""

    return Headers(
        message_id=first("Message-ID"),
        from_header=", ".join(str(value) for value in values["From"]),
        to_header=", ".join(str(value) for value in values["To"]),
        subject=first("Subject"),
        senders=senders,
        recipients=recipients,
    )


def _record_headers(message, headers):
    message.message_id = _storable(headers.message_id)[:_FIELD]
    message.from_address = _storable(headers.from_header)[:_FIELD]
    message.to_address = _storable(headers.to_header)[:_FIELD]
    message.subject = _storable(headers.subject)[:_FIELD]


def _record_display_headers(message, parsed):
    """For a message held over its headers: what they say, line breaks made spaces, to show."""

    def shown(name):
        try:
            values = [str(value) for value in parsed.get_all(name, [])]
        except Exception:  # noqa: BLE001 - best effort only
            return ""
        return re.sub(r"[\r\n\x00]+", " ", _storable(", ".join(values)))[:_FIELD]

    message.message_id = shown("Message-ID")
    message.from_address = shown("From")
    message.to_address = shown("To")
    message.subject = shown("Subject")


def _show_headers(message, raw):
    """For a message too large to read: who sent it and what it says it is, for the secretariat."""
    try:
        parsed = BytesHeaderParser(policy=POLICY).parsebytes(raw[:HEADER_DISPLAY_BYTES])
    except Exception:  # noqa: BLE001 - best effort only
        return
    try:
        headers = read_headers(parsed)
    except Refused:
        _record_display_headers(message, parsed)
        return
    _record_headers(message, headers)
    _identify(message, headers)


# --- Whom it is for ------------------------------------------------------------------------------


@dataclass
class Token:
    kind: str = ""
    target_id: int | None = None
    person_id: int | None = None
    problem: str = ""

    @property
    def is_letter(self):
        return self.kind == LETTER


def _find_token(recipients):
    domain = "@" + settings.REPLY_DOMAIN.lower()
    problem = "no reply address of ours among the recipients"
    for address in recipients:
        if not address.endswith(domain):
            continue
        try:
            kind, target_id, person_id = parse_reply_target(address)
        except BadReplyAddress as error:
            problem = str(error)
            continue
        return Token(kind, target_id, person_id)
    return Token(problem=problem)


def _identify(message, headers):
    """Find our reply address and note the circulation (or letter) and person it names, when
    they exist."""
    from advice.models import Letter

    token = _find_token(headers.recipients)
    if token.target_id is not None:
        if token.is_letter:
            message.letter = Letter.objects.filter(pk=token.target_id).first()
        else:
            message.circulation = Circulation.objects.filter(pk=token.target_id).first()
        message.person = Person.objects.filter(pk=token.person_id).first()
    return token


def _check_letter_token(message):
    from members.permissions import current_roles

    letter, person = message.letter, message.person
    if letter is None or person is None:
        raise _held("reply address not recognised: its letter or person no longer exists")
    if not current_roles(person, letter.group):
        raise _held("the person is no longer a member of the letter's group")
    return letter, person


def _check_token(message, token):
    if token.target_id is None:
        raise _held(f"reply address not recognised: {token.problem}")
    circulation, person = message.circulation, message.person
    if circulation is None or person is None:
        raise _held("reply address not recognised: its circulation or person no longer exists")
    if reply_address_expired(circulation):
        raise _held(
            "reply address expired: it stopped working "
            f"{settings.REPLY_TOKEN_GRACE_DAYS} days after the deadline"
        )
    if not CirculationRecipient.objects.filter(circulation=circulation, person=person).exists():
        raise _held("the person is not a recipient of this circulation")
    return circulation, person


def registered_addresses(person):
    addresses = {person.email.lower()}
    addresses.update(
        address.lower()
        for address in EmailAddress.objects.filter(user=person, verified=True).values_list(
            "email", flat=True
        )
    )
    return addresses


def _check_sender(person, headers):
    registered = registered_addresses(person)
    for address in headers.senders:
        if address not in registered:
            raise _held(f"sent from an address the member has not registered: {address}")


def _check_authentication(parsed):
    failed = []
    for value in _header_values(parsed, "Authentication-Results"):
        for method in _AUTH_FAILURE.findall(str(value)):
            if method.lower() not in failed:
                failed.append(method.lower())
    if failed:
        raise _held(
            "the sender's mail failed authentication at our mail server: "
            + ", ".join(f"{method}=fail" for method in failed)
        )


# --- Duplicates, bounces and automatic replies -------------------------------------------------


def _lock_message_id(message_id):
    """Two copies of one message read at once: the second waits, then sees the first."""
    if message_id:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"inbound-message-id:{message_id}"],
            )


def _is_duplicate(message):
    """The same Message-ID already read for the same reply address (or the same lack of one): a
    mail server's retry or an email service's second delivery. Sent to two reply addresses, one
    message is two deliveries and counts for each."""
    if not message.message_id:
        return False
    return (
        InboundMessage.objects.filter(
            message_id=message.message_id,
            circulation_id=message.circulation_id,
            letter_id=message.letter_id,
            person_id=message.person_id,
        )
        .exclude(pk=message.pk)
        .exclude(status=Status.RECEIVED)
        .exists()
    )


def _report_type(parsed):
    if parsed.get_content_type() != "multipart/report":
        return ""
    # collapse: written the RFC 2231 way (report-type*=…), the parameter comes as a tuple.
    value = email.utils.collapse_rfc2231_value(parsed.get_param("report-type") or "")
    return str(value).lower()


def _has_delivery_status(parsed):
    return any(
        part.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        for part in parsed.walk()
    )


def is_bounce(parsed, headers):
    if _report_type(parsed) == "delivery-status" or _has_delivery_status(parsed):
        return True
    local_part = headers.senders[0].partition("@")[0] if headers.senders else ""
    return local_part in BOUNCE_SENDERS and bool(BOUNCE_SUBJECT.search(headers.subject))


def is_auto_reply(parsed, headers):
    auto_submitted = str(parsed.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if any(name in parsed for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated")):
        return True
    if str(parsed.get("Precedence", "")).strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    if _report_type(parsed) == "disposition-notification":  # read receipts
        return True
    return bool(AUTO_REPLY_SUBJECT.search(headers.subject))


def _original_message_id(parsed):
    """The Message-ID of the message a delivery report is about."""
    for part in parsed.walk():
        content_type = part.get_content_type()
        try:
            if content_type == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) else inner
                value = inner.get("Message-ID", "")
            elif content_type in ("text/rfc822-headers", "message/rfc822-headers"):
                payload = part.get_payload(decode=True) or b""
                inner = BytesHeaderParser(policy=POLICY).parsebytes(payload)
                value = inner.get("Message-ID", "")
            else:
                continue
        except Exception:  # noqa: BLE001 - a broken report part names nothing
            continue
        if str(value).strip():
            return str(value).strip()
    return ""


def _bounce_reason(parsed):
    details = []
    for part in parsed.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() or []:
            if not hasattr(block, "get") or not block.get("Action"):
                continue
            details.append(
                " ".join(
                    str(block.get(name, "")).strip()
                    for name in ("Final-Recipient", "Action", "Status", "Diagnostic-Code")
                    if block.get(name)
                )
            )
    return "; ".join(details)[:500] or "delivery failure report"


def _report_bounce(parsed):
    """Tell the outbox which of our messages bounced, when the report names one (mark_bounced
    ignores a Message-ID that is not one of ours)."""
    original = _original_message_id(parsed)
    if not original:
        return
    try:
        from ncg_portal.deliveries import mark_bounced
    except ImportError:  # the outbox's bounce handling is not there yet
        logger.warning("Bounce for %s not passed on: no ncg_portal.deliveries", original)
        return
    try:
        with transaction.atomic():
            mark_bounced(message_id=original, reason=_bounce_reason(parsed))
    except Exception:  # noqa: BLE001 - the report itself is still recorded as a bounce
        logger.exception("Could not mark %s bounced", original)


# --- The secretariat's decisions on held replies ------------------------------------------------


class CannotRelease(Exception):
    """The held message cannot be accepted as a response (the code says why)."""


@transaction.atomic
def release_held_message(*, message, released_by):
    """Accept a held reply as the response of the member its reply address names, e.g. one sent
    from an address they had not registered, after the secretariat has checked it."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.HELD:
        raise CannotRelease("not_held")
    if (message.circulation is None and message.letter is None) or message.person is None:
        raise CannotRelease("no_member")
    if message.size > settings.INBOUND_MAX_BYTES:
        raise CannotRelease("too_large")
    parsed, problem = _parse(bytes(message.raw))
    if problem:
        raise CannotRelease("unreadable")
    # A message held because reading it failed fails again here: refused, not a server error.
    try:
        reply = extract_reply(parsed)
        attachments = reply_attachments(parsed)
    except Exception as error:  # noqa: BLE001 - nothing has been written yet
        raise CannotRelease("unreadable") from error
    if message.letter is not None:
        try:
            _comment_on_letter(message, parsed, message.letter, message.person)
        except Refused as refused:
            raise CannotRelease(refused.reason) from refused
        return _released(message, released_by)
    if not reply.text and not reply.position and not attachments:
        raise CannotRelease("empty")
    try:
        record_email_reply(
            inbound_message=message,
            circulation=message.circulation,
            person=message.person,
            text=reply.text,
            position=reply.position,
            attachments=attachments,
            received_at=message.received_at,
        )
    except CirculationError as error:
        raise CannotRelease(str(error)) from error
    return _released(message, released_by)


def _released(message, released_by):
    message.status = Status.RELEASED
    with_reason(
        message, f"Released by the secretariat (was held: {message.hold_reason})"[:250], released_by
    ).save(update_fields=READ_FIELDS)
    return message


@transaction.atomic
def dismiss_held_message(*, message, dismissed_by):
    """Keep the message, but do not count it as a response."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.HELD:
        raise CannotRelease("not_held")
    message.status = Status.DISMISSED
    with_reason(message, "Dismissed by the secretariat", dismissed_by).save(
        update_fields=READ_FIELDS
    )
    return message
