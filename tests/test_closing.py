"""Closing a group: the secretariat closes it after its final meeting with a date and a reason;
then it is read-only through every view and service, its public page says it has concluded, and
its records archive is made, with checksums that `verify_archive` checks."""

import datetime
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import get_resolver
from django.utils import timezone
from simple_history.models import HistoricalChanges

from advice import services as letters
from meetings import services as meeting_services
from meetings import written_procedure as wp
from meetings.inbound import receive_message
from meetings.models import Meeting, Paper
from meetings.reply_tokens import reply_address
from meetings.uploads import create_paper
from members import services
from members.models import Group, Role
from ncg_portal import archive as archives
from ncg_portal.middleware import GROUP_FORM_PAGES
from ncg_portal.models import RecordAccess, RecordsArchive
from tests.advice.test_letters import TEXTS, WELSH
from tests.meetings.test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _meeting(group, days, title="Final meeting"):
    start = timezone.now() + days * DAY
    return Meeting.objects.create(
        group=group,
        title_en=title,
        title_cy=f"{title} (cy)",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=Meeting.Status.HELD if days < 0 else Meeting.Status.CONFIRMED,
    )


def _close(group, by, **kwargs):
    return services.close_group(
        group=group,
        closed_by=by,
        concluded_on=kwargs.pop("concluded_on", timezone.localdate()),
        reason=kwargs.pop("reason", "Final meeting held; work complete"),
    )


# --- The service -------------------------------------------------------------------------------


def test_closing_records_date_reason_and_asks_for_the_archive(ncg, secretariat):
    final = _meeting(ncg, -2)
    group = _close(ncg, secretariat, concluded_on=timezone.localtime(final.starts_at).date())
    assert group.is_closed and group.ends_on == timezone.localtime(final.starts_at).date()
    assert group.closed_by == secretariat and group.closure_reason
    record = group.history.first()
    assert record.history_user == secretariat and record.history_change_reason.startswith(
        "Group closed"
    )
    archive = RecordsArchive.objects.get()
    assert archive.on_closing and archive.status == RecordsArchive.Status.PENDING


@pytest.mark.parametrize(
    "setup,kwargs,code",
    [
        (None, {"reason": "  "}, "no_reason"),
        (None, {"concluded_on": timezone.localdate() + DAY}, "future_date"),
        ("held_yesterday", {"concluded_on": timezone.localdate() - 5 * DAY}, "before_last_meeting"),
        ("meeting_ahead", {}, "meetings_ahead"),
        ("circulation_open", {}, "circulations_open"),
        ("closed", {}, "group_closed"),
    ],
)
def test_closing_is_refused_while_something_is_unfinished(
    ncg, secretariat, member, setup, kwargs, code
):
    if setup == "held_yesterday":
        _meeting(ncg, -1)
    elif setup == "meeting_ahead":
        _meeting(ncg, 5, "Next meeting")
    elif setup == "circulation_open":
        circulation = wp.start_circulation(
            group=ncg,
            created_by=secretariat,
            subject_en="Last views",
            subject_cy="Safbwyntiau olaf",
            message_en="Please reply.",
            message_cy="Atebwch.",
            deadline=timezone.now() + 7 * DAY,
            questions=[("Agree?", "Cytuno?", True)],
        )
        wp.open_circulation(circulation=circulation, opened_by=secretariat)
    elif setup == "closed":
        _close(ncg, secretariat)
    before = Group.history.count()
    with pytest.raises(services.MembershipError, match=code):
        _close(ncg, secretariat, **kwargs)
    assert Group.history.count() == before
    if setup != "closed":
        ncg.refresh_from_db()
        assert not ncg.is_closed


# --- Read-only through every view and service ----------------------------------------------------


