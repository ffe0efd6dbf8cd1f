"""Changes that matter ask for a reason: approved minutes corrected, and a paper withdrawn.

Both keep the record (history with the reason; the old PDFs and files stay), tell people why, and
refuse bad input with nothing changed."""

import datetime
import html
import io
import subprocess

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import minutes as minutes_services
from meetings import uploads
from meetings.models import Minutes, MinutesCorrection, Paper, PaperVersion
from meetings.paper_mail import send_meeting_papers
from meetings.selectors import unopened_papers
from meetings.services import MeetingError
from meetings.written_procedure import CirculationError, start_circulation
from members.services import close_group
from ncg_portal.models import OutgoingMail

from .test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def approved(held, chair, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    welcome, design = held.items
    minutes_services.save_minutes(
        minutes=minutes,
        discussions={design.pk: ("Members agreed the principles.", "Cytunodd yr aelodau.")},
        body_en="Next meeting in spring.",
    )
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    minutes.refresh_from_db()
    return minutes


def _corrected_discussions(held):
    welcome, design = held.items
    return {
        welcome.pk: ("", ""),
        design.pk: (
            "Members agreed the principles, subject to the changes in paper NCG(25)05.",
            "Cytunodd yr aelodau ar yr egwyddorion, yn amodol ar y newidiadau.",
        ),
    }


def _history_count(model):
    return model.history.count()


def test_correcting_approved_minutes_needs_a_reason_and_a_change(approved, held, secretariat):
    before = (_history_count(Minutes), MinutesCorrection.objects.count(), approved.record)
    for reason, code in (("   ", "no_reason"), ("", "no_reason")):
        with pytest.raises(MeetingError, match=code):
            minutes_services.correct_minutes(
                minutes=approved,
                discussions=_corrected_discussions(held),
                body_en="Next meeting in spring.",
                corrected_by=secretariat,
                reason=reason,
            )
    # The same words again are not a correction.
    with pytest.raises(MeetingError, match="no_change"):
        minutes_services.correct_minutes(
            minutes=approved,
            discussions={
                held.items[1].pk: ("Members agreed the principles.", "Cytunodd yr aelodau.")
            },
            body_en="Next meeting in spring.",
            corrected_by=secretariat,
            reason="Agreed at the next meeting",
        )
    approved.refresh_from_db()
    assert (_history_count(Minutes), MinutesCorrection.objects.count(), approved.record) == before
    assert approved.entries.get(agenda_item=held.items[1]).discussion_en == (
        "Members agreed the principles."
    )


def test_draft_minutes_are_edited_not_corrected(held, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    with pytest.raises(MeetingError, match="not_approved"):
        minutes_services.correct_minutes(
            minutes=minutes,
            discussions=_corrected_discussions(held),
            corrected_by=secretariat,
            reason="Typo",
        )


def test_a_correction_is_recorded_shown_and_sent(
    approved,
    held,
    secretariat,
    chair,
    member,
    welsh_member,
    as_member,
):
    old_pdf = minutes_services.minutes_pdf(approved, "en").name
    OutgoingMail.objects.all().delete()
    reason = "Corrected as agreed at the meeting of 5 March 2026: the condition was left out."
    minutes_services.correct_minutes(
        minutes=approved,
        discussions=_corrected_discussions(held),
        body_en="Next meeting in spring.",
        corrected_by=secretariat,
        reason=reason,
    )
    approved.refresh_from_db()
    # Still approved by the chair; the record is frozen again with the correction listed.
    assert approved.is_approved and approved.approved_by == chair
    design = approved.record["en"]["items"][1]
    assert "subject to the changes in paper NCG(25)05" in design["discussion"]["text"]
    assert approved.record["cy"]["items"][1]["discussion"]["text"].startswith("Cytunodd")
    corrections = approved.record["en"]["corrections"]
    assert [(c["by"], c["reason"]) for c in corrections] == [(secretariat.display_name, reason)]
    assert approved.record["cy"]["corrections"][0]["reason"] == reason
    # The history says who and why, on the entry and on the minutes.
    latest = approved.history.first()
    assert latest.history_user == secretariat
    assert latest.history_change_reason.startswith("Correction to approved minutes: Corrected as")
    entry = approved.entries.get(agenda_item=held.items[1])
    assert entry.history.first().history_change_reason == latest.history_change_reason
    # The PDF is made again and says so; the old file stays for the record.
    assert not approved.pdf_en
    new_pdf = minutes_services.minutes_pdf(approved, "en")
    assert new_pdf.name != old_pdf
    assert new_pdf.storage.exists(old_pdf)
    with new_pdf.open("rb") as f:
        data = f.read()
    assert pikepdf.open(io.BytesIO(data)).Root.MarkInfo.Marked
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert "Corrections after approval" in text
    assert "the condition was left out" in " ".join(text.split())
    # Members are told, in their language, with the reason.
    mails = {m.to_email: m for m in OutgoingMail.objects.filter(kind="minutes_corrected")}
    assert set(mails) >= {member.email, welsh_member.email, chair.email}
    assert reason in mails[member.email].body_text
    assert reason in mails[welsh_member.email].body_text
    assert "Cofnodion wedi'u cywiro" in mails[welsh_member.email].subject
    # Shown on the page in both languages.
    page = as_member.get(f"/en/g/ncg/meetings/{held.pk}/minutes/")
    assert "Corrections after approval" in page.text and reason in page.text
    welsh = as_member.get(f"/cy/g/ncg/meetings/{held.pk}/minutes/")
    assert "Cywiriadau ar ôl cymeradwyo" in welsh.text


CORRECT_URL = "/{lang}/g/ncg/meetings/{pk}/minutes/correct/"


def _correction_post(held, reason):
    welcome, design = held.items
    return {
        "reason": reason,
        f"discussion_en_{welcome.pk}": "",
        f"discussion_cy_{welcome.pk}": "",
        f"discussion_en_{design.pk}": "Members agreed, with one condition.",
        f"discussion_cy_{design.pk}": "Cytunodd yr aelodau.",
        "body_en": "Next meeting in spring.",
        "body_cy": "",
        "started_from": minutes_services.minutes_edit_token(held),  # the page opened just now
    }


def test_correction_page(approved, held, as_secretariat, as_member, as_chair, as_outsider):
    url = CORRECT_URL.format(lang="en", pk=held.pk)
    page = as_secretariat.get(url)
    assert page.status_code == 200 and "Why are the minutes being corrected?" in page.text
    # Only the secretariat corrects; others don't see the page at all.
    for client in (as_member, as_chair, as_outsider):
        assert client.get(url).status_code == 404
        assert client.post(url, _correction_post(held, "x")).status_code == 404
    # No reason: refused in the person's language, nothing changed.
    refused = as_secretariat.post(
        CORRECT_URL.format(lang="cy", pk=held.pk), _correction_post(held, "  ")
    )
    assert refused.status_code == 400
    assert "Rhowch y rheswm dros gywiro'r cofnodion." in html.unescape(refused.text)
    assert 'class="govuk-error-summary"' in refused.text
    assert not MinutesCorrection.objects.exists()
    done = as_secretariat.post(url, _correction_post(held, "Agreed on 5 March"))
    assert done.status_code == 302
    assert MinutesCorrection.objects.get().reason == "Agreed on 5 March"
    minutes_page = as_secretariat.get(f"/en/g/ncg/meetings/{held.pk}/minutes/")
    assert "Correct the approved minutes" in minutes_page.text
    assert "Agreed on 5 March" in minutes_page.text


def test_correction_page_needs_approved_minutes(held, secretariat, as_secretariat):
    minutes_services.start_minutes(meeting=held, started_by=secretariat)
    assert as_secretariat.get(CORRECT_URL.format(lang="en", pk=held.pk)).status_code == 404


def test_closed_group_minutes_cannot_be_corrected(approved, held, ncg, secretariat, as_secretariat):
    close_group(
        group=ncg,
        closed_by=secretariat,
        concluded_on=timezone.localdate(),
        reason="Final meeting held",
    )
    page = as_secretariat.get(CORRECT_URL.format(lang="cy", pk=held.pk))
    assert page.status_code == 403
    with pytest.raises(MeetingError, match="group_closed"):
        minutes_services.correct_minutes(
            minutes=approved,
            discussions=_corrected_discussions(held),
            corrected_by=secretariat,
            reason="Late fix",
        )


# Withdrawing a paper.


@pytest.fixture
def paper(held):
    return Paper.objects.get(meeting=held)


def test_withdrawing_needs_a_reason(paper, secretariat):
    for reason in ("", "   "):
        with pytest.raises(Exception) as refused:
            uploads.withdraw_paper(paper=paper, withdrawn_by=secretariat, reason=reason)
        assert refused.value.code == "no_reason"
    paper.refresh_from_db()
    assert not paper.is_withdrawn
    uploads.withdraw_paper(
        paper=paper, withdrawn_by=secretariat, reason="  Superseded by\n NCG(25)05 "
    )
    paper.refresh_from_db()
    assert paper.is_withdrawn and paper.withdrawn_by == secretariat
    assert paper.withdrawal_reason == "Superseded by NCG(25)05"
    latest = paper.history.first()
    assert latest.history_change_reason == "Paper withdrawn: Superseded by NCG(25)05"
    assert latest.history_user == secretariat
    with pytest.raises(Exception) as again:
        uploads.withdraw_paper(paper=paper, withdrawn_by=secretariat, reason="Again")
    assert again.value.code == "already_withdrawn"
    # No new version of a withdrawn paper; nothing stored.
    with pytest.raises(Exception) as refused:
        uploads.add_paper_version(
            paper=paper,
            uploaded_file=SimpleUploadedFile("v2.pdf", MINIMAL_PDF, "application/pdf"),
            uploaded_by=secretariat,
        )
    assert refused.value.code == "withdrawn"
    assert paper.versions.count() == 1


def test_a_withdrawn_paper_is_not_offered_or_sent(
    paper,
    held,
    ncg,
    member,
    secretariat,
    as_member,
    as_secretariat,
):
    version = paper.versions.get()
    assert list(unopened_papers(member, ncg)) == [version] or held.ends_at < timezone.now()
    uploads.withdraw_paper(paper=paper, withdrawn_by=secretariat, reason="Superseded")
    assert paper.pk not in [v.paper_id for v in unopened_papers(member, ncg)]
    # The meeting page shows it as withdrawn, with the reason, and no download for members.
    page = as_member.get(f"/en/g/ncg/meetings/{held.pk}/")
    assert "Withdrawn" in page.text and "Superseded" in page.text
    assert f"/papers/{version.pk}/download/" not in page.text
    # A member following an old link is told why; nothing is recorded as opened.
    response = as_member.get(f"/en/g/ncg/papers/{version.pk}/download/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/g/ncg/papers/{paper.pk}/"
    followed = as_member.get(response["Location"])
    assert "This paper was withdrawn on" in followed.text
    assert not version.downloads.filter(person=member).exists()
    welsh = as_member.get(f"/cy/g/ncg/papers/{paper.pk}/")
    assert "Wedi'i dynnu'n ôl" in html.unescape(welsh.text)
    # The secretariat still opens it, for the record.
    assert as_secretariat.get(f"/en/g/ncg/papers/{version.pk}/download/").status_code == 200
    # Not sent by email, not offered in the send form, not in the agenda pack.
    with pytest.raises(MeetingError, match="withdrawn"):
        send_meeting_papers(meeting=held, papers=[paper], sent_by=secretariat)
    form = as_secretariat.get(f"/en/g/ncg/meetings/{held.pk}/papers/send/")
    assert f'value="{paper.pk}"' not in form.text
    agenda = as_secretariat.get(f"/en/g/ncg/meetings/{held.pk}/agenda.pdf")
    text = subprocess.run(
        ["pdftotext", "-", "-"],
        input=agenda.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "Phase 2 design" in text and "NCG(25)04" not in text
    # Not circulated by the written procedure, whether chosen or brought by the meeting.
    deadline = timezone.now() + datetime.timedelta(days=7)
    with pytest.raises(CirculationError, match="withdrawn"):
        start_circulation(
            group=ncg,
            subject_en="Comments please",
            subject_cy="",
            message_en="",
            message_cy="",
            deadline=deadline,
            created_by=secretariat,
            papers=[paper],
        )
    circulation = start_circulation(
        group=ncg,
        subject_en="Comments please",
        subject_cy="",
        message_en="",
        message_cy="",
        deadline=deadline,
        created_by=secretariat,
        meeting=held,
    )
    assert not circulation.papers.exists()


def test_the_minutes_mark_a_withdrawn_paper(paper, held, secretariat, as_secretariat):
    uploads.withdraw_paper(paper=paper, withdrawn_by=secretariat, reason="Superseded")
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    record = minutes_services.minutes_record(minutes, "en")
    assert record["items"][1]["papers"][0]["withdrawn"] is True
    page = as_secretariat.get(f"/en/g/ncg/meetings/{held.pk}/minutes/")
    assert "Design principles</span> (withdrawn)" in page.text


def test_paper_pages_who_may_do_what(paper, held, as_member, as_chair, as_outsider):
    assert as_member.get(f"/en/g/ncg/papers/{paper.pk}/").status_code == 200
    assert as_outsider.get(f"/en/g/ncg/papers/{paper.pk}/").status_code == 404
    for client in (as_member, as_chair, as_outsider):
        for url in (
            f"/en/g/ncg/papers/{paper.pk}/withdraw/",
            f"/en/g/ncg/papers/{paper.pk}/versions/add/",
        ):
            assert client.get(url).status_code == 404
            assert client.post(url, {"reason": "x"}).status_code == 404
    assert not Paper.objects.get(pk=paper.pk).is_withdrawn
    # Another group's paper through this group's URL: not found.
    other = as_outsider.get(f"/en/g/other/papers/{paper.pk}/")
    assert other.status_code == 404


def test_withdraw_page(paper, as_secretariat):
    url = f"/cy/g/ncg/papers/{paper.pk}/withdraw/"
    assert as_secretariat.get(url).status_code == 200
    refused = as_secretariat.post(url, {"reason": " "})
    assert refused.status_code == 400
    assert "Rhowch y rheswm dros dynnu'r papur yn ôl." in html.unescape(refused.text)
    assert not Paper.objects.get(pk=paper.pk).is_withdrawn
    done = as_secretariat.post(url, {"reason": "Wedi'i ddisodli"})
    assert done.status_code == 302 and done["Location"] == f"/cy/g/ncg/papers/{paper.pk}/"
    assert Paper.objects.get(pk=paper.pk).withdrawal_reason == "Wedi'i ddisodli"
    # Withdrawing twice: told, nothing changed.
    again = as_secretariat.post(url, {"reason": "Again"}, follow=True)
    assert "Wedi'i ddisodli" in html.unescape(again.text)
    assert Paper.objects.get(pk=paper.pk).withdrawal_reason == "Wedi'i ddisodli"


def test_new_version_page(paper, as_secretariat, media_root):
    url = f"/en/g/ncg/papers/{paper.pk}/versions/add/"
    bad = as_secretariat.post(
        url, {"file": SimpleUploadedFile("v2.pdf", b"MZ not a pdf", "application/pdf")}
    )
    assert bad.status_code == 400
    assert paper.versions.count() == 1
    done = as_secretariat.post(
        url,
        {
            "file": SimpleUploadedFile("v2.pdf", MINIMAL_PDF, "application/pdf"),
            "note": "Figures updated",
        },
    )
    assert done.status_code == 302
    latest = paper.versions.get(number=2)
    assert latest.history.first().history_change_reason == "New version: Figures updated"
    page = as_secretariat.get(f"/en/g/ncg/papers/{paper.pk}/")
    assert "v2.pdf" in page.text and "Current" in page.text


def test_paper_page_queries_stay_flat(paper, held, secretariat, member, as_secretariat):
    url = f"/en/g/ncg/papers/{paper.pk}/"

    def count():
        as_secretariat.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert as_secretariat.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(3):
        version = uploads.add_paper_version(
            paper=paper,
            uploaded_file=SimpleUploadedFile(f"v{n}.pdf", MINIMAL_PDF, "application/pdf"),
            uploaded_by=secretariat,
        )
        uploads.record_download(version=version, person=member)
    assert PaperVersion.objects.filter(paper=paper).count() == 4
    assert count() == few
    assert few <= 25
