"""When a person last looked at a group, so the portal can show what is new since then.

A sitting ends after the same idle time as a session (30 minutes by default). When a person comes
back after that, what they saw at the end of the previous sitting (`last_seen_at`) becomes
`seen_before`: everything that changed after it is new to them for the whole new sitting.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from ncg_portal.audit import with_reason

from .models import GroupVisit

# What the "new" pages show on a first ever visit.
FIRST_VISIT_WINDOW = datetime.timedelta(days=30)


def sitting_gap():
    """A pause longer than this starts a new sitting: the session idle timeout."""
    return datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def note_visit(person, group, now=None):
    """Record that the person is looking at the group now; return their GroupVisit.

    The first visit creates the row (with a history entry); later visits move it on with a
    queryset update, so page views add no history rows. `created` on the returned object says
    whether this was the first visit.
    """
    now = now or timezone.now()
    visit = GroupVisit.objects.filter(person=person, group=group).first()
    if visit is None:
        visit = GroupVisit(person=person, group=group, last_seen_at=now)
        try:
            # No savepoint: outside a transaction (a page view) this is its own transaction; a
            # concurrent first visit that won the race is then simply read back below.
            with transaction.atomic(savepoint=False):
                with_reason(visit, "First visit to the group").save()
        except IntegrityError:
            visit = GroupVisit.objects.get(person=person, group=group)
        else:
            visit.created = True
            return visit
    new_sitting = now - visit.last_seen_at > sitting_gap()
    GroupVisit.objects.filter(pk=visit.pk).update(
        # In SQL, the right-hand side reads the row as it was: seen_before takes the old value.
        seen_before=Case(
            When(last_seen_at__lt=now - sitting_gap(), then=F("last_seen_at")),
            default=F("seen_before"),
        ),
        last_seen_at=now,
    )
    if new_sitting:
        visit.seen_before = visit.last_seen_at
    visit.last_seen_at = now
    visit.created = False
    return visit


def last_visit(person, group):
    """The person's GroupVisit for the group, or None before their first visit."""
    return GroupVisit.objects.filter(person=person, group=group).first()


def new_since_moment(visit, now=None):
    """(since, first): the moment after which things are new, and whether it is a first visit
    (then the last 30 days are shown)."""
    now = now or timezone.now()
    if visit is None or visit.seen_before is None:
        return now - FIRST_VISIT_WINDOW, True
    return visit.seen_before, False
