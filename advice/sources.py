"""What the chair sees beside a letter: the minutes of the meetings it draws on, the summaries and
comments of its circulations; and the letter's own history of transitions."""

from django.db.models import Prefetch

from meetings.models import MinutesComment, MinutesEntry
from meetings.written_procedure import circulation_summary

from .models import Letter


def sources_panel(meetings, circulations):
    """{"meetings": [{"meeting", "minutes", "entries", "comments"}], "circulations": [summary]}
    for the side panel: a fixed number of queries for the meetings, however many."""
    from meetings.models import Meeting, Minutes

    ids = [m.pk for m in meetings]
    minutes_of = {
        minutes.meeting_id: minutes
        for minutes in Minutes.objects.filter(meeting__in=ids).prefetch_related(
            Prefetch(
                "entries",
                queryset=MinutesEntry.objects.select_related("agenda_item").exclude(
                    discussion_en="", discussion_cy=""
                ),
            ),
            Prefetch(
                "comments",
                queryset=MinutesComment.objects.select_related("person").order_by("created_at"),
            ),
        )
    }
    panel_meetings = []
    for meeting in (
        Meeting.objects.filter(pk__in=ids).select_related("group").order_by("-starts_at")
    ):
        minutes = minutes_of.get(meeting.pk)
        panel_meetings.append(
            {
                "meeting": meeting,
                "minutes": minutes,
                "entries": list(minutes.entries.all()) if minutes else [],
                "comments": list(minutes.comments.all()) if minutes else [],
            }
        )
    return {
        "meetings": panel_meetings,
        "circulations": [circulation_summary(c) for c in circulations],
    }


def letter_history(letter):
    """Each change of the letter's state, oldest first: (when, who, status label, issued_to)."""
    rows = letter.history.select_related("history_user").order_by("history_date", "history_id")
    history, previous = [], None
    for row in rows:
        if row.status != previous:
            history.append(
                {
                    "when": row.history_date,
                    "who": row.history_user,
                    "status": Letter.Status(row.status).label,
                    "issued_to": row.issued_to if row.status == Letter.Status.ISSUED else "",
                }
            )
            previous = row.status
    return history
