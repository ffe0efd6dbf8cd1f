"""Two secretariat officers edit the same meeting or letter at once (issue 7): the second is told,
nothing is silently overwritten.

Each edit page carries what it was opened from (a hidden token). The first to save saves; the
second is shown the page again (409) with their own input kept, who changed it and when, what is
saved now, and a fresh token; nothing of theirs is stored until they save again.
"""

import datetime
import html
import re
import zoneinfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from advice import services as letters
from advice.forms import LetterForm
from advice.models import Letter, LetterVersion
from meetings import minutes as minutes_services
from meetings import services as meetings
from meetings.models import Meeting, Minutes, MinutesCorrection, MinutesEntry
from members.models import Role
from ncg_portal.audit import with_reason
from ncg_portal.concurrency import when_text
from ncg_portal.models import OutgoingMail
from tests.conftest import client_for, make_person
from tests.meetings.conftest import held  # noqa: F401 - a fixture, used by name

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")

MINUTES_CHANGED = (
    "%(name)s changed these minutes on %(when)s, after you opened this page. Nothing "
    "you entered has been saved: check what is saved now, then save again."
)
MEETING_CHANGED = (
    "%(name)s changed this meeting on %(when)s, after you opened this page. Nothing "
    "you entered has been saved: check what is saved now, then save again."
)
LETTER_CHANGED = (
    "%(name)s changed this letter on %(when)s, after you opened this page. Nothing "
    "you entered has been saved: check what is saved now, then save again."
)
STALE = (
    "This page was out of date, so nothing you entered has been saved. "
    "Check the details saved now, then save again."
)
BOTH_CHANGED = "You and someone else both changed this: check what is saved now."
SAVED_NOW = "What is saved now"


@pytest.fixture
def second_officer(ncg):
    return make_person(
        "ifan@example.org",
        "Ifan Jones",
        role=Role.SECRETARIAT,
        group=ncg,
        language="cy",
        totp=True,
    )


@pytest.fixture
def meeting(ncg):
    start = timezone.now().astimezone(LONDON).replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=20)
    return meetings.create_meeting(
        group=ncg,
        title_en="Spring meeting",
        title_cy="Cyfarfod y gwanwyn",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.HYBRID,
        venue="Cathays Park, Cardiff",
        join_url="https://meet.example.org/ncg",
    )


@pytest.fixture
def letter(ncg, chair, secretariat):
    return letters.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={
            "title_en": "Advice on the School Improvement Partnership Programme",
            "salutation_en": "Dear Cabinet Secretary,",
            "body_en": "The Group met on 3 November 2025.\n\n## Our advice\n\n- Keep the workstreams",
            "closing_en": "Yours sincerely,",
        },
    )


# --- Reading the page as a browser would ---------------------------------------------------------


def token_on(page):
    [token] = re.findall(r'name="started_from" value="([^"]*)"', page)
    return token


