"""The benchmark's data set (ncg_portal/bench_data.py), built small: what it makes, that its
history is dated, that its PDFs are real, and that every page the benchmark loads answers 200 to
the people it names. (Query counts per page are asserted in the pages' own tests.)"""

import datetime

import pikepdf
import pytest
from django.apps import apps
from django.db.models import Max
from django.test import Client
from django.utils import timezone
from simple_history.models import HistoricalChanges

from bench.run import MAIN_ROLE, page_specs
from meetings.models import Comment, Meeting, Minutes, PaperVersion
from members.models import Membership, Person, Role
from ncg_portal.bench_data import Builder, Sizes


@pytest.fixture
def built(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    builder = Builder(0.01)
    made = builder.build()
    builder.freeze_minutes()
    return builder, made


def test_sizes_grow_with_the_scale():
    one, tenth = Sizes.at(1), Sizes.at(0.1)
    assert (one.groups, one.people, one.years, one.comments, one.letters) == (
        100,
        3000,
        10,
        50_000,
        500,
    )
    assert (tenth.groups, tenth.people, tenth.years) == (10, 300, 1)


def test_what_it_makes(built, settings):
    builder, made = built
    sizes = builder.sizes
    assert made.counts["groups"] == sizes.groups
    assert made.counts["people"] == sizes.people
    assert made.counts["comments"] == Comment.objects.count() == sizes.comments
    assert made.counts["letter versions"] == sizes.letters * 10
    _check_pages(builder.made.manifest)
    # Termly meetings, each with 20 papers; held ones have approved minutes with their record.
    meetings = Meeting.objects.filter(group__slug="bench-000")
    assert meetings.count() >= 3 * sizes.years
    held = meetings.filter(status=Meeting.Status.HELD)
    assert all(m.papers.count() == 20 for m in held)
    minutes = Minutes.objects.get(meeting=held.last())
    assert minutes.status == Minutes.Status.APPROVED
    assert set(minutes.record) == {"en", "cy"}
    # Every chair and secretariat officer has a second factor (else the portal stops them).
    officers = Membership.objects.filter(role__in=[Role.CHAIR, Role.SECRETARIAT])
    assert all(m.person.authenticator_set.exists() for m in officers)
    # Paper files are real PDFs on disk whose checksum is the one stored.
    version = PaperVersion.objects.select_related("paper").first()
    with version.file.open("rb") as f, pikepdf.open(f) as pdf:
        assert len(pdf.pages) == 1
    # Nothing is dated in the future: the next meeting's papers and answers have happened already.
    now = timezone.now()
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges) and hasattr(model, "history_date"):
            latest = model.objects.aggregate(latest=Max("history_date"))["latest"]
            assert latest is None or latest <= now, model.__name__
    assert Meeting.objects.filter(group__slug="bench-000", starts_at__gt=now).count() == 1
    # History is dated when things happened, not when the data set was made.
    history = Person.history.filter(email=builder.made.manifest["people"]["member"]).earliest(
        "history_date"
    )
    assert history.history_date < (
        datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=300)
    )


def _check_pages(manifest):
    """Each page the benchmark loads answers 200 to the role it is loaded as."""
    clients = {"anonymous": Client()}
    for role, pk in manifest["people_ids"].items():
        clients[role] = Client()
        clients[role].force_login(Person.objects.get(pk=pk))
    for page, role, path in page_specs(manifest):
        if page in ("floor", "plain") or MAIN_ROLE[page] != role:
            continue
        client = clients[role]
        assert client.get(path).status_code == 200, (page, role, path)
