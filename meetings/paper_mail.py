"""Sending a meeting's papers to the people invited to it: one email each, in their language,
with a link to the permission-checked download of each paper's current version."""

from django.db import transaction
from django.utils import timezone, translation

from ncg_portal.audit import with_reason
from ncg_portal.mail import absolute_url, queue_mail

from .models import Meeting, Paper, PaperVersion
from .services import MeetingError, _invitees

MESSAGE_MAX_LENGTH = 5000


def recipients(meeting):
    """Who gets the papers: the meeting's current invitees (chair, members, observers)."""
    return _invitees(meeting)


def paper_links(group, papers, versions, language):
    """What an email lists about each paper, with links under the language's URL prefix.

    `versions` maps paper id to the version to link to (the current one)."""
    with translation.override(language):
        return [
            {
                "paper": paper,
                "reference": paper.reference,
                "title": paper.title,  # Welsh when there is a Welsh title, English otherwise
                "classification": paper.get_classification_display(),
                "version": versions[paper.pk],
                "url": absolute_url(
                    "meetings:paper_download",
                    args=[group.slug, versions[paper.pk].pk],
                    language=language,
                ),
            }
            for paper in papers
        ]


@transaction.atomic
def send_meeting_papers(*, meeting, papers, message="", sent_by):
    """Email the chosen papers of the meeting to everyone invited to it and note when they went.

    Refuses (MeetingError) with: "group_closed", "no_papers", "wrong_meeting" (a paper of another
    meeting or group), "withdrawn", "no_file" (a paper without any version) and "no_recipients".
    Returns the queued OutgoingMail rows, one per person.
    """
    meeting = Meeting.objects.select_related("group").get(pk=meeting.pk)
    if meeting.group.is_closed:
        raise MeetingError("group_closed")
    chosen = {paper.pk: paper for paper in papers}
    if not chosen:
        raise MeetingError("no_papers")
    if any(
        paper.meeting_id != meeting.pk or paper.group_id != meeting.group_id
        for paper in chosen.values()
    ):
        raise MeetingError("wrong_meeting")
    locked = list(
        Paper.objects.select_for_update()
        .filter(pk__in=chosen, meeting=meeting, group=meeting.group)
        .order_by("reference", "title_en", "pk")
    )
    if len(locked) != len(chosen):
        raise MeetingError("wrong_meeting")
    if any(paper.is_withdrawn for paper in locked):
        raise MeetingError("withdrawn")
    versions = {
        version.paper_id: version
        for version in PaperVersion.objects.filter(paper__in=locked)
        .order_by("paper_id", "-number")
        .distinct("paper_id")
    }
    if any(paper.pk not in versions for paper in locked):
        raise MeetingError("no_file")
    people = recipients(meeting)
    if not people:
        raise MeetingError("no_recipients")

    message = (message or "").strip()[:MESSAGE_MAX_LENGTH]
    links_by_language = {}
    mails = []
    for person in people:
        language = person.preferred_language or "en"
        if language not in links_by_language:
            links_by_language[language] = paper_links(meeting.group, locked, versions, language)
        meeting_url = absolute_url(
            "meetings:detail", args=[meeting.group.slug, meeting.pk], language=language
        )
        mails.append(
            queue_mail(
                kind="meeting_papers",
                to_email=person.email,
                language=language,
                person=person,
                group=meeting.group,
                context={
                    "person": person,
                    "meeting": meeting,
                    "sender": sent_by.display_name,
                    "message": message,
                    "papers": links_by_language[language],
                    "meeting_url": meeting_url,
                },
            )
        )
    now = timezone.now()
    for paper in locked:
        paper.circulated_at = now
        with_reason(paper, f"Sent to members by {sent_by.email}", user=sent_by).save()
    return mails