def input_value(page, name):
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    match = re.search(r'value="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else ""


def textarea_value(page, name):
    [text] = re.findall(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    return html.unescape(text)


def in_language(language, text, **values):
    """`text` translated as the page in `language` shows it (English until it is translated)."""
    with translation.override(language):
        return gettext(text) % values if values else gettext(text)


def meeting_data(meeting, token, **changes):
    start, end = meeting.starts_at.astimezone(LONDON), meeting.ends_at.astimezone(LONDON)
    data = {
        "title_en": meeting.title_en,
        "title_cy": meeting.title_cy,
        "mode": meeting.mode,
        "venue": meeting.venue,
        "join_url": meeting.join_url,
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "reason": "",
        "started_from": token,
    }
    return {**data, **changes}


def letter_data(letter, token, **changes):
    data = {
        "letter_date": letter.letter_date.isoformat(),
        **{name: getattr(letter, name) for name in LetterForm.DETAIL_FIELDS[1:]},
        **letter.current.texts(),
        "meetings": [m.pk for m in letter.meetings.all()],
        "circulations": [c.pk for c in letter.circulations.all()],
        "started_from": token,
    }
    return {**data, **changes}


def minutes_data(meeting, token, **changes):
    minutes = Minutes.objects.get(meeting=meeting)
    data = {"body_en": minutes.body_en, "body_cy": minutes.body_cy, "started_from": token}
    for entry in minutes.entries.all():
        data[f"discussion_en_{entry.agenda_item_id}"] = entry.discussion_en
        data[f"discussion_cy_{entry.agenda_item_id}"] = entry.discussion_cy
    return {**data, **changes}


def history_rows():
    return (
        Meeting.history.count(),
        Letter.history.count(),
        LetterVersion.history.count(),
        Minutes.history.count(),
        MinutesEntry.history.count(),
        MinutesCorrection.objects.count(),
        OutgoingMail.objects.count(),
    )


# --- Meetings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "cy"])
def test_second_meeting_editor_is_told_and_nothing_is_overwritten(
    language, meeting, secretariat, second_officer
):
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/{language}/g/ncg/meetings/{meeting.pk}/edit/"
    first_page, second_page = first.get(url), second.get(url)
    assert first_page.status_code == second_page.status_code == 200
    opened = token_on(second_page.text)
    assert token_on(first_page.text) == opened

    saved = first.post(url, meeting_data(meeting, opened, venue="Tŷ Hywel, Cardiff Bay"))
    assert saved.status_code == 302
    before = history_rows()

    refused = second.post(url, meeting_data(meeting, opened, title_en="Spring meeting (moved)"))
    assert refused.status_code == 409
    page = html.unescape(refused.text)
    assert f'lang="{language}"' in page
    assert "govuk-error-summary" in page
    change = meeting.history.order_by("-history_id").first()
    assert change.history_user == secretariat
    with translation.override(language):
        when = when_text(change.history_date)
    assert in_language(language, MEETING_CHANGED, name="Rhian Officer", when=when) in page
    assert in_language(language, SAVED_NOW) in page
    # What is saved now: the venue the first officer chose.
    assert "Tŷ Hywel, Cardiff Bay" in page.split(in_language(language, SAVED_NOW))[1]
    # The second officer's own change is kept; the venue they left alone now shows the new one,
    # so saving again does not put the old venue back.
    assert input_value(page, "title_en") == "Spring meeting (moved)"
    assert input_value(page, "venue") == "Tŷ Hywel, Cardiff Bay"
    assert in_language(language, BOTH_CHANGED) not in page
    # Nothing of the second officer's is stored, and nothing else happened.
    assert history_rows() == before
    meeting.refresh_from_db()
    assert (meeting.title_en, meeting.venue) == ("Spring meeting", "Tŷ Hywel, Cardiff Bay")

    # Saving again, from the page as shown (with its fresh token), saves.
    fresh = token_on(page)
    assert fresh != opened and fresh == meetings.meeting_edit_token(meeting)
    again = second.post(
        url,
        meeting_data(
            meeting,
            fresh,
            title_en=input_value(page, "title_en"),
            venue=input_value(page, "venue"),
        ),
    )
    assert again.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title_en, meeting.venue) == ("Spring meeting (moved)", "Tŷ Hywel, Cardiff Bay")
    users = [row.history_user for row in meeting.history.order_by("history_id")]
    assert users[-2:] == [secretariat, second_officer]


def test_both_changing_the_same_field_keeps_the_second_persons_input_with_an_error(
    meeting, secretariat, second_officer
):
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/en/g/ncg/meetings/{meeting.pk}/edit/"
    opened = token_on(first.get(url).text)
    assert token_on(second.get(url).text) == opened
    assert first.post(url, meeting_data(meeting, opened, start_time="11:00")).status_code == 302

    refused = second.post(url, meeting_data(meeting, opened, start_time="09:30"))
    assert refused.status_code == 409
    assert BOTH_CHANGED in refused.text
    assert input_value(refused.text, "start_time") == "09:30"
    assert 'href="#id_start_time"' in refused.text  # the summary links to the field
    meeting.refresh_from_db()
    assert meeting.starts_at.astimezone(LONDON).strftime("%H:%M") == "11:00"

    again = second.post(url, meeting_data(meeting, token_on(refused.text), start_time="09:30"))
    assert again.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at.astimezone(LONDON).strftime("%H:%M") == "09:30"


def test_a_page_without_a_token_or_with_a_false_one_saves_nothing(meeting, as_secretariat):
    url = f"/en/g/ncg/meetings/{meeting.pk}/edit/"
    before = history_rows()
    for token in ("", "not-a-token", "999999999"):
        refused = as_secretariat.post(url, meeting_data(meeting, token, title_en="Changed"))
        assert refused.status_code == 409 and STALE in refused.text
        assert history_rows() == before
    saved = as_secretariat.post(
        url, meeting_data(meeting, token_on(refused.text), title_en="Changed")
    )
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title_en == "Changed"


def test_confirming_the_meeting_meanwhile_is_a_change_the_editor_is_told_of(
    meeting, as_secretariat, secretariat, chair, member
):
    url = f"/en/g/ncg/meetings/{meeting.pk}/edit/"
    opened = token_on(as_secretariat.get(url).text)
    meetings.confirm_meeting(meeting=meeting)
    mails = OutgoingMail.objects.count()
    refused = as_secretariat.post(url, meeting_data(meeting, opened, venue="Elsewhere"))
    assert refused.status_code == 409
    saved_now = refused.text.split(SAVED_NOW)[1]
    assert "Status" in saved_now and "Confirmed" in saved_now
    # The page now says everyone invited will get the update.
    assert "Everyone invited will get the updated details" in refused.text
    assert OutgoingMail.objects.count() == mails


def test_update_meeting_refuses_a_change_made_since_and_stores_nothing(meeting, secretariat):
    opened = meetings.meeting_edit_token(meeting)
    meetings.update_meeting(meeting=meeting, started_from=opened, venue="Tŷ Hywel")
    before = history_rows()
    with pytest.raises(meetings.MeetingError, match="changed_since"):
        meetings.update_meeting(meeting=meeting, started_from=opened, title_en="Other title")
    assert history_rows() == before
    meeting.refresh_from_db()
    assert (meeting.title_en, meeting.venue) == ("Spring meeting", "Tŷ Hywel")

    conflict = meetings.meeting_conflict(meeting, opened)
    assert conflict.changed == ["venue"] and conflict.known_start
    assert conflict.before["venue"] == "Cathays Park, Cardiff"
    assert conflict.now["venue"] == "Tŷ Hywel"
    # With the fresh token it saves; without one (services, commands) nothing is checked.
    meetings.update_meeting(
        meeting=meeting, started_from=meetings.meeting_edit_token(meeting), title_en="Other"
    )
    meetings.update_meeting(meeting=meeting, title_en="Third")
    meeting.refresh_from_db()
    assert meeting.title_en == "Third"


def test_a_save_that_changed_nothing_the_form_shows_is_no_conflict(meeting):
    opened = meetings.meeting_edit_token(meeting)
    with_reason(meeting, "Touched").save()  # a new history row, the same values
    assert meetings.meeting_edit_token(meeting) != opened
    assert meetings.meeting_conflict(meeting, opened) is None
    meetings.update_meeting(meeting=meeting, started_from=opened, venue="Tŷ Hywel")
    meeting.refresh_from_db()
    assert meeting.venue == "Tŷ Hywel"


# --- Letters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "cy"])
def test_second_letter_editor_saving_from_the_same_version_is_told(
    language, letter, secretariat, second_officer
):
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/{language}/g/ncg/letters/{letter.pk}/edit/"
    opened = token_on(first.get(url).text)
    assert token_on(second.get(url).text) == opened

    new_body = "The Group met on 3 November 2025.\n\n## Our advice\n\n- Keep all three workstreams"
    saved = first.post(url, letter_data(letter, opened, body_en=new_body))
    assert saved.status_code == 302
    assert letter.versions.count() == 2
    before = history_rows()

    new_title = "Advice on school improvement"
    refused = second.post(url, letter_data(letter, opened, title_en=new_title))
    assert refused.status_code == 409
    page = html.unescape(refused.text)
    assert f'lang="{language}"' in page
    version = letter.current
    with translation.override(language):
        when = when_text(version.saved_at)
    assert in_language(language, LETTER_CHANGED, name="Rhian Officer", when=when) in page
    assert in_language(language, SAVED_NOW) in page
    assert "Keep all three workstreams" in page.split(in_language(language, SAVED_NOW))[1]
    assert "compare/?from=1&to=2" in page
    # Their title is kept; the words they left alone now show the first officer's version.
    assert input_value(page, "title_en") == new_title
    assert textarea_value(page, "body_en") == new_body
    # Nothing stored: still two versions, no history written.
    assert history_rows() == before
    assert letter.versions.count() == 2 and letter.current.title_en != new_title

    again = second.post(
        url,
        letter_data(
            letter,
            token_on(page),
            title_en=input_value(page, "title_en"),
            body_en=textarea_value(page, "body_en"),
        ),
    )
    assert again.status_code == 302
    current = letter.current
    assert current.number == 3 and current.saved_by == second_officer
    assert (current.title_en, current.body_en) == (new_title, new_body)


def test_other_details_or_sources_saved_meanwhile_are_a_conflict_too(
    letter, secretariat, second_officer, meeting
):
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/en/g/ncg/letters/{letter.pk}/edit/"
    opened = token_on(first.get(url).text)
    assert token_on(second.get(url).text) == opened
    changed = letter_data(letter, opened, addressee_en="First Minister", meetings=[meeting.pk])
    assert first.post(url, changed).status_code == 302
    before = history_rows()

    refused = second.post(url, letter_data(letter, opened, signatory_name="Kirsty Williams CBE"))
    assert refused.status_code == 409
    saved_now = refused.text.split(SAVED_NOW)[1]
    assert "First Minister" in saved_now and "Spring meeting" in saved_now
    assert "compare/?from=" not in refused.text  # the words did not change
    assert input_value(refused.text, "addressee_en") == "First Minister"
    assert history_rows() == before
    letter.refresh_from_db()
    assert letter.signatory_name != "Kirsty Williams CBE"

    again = second.post(
        url,
        letter_data(
            letter,
            token_on(refused.text),
            signatory_name="Kirsty Williams CBE",
            addressee_en="First Minister",
            meetings=[meeting.pk],
        ),
    )
    assert again.status_code == 302
    letter.refresh_from_db()
    assert (letter.addressee_en, letter.signatory_name) == ("First Minister", "Kirsty Williams CBE")
    assert list(letter.meetings.all()) == [meeting]
    assert letter.versions.count() == 1  # the words never changed


def test_edit_letter_refuses_a_change_made_since_and_stores_nothing(
    letter, secretariat, second_officer
):
    opened = letters.letter_edit_token(letter)
    texts = letter.current.texts()
    details = {"letter_date": letter.letter_date}
    letters.edit_letter(
        letter=letter,
        by=secretariat,
        texts={**texts, "title_en": "First"},
        details=details,
        meetings=[],
        circulations=[],
        started_from=opened,
    )
    before = history_rows()
    with pytest.raises(letters.LetterError, match="changed_since"):
        letters.edit_letter(
            letter=letter,
            by=second_officer,
            texts={**texts, "closing_en": "With best wishes,"},
            details={**details, "addressee_en": "First Minister"},
            meetings=[],
            circulations=[],
            started_from=opened,
        )
    assert history_rows() == before
    letter.refresh_from_db()
    assert letter.addressee_en != "First Minister"
    assert letter.current.closing_en == "Yours sincerely,"

    conflict = letters.letter_conflict(letter, opened)
    assert conflict.changed == ["title_en"] and conflict.who == secretariat
    for stale in ("", "x", "1-", f"{opened}9"):
        assert not letters.letter_conflict(letter, stale).known_start
    assert letters.letter_conflict(letter, letters.letter_edit_token(letter)) is None


def test_approval_meanwhile_is_a_conflict_for_the_editor(letter, chair, as_secretariat):
    url = f"/en/g/ncg/letters/{letter.pk}/edit/"
    opened = token_on(as_secretariat.get(url).text)
    letters.approve_letter(letter=letter, approved_by=chair)
    refused = as_secretariat.post(url, letter_data(letter, opened, title_en="Changed"))
    assert refused.status_code == 409
    assert "Kirsty Williams" in refused.text and "Approved" in refused.text.split(SAVED_NOW)[1]
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED and letter.versions.count() == 1


# --- Minutes -------------------------------------------------------------------------------------


@pytest.fixture
def held_meeting(held):  # noqa: F811 - the fixture imported above
    """A meeting held last week, with its agenda and attendance (tests/meetings/conftest.py)."""
    return held


@pytest.mark.parametrize("language", ["en", "cy"])
def test_second_minutes_writer_is_told_and_nothing_is_overwritten(
    language, held_meeting, secretariat, second_officer
):
    minutes_services.start_minutes(meeting=held_meeting, started_by=secretariat)
    welcome, design = held_meeting.items
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/{language}/g/ncg/meetings/{held_meeting.pk}/minutes/edit/"
    opened = token_on(first.get(url).text)
    assert token_on(second.get(url).text) == opened

    theirs = {f"discussion_en_{design.pk}": "Members agreed the principles."}
    assert first.post(url, minutes_data(held_meeting, opened, **theirs)).status_code == 302
    before = history_rows()

    refused = second.post(
        url, minutes_data(held_meeting, opened, body_en="Next meeting in spring.")
    )
    assert refused.status_code == 409
    page = html.unescape(refused.text)
    change = MinutesEntry.history.order_by("-history_id").first()
    with translation.override(language):
        when = when_text(change.history_date)
    assert in_language(language, MINUTES_CHANGED, name="Rhian Officer", when=when) in page
    assert "Members agreed the principles." in page.split(in_language(language, SAVED_NOW))[1]
    # Their words are kept; the discussion they left alone now shows what the first one wrote.
    assert textarea_value(page, "body_en") == "Next meeting in spring."
    assert textarea_value(page, f"discussion_en_{design.pk}") == "Members agreed the principles."
    assert history_rows() == before
    minutes = Minutes.objects.get(meeting=held_meeting)
    assert minutes.body_en == ""

    again = second.post(
        url,
        minutes_data(
            held_meeting,
            token_on(page),
            body_en=textarea_value(page, "body_en"),
            **{f"discussion_en_{design.pk}": textarea_value(page, f"discussion_en_{design.pk}")},
        ),
    )
    assert again.status_code == 302
    minutes.refresh_from_db()
    assert minutes.body_en == "Next meeting in spring."
    assert minutes.entries.get(agenda_item=design).discussion_en == "Members agreed the principles."


def test_a_second_correction_from_the_same_page_is_refused_and_members_are_told_once(
    held_meeting, chair, secretariat, second_officer
):
    minutes = minutes_services.start_minutes(meeting=held_meeting, started_by=secretariat)
    welcome, design = held_meeting.items
    minutes_services.save_minutes(minutes=minutes, discussions={design.pk: ("Members agreed.", "")})
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    first, second = client_for(secretariat), client_for(second_officer)
    url = f"/en/g/ncg/meetings/{held_meeting.pk}/minutes/correct/"
    opened = token_on(first.get(url).text)
    assert token_on(second.get(url).text) == opened
    name = f"discussion_en_{design.pk}"
    done = first.post(
        url,
        minutes_data(held_meeting, opened, reason="Agreed on 5 March", **{name: "Agreed, once."}),
    )
    assert done.status_code == 302
    before = history_rows()

    refused = second.post(
        url,
        minutes_data(held_meeting, opened, reason="Agreed on 6 March", **{name: "Agreed, twice."}),
    )
    assert refused.status_code == 409
    assert BOTH_CHANGED in refused.text
    assert textarea_value(refused.text, name) == "Agreed, twice."
    assert history_rows() == before  # no correction, no email to members
    assert MinutesCorrection.objects.get().reason == "Agreed on 5 March"


def test_minutes_and_letter_pages_without_a_true_token_save_nothing(
    held_meeting, chair, secretariat, as_secretariat, letter
):
    minutes = minutes_services.start_minutes(meeting=held_meeting, started_by=secretariat)
    edit = f"/cy/g/ncg/meetings/{held_meeting.pk}/minutes/edit/"
    letter_edit = f"/en/g/ncg/letters/{letter.pk}/edit/"
    before = history_rows()
    for token in ("", "x", "1-2.3", "99999999-"):
        refused = as_secretariat.post(edit, minutes_data(held_meeting, token, body_en="AOB"))
        assert refused.status_code == 409
        assert in_language("cy", STALE) in html.unescape(refused.text)
        refused = as_secretariat.post(letter_edit, letter_data(letter, token, title_en="New"))
        assert refused.status_code == 409 and STALE in html.unescape(refused.text)
    assert history_rows() == before
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    before = history_rows()
    correct = f"/en/g/ncg/meetings/{held_meeting.pk}/minutes/correct/"
    refused = as_secretariat.post(correct, minutes_data(held_meeting, "", reason="Why"))
    assert refused.status_code == 409 and STALE in html.unescape(refused.text)
    assert history_rows() == before


def test_save_minutes_refuses_a_change_made_since(held_meeting, secretariat):
    minutes = minutes_services.start_minutes(meeting=held_meeting, started_by=secretariat)
    welcome, design = held_meeting.items
    opened = minutes_services.minutes_edit_token(held_meeting)
    minutes_services.save_minutes(
        minutes=minutes, discussions={design.pk: ("First.", "")}, started_from=opened
    )
    before = history_rows()
    with pytest.raises(meetings.MeetingError, match="changed_since"):
        minutes_services.save_minutes(
            minutes=minutes,
            discussions={design.pk: ("", "")},
            body_en="Other business.",
            started_from=opened,
        )
    assert history_rows() == before
    conflict = minutes_services.minutes_conflict(minutes, opened)
    assert conflict.changed == [f"discussion_en_{design.pk}"]
    assert conflict.who is None  # saved outside a request, by no one in particular
    for stale in ("", "x-1", f"{opened}.99999999"):
        assert not minutes_services.minutes_conflict(minutes, stale).known_start
    # An agenda item added since brings an empty entry: nothing the editor showed has changed.
    fresh = minutes_services.minutes_edit_token(held_meeting)
    meetings.add_agenda_item(meeting=held_meeting, title_en="AOB", title_cy="Unrhyw fater arall")
    minutes_services.start_minutes(meeting=held_meeting, started_by=secretariat)
    assert minutes_services.minutes_conflict(minutes, fresh) is None
