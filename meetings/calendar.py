"""iCalendar (RFC 5545) for meetings: emailed invitations, cancellations and the personal feed.

Invitations (METHOD:REQUEST) and cancellations (METHOD:CANCEL) carry one VEVENT whose UID never
changes and whose SEQUENCE is the meeting's, so calendar clients update or remove the event they
already hold. The personal feed (METHOD:PUBLISH) is a secret URL; only a hash of its token is
stored, and issuing a new token makes the old URL stop working.
"""

import datetime
import secrets
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from members.models import Membership, Person
from members.services import hash_token
from ncg_portal.audit import with_reason

from .models import CalendarFeed, Meeting

PRODID = "-//NCG portal//EN"
TZID = "Europe/London"
LONDON = ZoneInfo(TZID)
ONLINE = {"en": "Online", "cy": "Ar-lein"}
# The feed shows the last year and everything ahead.
FEED_PAST = datetime.timedelta(days=365)
# Not held at a time and place: left out of the feed, so subscribers drop them on refresh.
NOT_IN_FEED = (Meeting.Status.CANCELLED, Meeting.Status.WRITTEN_PROCEDURE)


def _london_vtimezone():
    """VTIMEZONE for Europe/London as yearly rules (the UK rule in force since 1996).

    icalendar's `Timezone.from_tzid` lists every transition as RDATEs, which Outlook ignores;
    the RRULE form is what Outlook, Google and Apple all read.
    """
    tz = Timezone()
    tz.add("tzid", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzoffsetfrom", datetime.timedelta(hours=0))
    daylight.add("tzoffsetto", datetime.timedelta(hours=1))
    daylight.add("tzname", "BST")
    daylight.add("dtstart", datetime.datetime(1970, 3, 29, 1, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    standard = TimezoneStandard()
    standard.add("tzoffsetfrom", datetime.timedelta(hours=1))
    standard.add("tzoffsetto", datetime.timedelta(hours=0))
    standard.add("tzname", "GMT")
    standard.add("dtstart", datetime.datetime(1970, 10, 25, 2, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(daylight)
    tz.add_component(standard)
    return tz


def _calendar(method):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(_london_vtimezone())
    return cal


def _organizer():
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = "NCG portal"
    return organizer


def _location(meeting, language):
    parts = []
    if meeting.venue and meeting.mode != Meeting.Mode.ONLINE:
        parts.append(meeting.venue)
    if meeting.mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID):
        online = ONLINE.get(language, ONLINE["en"])
        parts.append(f"{online}: {meeting.join_url}" if meeting.join_url else online)
    return "; ".join(parts)


def _event(meeting, *, language, url, cancelled, stamp):
    """One VEVENT; call inside translation.override(language)."""
    event = Event()
    event.add("uid", f"{meeting.uid}@ncg-portal")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(LONDON))
    event.add("dtend", meeting.ends_at.astimezone(LONDON))
    event.add("summary", meeting.title)
    location = _location(meeting, language)
    if location:
        event.add("location", location)
    description = [meeting.group.name, str(meeting.get_mode_display())]
    if meeting.join_url and meeting.mode != Meeting.Mode.IN_PERSON:
        description.append(meeting.join_url)
    if url:
        description.append(url)
        event.add("url", url)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _organizer())
    return event


def meeting_ics(meeting, *, method="REQUEST", attendee=None, language="en", url=None) -> bytes:
    """An invitation (REQUEST) or cancellation (CANCEL) for one meeting, as .ics bytes.

    `attendee` is the Person the email goes to; `url` the meeting's page on the portal.
    """
    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported METHOD {method!r}")
    cal = _calendar(method)
    with translation.override(language):
        event = _event(
            meeting,
            language=language,
            url=url,
            cancelled=method == "CANCEL",
            stamp=timezone.now(),
        )
    if attendee is not None:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["CN"] = attendee.full_name or attendee.email
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address)
    cal.add_component(event)
    return cal.to_ical()


def feed_meetings(person):
    """Meetings of the person's current groups from a year ago on; one query."""
    return (
        Meeting.objects.filter(
            group__in=Membership.objects.current().filter(person=person).values("group"),
            ends_at__gte=timezone.now() - FEED_PAST,
        )
        .exclude(status__in=NOT_IN_FEED)
        .select_related("group")
        .order_by("starts_at")
    )


def calendar_feed_ics(person, *, language=None) -> bytes:
    """The person's subscribed calendar (METHOD:PUBLISH), in their language by default.

    Cancelled meetings and those moved to written procedure are left out: subscribers re-read
    the whole feed, so a meeting that disappears from it disappears from their calendar.
    """
    language = language or person.preferred_language or "en"
    cal = _calendar("PUBLISH")
    stamp = timezone.now()
    with translation.override(language):
        cal.add("x-wr-calname", gettext("Advisory groups portal"))
        cal.add("x-wr-timezone", TZID)
        cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        for meeting in feed_meetings(person):
            url = settings.SITE_URL + reverse(
                "meetings:detail", args=[meeting.group.slug, meeting.pk]
            )
            cal.add_component(
                _event(meeting, language=language, url=url, cancelled=False, stamp=stamp)
            )
    return cal.to_ical()


def issue_calendar_feed(*, person) -> str:
    """Give the person a new feed token, replacing (and so revoking) any old one.

    Returns the raw token; only its SHA-256 hash is stored.
    """
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        person=person,
        defaults={"token_hash": hash_token(token), "created_at": timezone.now()},
    )
    return token


def revoke_calendar_feed(*, person):
    # Deleted as an instance, so its history row carries a reason.
    feed = CalendarFeed.objects.filter(person=person).first()
    if feed is not None:
        with_reason(feed, "Calendar feed revoked").delete()


def person_for_feed_token(token) -> Person | None:
    if not token:
        return None
    feed = CalendarFeed.objects.select_related("person").filter(token_hash=hash_token(token))
    feed = feed.first()
    return feed.person if feed else None