def _group_routes():
    """(name, path) of every URL pattern under g/<slug>/, other kwargs filled with 1."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif "<slug:slug>" in prefix + str(pattern.pattern):
                route = prefix + str(pattern.pattern)
                if "g/<slug:slug>/" not in route:
                    continue
                route = route[route.index("g/<slug:slug>/") :]  # without the language prefix
                path = route.replace("<slug:slug>", "ncg")
                path = re.sub(r"<int:\w+>", "1", path)
                path = path.replace("<uuid:uid>", "00000000-0000-0000-0000-000000000001")
                path = path.replace("<str:kind>", "meetings.meeting")
                found.append((f"{namespace}:{pattern.name}", path))

    walk(get_resolver().url_patterns, "", "")
    return found


def _history_rows():
    return sum(
        model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if issubclass(model, HistoricalChanges)
    )


def test_a_closed_group_refuses_every_change_and_its_forms_with_a_message(
    client, ncg, secretariat, chair
):
    _close(ncg, secretariat)
    routes = _group_routes()
    assert len(routes) > 40
    client.force_login(secretariat)
    before = _history_rows()
    for name, path in routes:
        if name == "records:request":
            continue  # the one thing still asked of a closed group
        for lang, words in (
            ("en", "This group has concluded"),
            ("cy", "Mae'r grŵp hwn wedi dod i ben"),
        ):
            response = client.post(f"/{lang}/{path}", {"reason": "x", "body": "x"})
            assert response.status_code == 403, (name, path, response.status_code)
            assert words in response.text, (name, lang)
    assert _history_rows() == before  # nothing at all was written
    for name, path in routes:
        if name in GROUP_FORM_PAGES:
            response = client.get(f"/cy/{path}")
            assert response.status_code == 403, (name, path)
    # Reading goes on, for the secretariat and the chair.
    for person in (secretariat, chair):
        client.force_login(person)
        for path in ("/en/g/ncg/", "/cy/g/ncg/meetings/", "/en/g/ncg/letters/"):
            assert client.get(path).status_code == 200, path
    client.force_login(secretariat)
    for path in ("/en/g/ncg/audit/", "/cy/g/ncg/records/"):
        assert client.get(path).status_code == 200, path


def test_every_form_page_named_exists():
    names = {name for name, _path in _group_routes()}
    assert GROUP_FORM_PAGES <= names, GROUP_FORM_PAGES - names


@pytest.mark.parametrize(
    "write",
    [
        lambda g, s: letters.create_letter(group=g, created_by=s, texts=TEXTS),
        lambda g, s: services.update_group_settings(
            group=g, changed_by=s, reason="x", allows_deputies=True
        ),
        lambda g, s: services.add_membership(
            group=g, person=s, role=Role.OBSERVER, starts_on=timezone.localdate()
        ),
        lambda g, s: create_paper(
            group=g,
            title_en="Late paper",
            classification=Paper.Classification.OFFICIAL,
            created_by=s,
            uploaded_file=SimpleUploadedFile("a.pdf", MINIMAL_PDF),
        ),
        lambda g, s: meeting_services.create_meeting(
            group=g,
            title_en="After the end",
            title_cy="Ar ôl y diwedd",
            starts_at=timezone.now() + DAY,
            ends_at=timezone.now() + 2 * DAY,
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/x",
        ),
        lambda g, s: wp.start_circulation(
            group=g,
            created_by=s,
            subject_en="After the end",
            subject_cy="Ar ôl y diwedd",
            message_en="x",
            message_cy="x",
            deadline=timezone.now() + DAY,
            questions=[],
        ),
    ],
)
def test_services_refuse_a_closed_group(ncg, secretariat, chair, write):
    _close(ncg, secretariat)
    ncg.refresh_from_db()
    before = _history_rows()
    with pytest.raises(Exception, match="closed"):
        write(ncg, secretariat)
    assert _history_rows() == before


# --- Who may close, and what the public sees --------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair"])
def test_only_the_secretariat_closes_a_group(client, request, who, ncg):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/en/g/ncg/close/").status_code == 404
    assert client.get("/en/g/ncg/records/").status_code == 404
    ncg.refresh_from_db()
    assert not ncg.is_closed


def test_the_close_form_explains_bad_input_in_both_languages(as_secretariat, ncg):
    for lang in ("en", "cy"):
        response = as_secretariat.post(f"/{lang}/g/ncg/close/", {"concluded_on": "nope"})
        assert response.status_code == 400 and "govuk-error-summary" in response.text
    response = as_secretariat.post(
        "/en/g/ncg/close/",
        {
            "concluded_on": (timezone.localdate() + DAY).isoformat(),
            "reason": "Done",
            "confirm": "on",
        },
    )
    assert "cannot be in the future" in response.text
    ncg.refresh_from_db()
    assert not ncg.is_closed


def test_closing_through_the_page_then_the_public_page_says_concluded(
    client, as_secretariat, ncg, secretariat, chair
):
    letter = letters.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
    letters.approve_letter(letter=letter, approved_by=chair)
    letters.publish_letter(letter=letter, published_by=chair)
    final = _meeting(ncg, -1)
    day = timezone.localtime(final.starts_at).date()
    response = as_secretariat.post(
        "/en/g/ncg/close/",
        {"concluded_on": day.isoformat(), "reason": "Work complete", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"].endswith("/en/g/ncg/records/")
    page = client.get("/en/groups/ncg/")
    assert f"This group concluded on {day:%-d %B %Y}." in page.text
    assert "/en/groups/ncg/letters/" in page.text
    assert client.get(f"/cy/groups/ncg/letters/{letter.pk}/").status_code == 200


# --- The archive -------------------------------------------------------------------------------


def _eml(sender, to):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: Last views\r\n"
        "Message-ID: <closing-1@mail.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nI agree. Diolch.\r\n"
    ).encode()


def test_the_archive_holds_the_record_with_checksums(
    client, ncg, secretariat, chair, member, welsh_member, observer, tmp_path
):
    meeting = _meeting(ncg, -3, "Closing meeting")
    create_paper(
        group=ncg,
        meeting=meeting,
        title_en="Closure report",
        title_cy="Adroddiad cau",
        reference="NCG(26)09",
        classification=Paper.Classification.OFFICIAL,
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("closure report.pdf", MINIMAL_PDF, "application/pdf"),
    )
    letter = letters.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
    circulation = wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        subject_en="Last views",
        subject_cy="Safbwyntiau olaf",
        message_en="Please reply.",
        message_cy="Atebwch.",
        deadline=timezone.now() + 7 * DAY,
        questions=[("Agree?", "Cytuno?", True)],
    )
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    receive_message(_eml(member.email, reply_address(circulation, member)), source="pipe")
    wp.close_circulation(circulation=circulation, closed_by=secretariat)
    _close(ncg, secretariat)
    archive = RecordsArchive.objects.get()
    assert archives.build(archive.pk) == RecordsArchive.Status.READY
    archive.refresh_from_db()
    assert archive.files > 10 and len(archive.sha256) == 64

    client.force_login(secretariat)
    page = client.get("/en/g/ncg/records/")
    assert archive.sha256 in page.text
    response = client.get(f"/en/g/ncg/records/{archive.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    assert RecordAccess.objects.filter(what=RecordAccess.What.ARCHIVE_EXPORTED).count() == 1

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    expected = [
        "README.txt",
        "group.json",
        "papers/papers.csv",
        "minutes/comments.csv",
        "letters/letters.csv",
        "letters/versions.json",
        f"letters/{letter.letter_date.isoformat()}-{letter.pk}-cy.pdf",
        f"letters/{letter.letter_date.isoformat()}-{letter.pk}-en.html",
        "circulations/comments.csv",
        "emails/emails.csv",
        "attendance.csv",
        "memberships.csv",
        "audit/audit-log.csv",
        "audit/audit-log.json",
        "MANIFEST.sha256",
    ]
    for name in expected:
        assert name in names, name
    assert any(n.startswith("papers/") and n.endswith("closure-report.pdf") for n in names)
    assert any(n.startswith("agendas/") and n.endswith("-agenda-cy.pdf") for n in names)
    [eml] = [n for n in names if n.endswith(".eml")]
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert b"I agree. Diolch." in zf.read(eml)
    assert "I agree. Diolch." in zf.read("circulations/comments.csv").decode()
    assert "Group closed" in zf.read("audit/audit-log.csv").decode()
    assert archives.verify_archive(io.BytesIO(data)) == []

    # The command: intact, then a changed file and an extra one are found.
    good = tmp_path / "good.zip"
    good.write_bytes(data)
    call_command("verify_archive", str(good))
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "attendance.csv":
                content += b"forged,row\n"
            target.writestr(item, content)
        target.writestr("extra.txt", "not in the manifest")
    problems = archives.verify_archive(str(bad))
    assert "checksum differs: attendance.csv" in problems
    assert "not in the manifest: extra.txt" in problems
    with pytest.raises(CommandError):
        call_command("verify_archive", str(bad))
    with pytest.raises(CommandError):
        call_command("verify_archive", str(tmp_path / "missing.zip"))


def test_the_secretariat_can_ask_for_an_archive_any_time(as_secretariat, ncg, secretariat):
    response = as_secretariat.post("/en/g/ncg/records/new/")
    assert response.status_code == 302
    archive = RecordsArchive.objects.get()
    assert not archive.on_closing and archive.requested_by == secretariat
    # Asking again while one is being made does not queue a second.
    as_secretariat.post("/en/g/ncg/records/new/")
    assert RecordsArchive.objects.count() == 1
    # One still being made cannot be downloaded.
    assert as_secretariat.get(f"/en/g/ncg/records/{archive.pk}/download/").status_code == 404
