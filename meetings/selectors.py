"""Reads that pages share: what a person still has to do in a group."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Action, PaperDownload, PaperVersion


def unopened_papers(person, group, limit=10):
    """Current versions of the group's papers (for meetings not yet over) the person has not opened."""
    opened = PaperDownload.objects.filter(version=OuterRef("pk"), person=person)
    latest = (
        PaperVersion.objects.filter(paper=OuterRef("paper")).order_by("-number").values("pk")[:1]
    )
    return (
        PaperVersion.objects.filter(paper__group=group, pk=latest)
        .exclude(paper__meeting__ends_at__lt=timezone.now())
        .annotate(opened=Exists(opened))
        .filter(opened=False)
        .select_related("paper", "paper__meeting")
        .order_by("-uploaded_at")[:limit]
    )


def actions_due(person, group):
    return Action.objects.filter(group=group, owner=person, status=Action.Status.OPEN).order_by(
        "due_on"
    )


def paper_readers(meeting):
    """For the secretariat: each paper version of a meeting with who has opened it."""
    downloads = (
        PaperDownload.objects.filter(version__paper__meeting=meeting)
        .select_related("person", "version")
        .order_by("person__full_name")
    )
    readers = {}
    for download in downloads:
        readers.setdefault(download.version_id, {})[download.person_id] = download.person
    return {version_id: list(people.values()) for version_id, people in readers.items()}
