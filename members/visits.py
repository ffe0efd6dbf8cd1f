"""When a person last looked at a group, so the portal can show what is new since then.

A sitting ends after the same idle time as a session (30 minutes by default). When a person comes
back after that, what they saw at the end of the previous sitting (`last_seen_at`) becomes
`seen_before`: everything that changed after it is new to them for the whole new sitting.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ncg_portal.audit import with_reason

from .models import GroupVisit

# last_seen_at moves on at most this often: what is "new" is judged by sittings of 30 minutes,
# so a minute's lag changes nothing a person sees, and most page views write nothing.
VISIT_REFRESH = datetime.timedelta(seconds=60)

# What the "new" pages show on a first ever visit.
FIRST_VISIT_WINDOW = datetime.timedelta(days=30)


def sitting_gap():
    """A pause longer than this starts a new sitting: the session idle timeout."""
    return datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def note_visit(person, group, now=None):
    """Record that the person is looking at the group now; return their GroupVisit.

    History keeps one row per sitting, not one per page view: the first visit and each new
    sitting are saved (a history row each, with the `seen_before` that sitting shows), while
    page views within a sitting only move `last_seen_at` on with a queryset update, which keeps
    them to one UPDATE. `created` on the returned object says whether this was the first visit.
    """
    now = now or timezone.now()
    visit = GroupVisit.objects.filter(person=person, group=group).first()
    if visit is None:
        visit = GroupVisit(person=person, group=group, last_seen_at=now)
        try:
            # No savepoint: outside a transaction (a page view) this is its own transaction; a
            # concurrent first visit that won the race is then simply read back below.
            with transaction.atomic(savepoint=False):
                with_reason(visit, "First visit to the group", user=person).save()
        except IntegrityError:
            visit = GroupVisit.objects.get(person=person, group=group)
        else:
            visit.created = True
            return visit
    visit.created = False
    start = now - sitting_gap()
    if visit.last_seen_at >= now - VISIT_REFRESH:
        # Seen within the last minute: nothing to write (a page view is not a write each time).
        return visit
    if visit.last_seen_at >= start:
        # Within the sitting. The filter re-checks that in SQL, so a sitting that has just ended
        # (the row was read a moment ago) goes on to the saved path below.
        if GroupVisit.objects.filter(pk=visit.pk, last_seen_at__gte=start).update(last_seen_at=now):
            visit.last_seen_at = now
            return visit
    with transaction.atomic():
        visit = GroupVisit.objects.select_for_update().get(pk=visit.pk)
        visit.created = False
        if visit.last_seen_at < start:
            visit.seen_before = visit.last_seen_at
            visit.last_seen_at = now
            with_reason(visit, "New sitting", user=person).save()
        else:  # a concurrent request began the sitting first
            GroupVisit.objects.filter(pk=visit.pk).update(last_seen_at=now)
            visit.last_seen_at = now
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
