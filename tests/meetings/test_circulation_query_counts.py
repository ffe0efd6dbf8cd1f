"""Sending a circulation (and its reminder) costs the same few queries per recipient: what every
recipient's email shares (papers, questions, links) is read once per language, not once per
person. Issue 8 sends to a thousand people; bench/mail.py times it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import uploads
from meetings import written_procedure as wp
from members.models import Role
from ncg_portal.models import OutgoingMail
from tests.conftest import make_person

from .test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db

# Per recipient: the outgoing mail and its history row, the recipient's sent_at (or reminded_at)
# and its history row. (The hand-over to the worker happens after the commit.)
WRITES_PER_RECIPIENT = 4


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def papers(ncg, secretariat):
    return [
        uploads.create_paper(
            group=ncg,
            title_en=f"Paper {n}",
            title_cy=f"Papur {n}",
            reference=f"NCG(26)0{n}",
            classification="official",
            created_by=secretariat,
            uploaded_file=SimpleUploadedFile(f"p{n}.pdf", MINIMAL_PDF, "application/pdf"),
        )
        for n in (1, 2)
    ]


def circulate(ncg, secretariat, paper_list):
    circulation = wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        subject_en="Framework",
        subject_cy="Fframwaith",
        message_en="Please comment.",
        message_cy="Rhowch sylwadau.",
        deadline=timezone.now() + datetime.timedelta(days=7),
        papers=paper_list,
        questions=[("Agree?", "Cytuno?", True), ("Anything else?", "Unrhyw beth arall?", False)],
    )
    with CaptureQueriesContext(connection) as opening:
        wp.open_circulation(circulation=circulation, opened_by=secretariat)
    with CaptureQueriesContext(connection) as reminding:
        wp.send_reminders(circulation=circulation, sent_by=secretariat)
    return circulation.recipients.count(), len(opening), len(reminding)


def test_each_further_recipient_costs_only_their_own_writes(
    ncg, secretariat, chair, member, welsh_member
):
    paper_list = papers(ncg, secretariat)
    few, opened_few, reminded_few = circulate(ncg, secretariat, paper_list)
    for n in range(6):
        make_person(
            f"extra{n}@example.org",
            f"Extra {n}",
            role=Role.MEMBER,
            group=ncg,
            language="cy" if n % 2 else "en",
        )
    many, opened_many, reminded_many = circulate(ncg, secretariat, paper_list)
    assert many - few == 6
    assert opened_many - opened_few == WRITES_PER_RECIPIENT * 6
    assert reminded_many - reminded_few == WRITES_PER_RECIPIENT * 6
    # Everyone still gets the papers, the questions and the link in their own language.
    for mail in OutgoingMail.objects.filter(kind="circulation", to_email__startswith="extra"):
        language = "cy" if int(mail.to_email.removeprefix("extra")[0]) % 2 else "en"
        assert mail.language == language
        assert f"/{language}/g/ncg/papers/" in mail.body_text
        assert ("Cytuno?" if language == "cy" else "Agree?") in mail.body_text
        assert [a["filename"] for a in mail.attachments] == ["p1.pdf", "p2.pdf"]
