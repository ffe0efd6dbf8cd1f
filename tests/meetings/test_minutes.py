"""Minutes: drafted from what the portal knows, shared for comment, approved by the chair,
published as a page and a tagged PDF that never changes afterwards."""

import datetime
import io
import subprocess
import zoneinfo

import pikepdf
import pytest
from django.utils import timezone

from meetings import minutes as minutes_services
from meetings import services
from meetings.models import Action, Attendance, Meeting, Minutes
from meetings.services import MeetingError
from ncg_portal.models import OutgoingMail

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_the_draft_starts_from_what_the_portal_knows(held, member, observer, chair, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    record = minutes_services.minutes_record(minutes, "en")
    assert [p["name"] for p in record["present"]][0] == chair.display_name  # the chair first
    assert {p["name"] for p in record["present"]} >= {member.display_name, chair.display_name}
    assert [p["name"] for p in record["apologies"]] == [observer.display_name]
    assert record["secretariat"][0]["name"] == secretariat.display_name
    assert [i["title"]["text"] for i in record["items"]] == ["Welcome", "Phase 2 design"]
    design = record["items"][1]
    assert design["papers"][0]["reference"] == "NCG(25)04"
    assert design["declarations"] == [
        {"name": member.display_name, "interest": "Trustee of a partnership"}
    ]
    assert record["actions"][0]["description"] == "Circulate the revised principles"
    assert record["actions"][0]["due_on"] == "1 December 2025"
    # Welsh: the item's Welsh title, the paper's English title marked as English.
    welsh = minutes_services.minutes_record(minutes, "cy")
    assert welsh["items"][1]["title"] == {"text": "Dyluniad cam 2", "lang": "cy"}
    assert welsh["items"][1]["papers"][0]["title"] == {"text": "Design principles", "lang": "en"}
    assert welsh["actions"][0]["due_on"] == "1 Rhagfyr 2025"


def test_minutes_need_a_held_meeting(ncg, secretariat):
    start = timezone.now() + datetime.timedelta(days=3)
    planned = Meeting.objects.create(
        group=ncg,
        title_en="x",
        title_cy="x",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    with pytest.raises(MeetingError, match="not_held"):
        minutes_services.start_minutes(meeting=planned, started_by=secretariat)
    assert not Minutes.objects.exists()


def test_share_comment_approve(held, member, welsh_member, chair, secretariat, outsider):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    welcome, design = held.items
    minutes_services.save_minutes(
        minutes=minutes,
        discussions={design.pk: ("Members agreed the principles.", "Cytunodd yr aelodau.")},
        body_en="Next meeting in spring.",
    )
    # Members can't comment on a draft that hasn't been shared.
    with pytest.raises(MeetingError, match="cannot_comment"):
        minutes_services.comment_on_minutes(minutes=minutes, person=member, body="Hi")

    OutgoingMail.objects.all().delete()
    minutes_services.share_minutes(minutes=minutes, shared_by=secretariat)
    mails = {m.to_email: m for m in OutgoingMail.objects.filter(kind="minutes_shared")}
    assert set(mails) >= {member.email, welsh_member.email, chair.email}
    assert secretariat.email not in mails
    assert f"/cy/g/ncg/meetings/{held.pk}/minutes/" in mails[welsh_member.email].body_text
    assert "Cofnodion drafft" in mails[welsh_member.email].subject

    comment = minutes_services.comment_on_minutes(
        minutes=minutes,
        person=member,
        body="  Add my apologies for lateness.  ",
        agenda_item=design,
    )
    assert comment.body == "Add my apologies for lateness."
    for bad, code in (("   ", "empty_comment"),):
        with pytest.raises(MeetingError, match=code):
            minutes_services.comment_on_minutes(minutes=minutes, person=member, body=bad)
    with pytest.raises(MeetingError, match="cannot_comment"):
        minutes_services.comment_on_minutes(minutes=minutes, person=outsider, body="Hello")

    # Only the chair approves.
    for person in (member, secretariat):
        with pytest.raises(MeetingError, match="not_chair"):
            minutes_services.approve_minutes(minutes=minutes, approved_by=person)
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert (
        minutes.record["en"]["items"][1]["discussion"]["text"] == "Members agreed the principles."
    )
    assert minutes.record["cy"]["items"][1]["discussion"] == {
        "text": "Cytunodd yr aelodau.",
        "lang": "cy",
    }
    # English other business on the Welsh record is marked as English.
    assert minutes.record["cy"]["other_business"] == {
        "text": "Next meeting in spring.",
        "lang": "en",
    }
    assert minutes.record["en"]["approved_by"] == chair.display_name
    assert OutgoingMail.objects.filter(kind="minutes_approved", to_email=member.email).exists()
    assert minutes.history.first().history_change_reason == "Minutes approved by the chair"

    # Frozen: no more edits, and later attendance changes don't rewrite the approved record.
    with pytest.raises(MeetingError, match="minutes_approved"):
        minutes_services.save_minutes(minutes=minutes, discussions={}, body_en="changed")
    Attendance.objects.filter(meeting=held, person=member).update(attended="absent")
    Action.objects.update(description="Rewritten")
    minutes.refresh_from_db()
    assert member.display_name in {p["name"] for p in minutes.record["en"]["present"]}
    assert minutes.record["en"]["actions"][0]["description"] == "Circulate the revised principles"


def test_an_agenda_item_with_minutes_written_under_it_stays(held, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    welcome, design = held.items
    minutes_services.save_minutes(minutes=minutes, discussions={design.pk: ("Agreed.", "")})
    with pytest.raises(MeetingError, match="has_minutes"):
        services.remove_agenda_item(item=design)
    services.remove_agenda_item(item=welcome)  # nothing written under it: it may go
    assert list(held.agenda_items.values_list("title_en", "position")) == [("Phase 2 design", 1)]


MINUTES_URL = "/{lang}/g/ncg/meetings/{pk}/minutes/"


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair", "secretariat"])
def test_who_sees_and_does_what(client, request, who, held, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    person = request.getfixturevalue(who)
    client.force_login(person)
    url = MINUTES_URL.format(lang="en", pk=held.pk)
    page = client.get(url)
    if who == "outsider":
        assert page.status_code == 404
        assert client.post(url + "comment/", {"body": "x"}).status_code == 404
        return
    # The draft: secretariat and chair read it; others are told it isn't ready.
    sees_draft = who in ("chair", "secretariat")
    assert page.status_code == 200
    assert ("Draft shared" in page.text or "Only the secretariat" in page.text) == sees_draft
    assert client.get(url + "edit/").status_code == (200 if who == "secretariat" else 404)
    assert client.post(url + "share/").status_code == (302 if who == "secretariat" else 404)
    minutes.refresh_from_db()
    if who != "secretariat":
        minutes_services.share_minutes(minutes=minutes, shared_by=secretariat)
    page = client.get(url)
    assert "Phase 2 design" in page.text
    response = client.post(url + "comment/", {"body": "Looks right", "agenda_item": ""})
    assert response.status_code == 302
    approve = client.post(url + "approve/", {"confirm": "on"})
    assert approve.status_code == (302 if who == "chair" else 404)
    assert client.get(f"/en/g/ncg/meetings/{held.pk}/minutes.pdf").status_code == (
        200 if who == "chair" else 404
    )


def test_pages_refuse_bad_input_and_keep_what_is_stored(as_chair, as_member, held, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    minutes_services.share_minutes(minutes=minutes, shared_by=secretariat)
    url = MINUTES_URL.format(lang="cy", pk=held.pk)
    empty = as_member.post(url + "comment/", {"body": "   "})
    assert empty.status_code == 400
    assert "Rhowch eich sylw." in empty.text
    other_item = as_member.post(url + "comment/", {"body": "x", "agenda_item": "999999"})
    assert other_item.status_code == 400
    unconfirmed = as_chair.post(url + "approve/", {})
    assert unconfirmed.status_code == 400
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SHARED
    assert not minutes.comments.exists()


def test_secretariat_writes_the_discussion(as_secretariat, held, secretariat):
    minutes_services.start_minutes(meeting=held, started_by=secretariat)
    welcome, design = held.items
    url = MINUTES_URL.format(lang="en", pk=held.pk)
    form = as_secretariat.get(url + "edit/")
    assert f'name="discussion_en_{design.pk}"' in form.text
    response = as_secretariat.post(
        url + "edit/",
        {
            f"discussion_en_{design.pk}": "Members agreed.\n\n- one\n- two",
            f"discussion_cy_{design.pk}": "",
            f"discussion_en_{welcome.pk}": "",
            f"discussion_cy_{welcome.pk}": "",
            "body_en": "",
            "body_cy": "",
            "started_from": minutes_services.minutes_edit_token(held),
        },
    )
    assert response.status_code == 302
    page = as_secretariat.get(url)
    assert "Members agreed." in page.text
    assert "<li>one</li>" in page.text
    # The Welsh page shows the English discussion marked as English.
    welsh = as_secretariat.get(MINUTES_URL.format(lang="cy", pk=held.pk))
    assert '<div lang="en">' in welsh.text


def test_approved_minutes_pdf_is_tagged_welsh_and_kept(as_member, held, chair, secretariat):
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretariat)
    welcome, design = held.items
    minutes_services.save_minutes(
        minutes=minutes,
        discussions={design.pk: ("Agreed.", "Cytunwyd ar yr egwyddorion ŵ ŷ.")},
    )
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    response = as_member.get(f"/cy/g/ncg/meetings/{held.pk}/minutes.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "minutes-2025-11-03-cy.pdf" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    pdf = pikepdf.open(io.BytesIO(data))
    assert str(pdf.Root.Lang) == "cy"
    assert pdf.Root.MarkInfo.Marked
    assert "/StructTreeRoot" in pdf.Root
    assert pdf.Root.ViewerPreferences.DisplayDocTitle
    assert str(pdf.docinfo["/Title"]).startswith("Cofnodion: Cyfarfod yr hydref")
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"
    fonts = {str(font.BaseFont) for page in pdf.pages for _, font in page.Resources.Font.items()}
    assert fonts and all("Source-Sans-3" in name for name in fonts), fonts
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert "Cytunwyd ar yr egwyddorion ŵ ŷ." in text
    assert "NCG(25)04" in text
    # Rendered once, then served as stored.
    minutes.refresh_from_db()
    assert minutes.pdf_cy
    again = as_member.get(f"/cy/g/ncg/meetings/{held.pk}/minutes.pdf")
    assert b"".join(again.streaming_content) == data
