"""The meetings pages in the browser: every page in both languages for the person who sees it,
checked by axe, and the termly-plan journey from planning to attendance.

`visit`/`visit_both`/`check_page` (see conftest.py) check the status, the single <h1>,
<html lang>, the language switch (same page, other language) and axe's WCAG 2.2 AA rules.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from meetings import services
from meetings.models import Attendance, CalendarFeed, Meeting, MeetingRule, Minutes, PaperDownload
from meetings.planning import ensure_default_terms
from tests.conftest import TOTP_SECRET
from tests.meetings.test_uploads import MINIMAL_PDF

from .conftest import LANGS, check_page, sign_in, sign_in_quickly, visit, visit_both

pytestmark = pytest.mark.e2e

DAY = datetime.timedelta(days=1)


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def path_of(page):
    return urlsplit(page.url).path


@pytest.fixture
def people(ncg, member, chair, observer, secretariat):
    """A group with a chair, a member (representing Estyn), an observer and a secretariat."""
    return {"member": member, "chair": chair, "observer": observer, "secretariat": secretariat}


def _meeting(group, *, starts_in, title, status=Meeting.Status.PLANNED, **fields):
    """A meeting `starts_in` from now (negative: in the past), two hours long."""
    starts_at = (timezone.now() + starts_in).replace(minute=0, second=0, microsecond=0)
    fields.setdefault("mode", Meeting.Mode.HYBRID)
    fields.setdefault("venue", "Cathays Park, Cardiff")
    fields.setdefault("join_url", "https://meet.example.org/ncg")
    return services.create_meeting(
        group=group,
        title_en=title,
        title_cy=f"{title} (cy)",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=status,
        **fields,
    )


@pytest.fixture
def meetings(people, ncg):
    """One meeting in each state the pages show differently."""
    planned = _meeting(ncg, starts_in=60 * DAY, title="Spring meeting")
    confirmed = services.confirm_meeting(
        meeting=_meeting(ncg, starts_in=20 * DAY, title="Winter meeting")
    )
    services.record_rsvp(
        meeting=confirmed, person=people["chair"], response=Attendance.Response.IN_PERSON
    )
    # Started two hours ago and confirmed: attendance can be recorded.
    started = services.confirm_meeting(
        meeting=_meeting(ncg, starts_in=-datetime.timedelta(hours=2), title="Today's meeting")
    )
    cancelled = services.cancel_meeting(
        meeting=_meeting(ncg, starts_in=40 * DAY, title="Dropped meeting"), reason="No quorum"
    )
    held = _meeting(ncg, starts_in=-30 * DAY, title="Autumn meeting", status=Meeting.Status.HELD)
    return {
        "planned": planned,
        "confirmed": confirmed,
        "started": started,
        "cancelled": cancelled,
        "held": held,
    }


# --- Every page, both languages --------------------------------------------------------------


def test_meetings_pages_for_a_member(page, people, meetings):
    sign_in_quickly(page, people["member"])
    visit_both(page, "/g/ncg/meetings/")
    expect(page.locator("main")).to_contain_text("Winter meeting (cy)")
    # A member sees neither the secretariat's buttons nor their panel.
    expect(page.locator("main a[href$='/meetings/plan/']")).to_have_count(0)

    confirmed = meetings["confirmed"]
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/")
    form = page.locator("main form[action$='/rsvp/']")
    expect(form).to_be_visible()
    expect(form.locator("input[type='radio']")).to_have_count(3)
    expect(page.locator("main a[href$='/attendance/']")).to_have_count(0)
    # Sent without an answer: the error summary, in Welsh.
    click_and_wait(page, form.locator("button[type='submit']"))
    check_page(page, lang="cy")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert Attendance.objects.get(meeting=confirmed, person=people["member"]).response == (
        Attendance.Response.NO_REPLY
    )
    # A planned meeting has no answer form yet.
    visit(page, f"/en/g/ncg/meetings/{meetings['planned'].pk}/")
    expect(page.locator("main form[action$='/rsvp/']")).to_have_count(0)
    # The secretariat's pages are not found for a member.
    visit(page, f"/en/g/ncg/meetings/{confirmed.pk}/edit/", status=404, axe=False)


def test_calendar_feed_settings(page, people):
    member = people["member"]
    sign_in_quickly(page, member)
    for lang in LANGS:
        CalendarFeed.objects.filter(person=member).delete()
        visit(page, f"/{lang}/profile/calendar/")
        expect(page.locator(".govuk-panel")).to_have_count(0)
        click_and_wait(page, page.locator("main form button[type='submit']"))
        check_page(page, lang=lang)
        expect(page.locator(".govuk-panel__body")).to_contain_text("/calendar/")
        expect(page.locator(".govuk-panel__body")).to_contain_text(".ics")
        # Back later: the address is not shown again; a new one can be made.
        visit(page, f"/{lang}/profile/calendar/")
        expect(page.locator(".govuk-panel")).to_have_count(0)
        expect(page.locator("main button.govuk-button--secondary")).to_have_count(1)
    assert CalendarFeed.objects.filter(person=member).count() == 1


def test_meetings_pages_for_the_secretariat(page, people, meetings):
    sign_in_quickly(page, people["secretariat"])
    visit_both(page, "/g/ncg/meetings/")
    main = page.locator("main")
    expect(main.get_by_role("button", name="Cynllunio cyfarfodydd")).to_be_visible()
    # Coming up, cancelled and past meetings, each in its table.
    expect(main.locator("table")).to_have_count(3)

    confirmed = meetings["confirmed"]
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/")
    expect(main.get_by_role("heading", name="Atebion")).to_be_visible()  # the turnout panel
    expect(main).to_contain_text("Kirsty Williams")
    visit(page, f"/en/g/ncg/meetings/{meetings['planned'].pk}/")
    expect(main.get_by_role("button", name="Confirm and send invitations")).to_be_visible()

    visit_both(page, "/g/ncg/meetings/add/")
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/edit/")
    expect(main.get_by_label("Teitl yn Saesneg")).to_have_value("Winter meeting")
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/cancel/")
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/written-procedure/")
    # A held meeting's minutes: not started, then the draft and its editing page.
    held = meetings["held"]
    visit_both(page, f"/g/ncg/meetings/{held.pk}/minutes/")
    click_and_wait(page, main.get_by_role("button", name="Drafftio'r cofnodion"))
    check_page(page, lang="cy")
    visit_both(page, f"/g/ncg/meetings/{held.pk}/minutes/")
    visit_both(page, f"/g/ncg/meetings/{meetings['started'].pk}/attendance/")
    expect(main.locator("fieldset")).to_have_count(3)  # chair, member, observer


def test_add_a_meeting_submitted_empty(page, people):
    """The error summary appears, takes the focus, and its links lead to the fields."""
    sign_in_quickly(page, people["secretariat"])
    for lang in LANGS:
        visit(page, f"/{lang}/g/ncg/meetings/add/")
        click_and_wait(page, page.locator("main form button[type='submit']"))
        check_page(page, lang=lang)
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        links = summary.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        # Both titles, the date and both times at least.
        assert len(hrefs) >= 5, hrefs
        for href in hrefs:
            assert href.startswith("#"), href
            target = page.locator(href)
            assert target.count() == 1, f"error summary link {href} has no target on {page.url}"
        links.first.click()
        expect(page.locator(hrefs[0])).to_be_focused()
    assert not Meeting.objects.exists()


def test_plan_meetings_pages(page, people):
    sign_in_quickly(page, people["secretariat"])
    today = timezone.localdate()
    for lang in LANGS:
        visit(page, f"/{lang}/g/ncg/meetings/plan/")
        form = page.locator("main form")
        expect(form.locator("table")).to_have_count(0)
        # Without an end date: the error summary.
        click_and_wait(page, form.locator("button[value='propose']"))
        check_page(page, lang=lang)
        expect(page.locator(".govuk-error-summary a[href='#id_end']")).to_be_visible()
        form.locator("input[name='end']").fill((today + 270 * DAY).isoformat())
        form.locator("input[name='venue']").fill("Cathays Park, Cardiff")
        form.locator("input[name='join_url']").fill("https://meet.example.org/ncg")
        click_and_wait(page, form.locator("button[value='propose']"))
        check_page(page, lang=lang)
        rows = form.locator("table tbody tr")
        expect(rows.first).to_be_visible()
        expect(form.locator("button[value='confirm']")).to_be_visible()
    assert not Meeting.objects.exists()


def test_dashboard_shows_the_terms_of_reference_check(page, people, ncg):
    ensure_default_terms()
    today = timezone.localdate()
    MeetingRule.objects.create(
        group=ncg,
        kind=MeetingRule.Kind.EACH_TERM,
        starts_on=today - 30 * DAY,
        ends_on=today + 365 * DAY,
        description_en="At least one meeting every school term",
        description_cy="O leiaf un cyfarfod bob tymor ysgol",
    )
    _meeting(ncg, starts_in=10 * DAY, title="Winter meeting")
    sign_in_quickly(page, people["secretariat"])
    visit(page, "/en/g/ncg/")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Terms of reference check")).to_be_visible()
    expect(main).to_contain_text("At least one meeting every school term")
    visit(page, "/cy/g/ncg/")
    expect(main).to_contain_text("O leiaf un cyfarfod bob tymor ysgol")
    expect(main.locator(".govuk-summary-list .govuk-tag").first).to_be_visible()


# --- The journey -----------------------------------------------------------------------------


def test_secretariat_plans_confirms_and_records_a_meeting_a_member_answers(
    page, new_page, people, ncg
):
    today = timezone.localdate()

    # The secretariat signs in with password and authenticator code; one group: its dashboard.
    sign_in(page, people["secretariat"].email, totp_secret=TOTP_SECRET)
    assert path_of(page) == "/en/g/ncg/", page.url
    check_page(page)

    click_and_wait(page, page.locator("#navigation").get_by_role("link", name="Meetings"))
    assert path_of(page) == "/en/g/ncg/meetings/"
    check_page(page)

    click_and_wait(page, page.locator("main").get_by_role("button", name="Plan meetings"))
    assert path_of(page) == "/en/g/ncg/meetings/plan/"
    check_page(page)

    form = page.locator("main form")
    form.get_by_label("From", exact=True).fill((today + 7 * DAY).isoformat())
    form.get_by_label("Until", exact=True).fill((today + 270 * DAY).isoformat())
    form.get_by_role("radio", name="Wednesday").check()
    form.get_by_label("Start time").fill("10:00")
    form.get_by_label("Length in minutes").fill("120")
    form.get_by_role("radio", name="Online", exact=True).check()
    form.locator("input[name='join_url']").fill("https://meet.example.org/ncg")
    click_and_wait(page, form.get_by_role("button", name="Show proposed dates"))
    assert path_of(page) == "/en/g/ncg/meetings/plan/"
    check_page(page)
    proposals = form.locator("table tbody tr")
    count = proposals.count()
    assert count >= 1, page.locator("main").inner_text()[:500]
    for i in range(count):
        expect(proposals.nth(i).get_by_role("checkbox")).to_be_checked()

    click_and_wait(page, form.get_by_role("button", name="Plan these meetings"))
    assert path_of(page) == "/en/g/ncg/meetings/", page.url
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{count} meetings have been planned"
    )
    planned = list(ncg.meetings.order_by("starts_at"))
    assert len(planned) == count
    assert all(m.status == Meeting.Status.PLANNED and m.mode == "online" for m in planned)
    first = planned[0]
    expect(page.locator("main table").first.locator("tbody tr")).to_have_count(count)

    click_and_wait(page, page.locator("main table").first.get_by_role("link", name=first.title_en))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/", page.url
    check_page(page)
    expect(page.locator("main")).to_contain_text("Wednesday")
    expect(page.locator("main")).to_contain_text("10:00–12:00")

    click_and_wait(
        page, page.locator("main").get_by_role("button", name="Confirm and send invitations")
    )
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/", page.url
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("confirmed")
    first.refresh_from_db()
    assert first.status == Meeting.Status.CONFIRMED
    assert first.attendances.count() == 3  # chair, member, observer

    # The agenda: two items, the second moved up, then a paper for it.
    click_and_wait(page, page.locator("main").get_by_role("link", name="Edit the agenda"))
    check_page(page)
    agenda_form = page.locator("main form").last
    for title_en, title_cy in (("Welcome", "Croeso"), ("Phase 2 design", "Dylunio cam 2")):
        agenda_form.get_by_label("Title in English").fill(title_en)
        agenda_form.get_by_label("Title in Welsh").fill(title_cy)
        click_and_wait(page, agenda_form.get_by_role("button", name="Add the item"))
        check_page(page)
    click_and_wait(page, page.locator("main").get_by_role("button", name="Move up Phase 2 design"))
    assert list(first.agenda_items.values_list("title_en", flat=True)) == [
        "Phase 2 design",
        "Welcome",
    ]
    visit(page, f"/en/g/ncg/meetings/{first.pk}/papers/add/")
    paper_form = page.locator("main form")
    paper_form.get_by_label("File").set_input_files(
        files=[{"name": "design.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    paper_form.get_by_label("Title in English").fill("Design principles")
    paper_form.get_by_label("Reference").fill("NCG(26)01")
    paper_form.get_by_label("Agenda item").select_option(label="1. Phase 2 design")
    click_and_wait(page, paper_form.get_by_role("button", name="Upload the paper"))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/", page.url
    check_page(page)
    expect(page.locator("main")).to_contain_text("NCG(26)01 Design principles")

    # A member, in a browser of their own, answers.
    them = new_page()
    sign_in_quickly(them, people["member"])
    visit(them, f"/en/g/ncg/meetings/{first.pk}/")
    them.locator("main").get_by_role("radio", name="Yes, online").check()
    click_and_wait(them, them.locator("main").get_by_role("button", name="Send your answer"))
    assert path_of(them) == f"/en/g/ncg/meetings/{first.pk}/", them.url
    check_page(them)
    expect(them.locator("main")).to_contain_text("You said: Attending online.")
    expect(them.locator("main").get_by_role("radio", name="Yes, online")).to_be_checked()
    # … and opens the paper, which the secretariat then sees.
    with them.expect_download() as download:
        them.locator("main").get_by_role("link", name="NCG(26)01 Design principles").click()
    assert download.value.suggested_filename == "design.pdf"
    assert PaperDownload.objects.filter(person=people["member"]).count() == 1

    # The meeting takes place: it started 30 days ago.
    shift = first.starts_at - (timezone.now() - 30 * DAY)
    Meeting.objects.filter(pk=first.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )

    visit(page, f"/en/g/ncg/meetings/{first.pk}/")
    click_and_wait(page, page.locator("main").get_by_role("link", name="Record attendance"))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/attendance/", page.url
    check_page(page)
    attended = {
        "Kirsty Williams": "Attended in person",
        "Owen Evans": "Attended online",
        "Olwen Observer": "Absent",
    }
    for name, choice in attended.items():
        group = page.locator("main fieldset").filter(has=page.locator("legend", has_text=name))
        group.get_by_role("radio", name=choice, exact=True).check()
    click_and_wait(page, page.locator("main").get_by_role("button", name="Save attendance"))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/", page.url
    check_page(page)
    status = page.locator("main .govuk-summary-list__row").filter(
        has=page.locator("dt", has_text="Status")
    )
    expect(status.locator("dd")).to_have_text("Held")
    first.refresh_from_db()
    assert first.status == Meeting.Status.HELD
    got = dict(first.attendances.values_list("person__full_name", "attended"))
    assert got == {
        "Kirsty Williams": "in_person",
        "Owen Evans": "online",
        "Olwen Observer": "absent",
    }

    # The secretariat drafts the minutes: the facts are there; they write the discussion.
    click_and_wait(page, page.locator("main").get_by_role("link", name="Draft the minutes"))
    check_page(page)
    click_and_wait(page, page.locator("main").get_by_role("button", name="Draft the minutes"))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/minutes/edit/", page.url
    check_page(page)
    page.get_by_label("Item 1: discussion in English").fill("Members agreed the principles.")
    page.get_by_label("Item 1: discussion in Welsh").fill("Cytunodd yr aelodau ar yr egwyddorion.")
    click_and_wait(page, page.locator("main").get_by_role("button", name="Save the minutes"))
    assert path_of(page) == f"/en/g/ncg/meetings/{first.pk}/minutes/", page.url
    check_page(page)
    main = page.locator("main")
    expect(main).to_contain_text("Kirsty Williams")  # present, from the attendance
    expect(main).to_contain_text("Olwen Observer")  # absent
    expect(main).to_contain_text("NCG(26)01")  # the paper taken
    click_and_wait(
        page, main.get_by_role("button", name="Share the draft with members for comment")
    )
    check_page(page)

    # The member comments in Welsh; the chair approves; everyone gets the approved minutes.
    visit(them, f"/cy/g/ncg/meetings/{first.pk}/minutes/")
    them.locator("main").get_by_label("Eich sylw").fill("Diolch, mae hyn yn gywir.")
    click_and_wait(them, them.locator("main").get_by_role("button", name="Ychwanegu eich sylw"))
    check_page(them, lang="cy")
    expect(them.locator("main")).to_contain_text("Diolch, mae hyn yn gywir.")
    expect(them.locator("main").get_by_role("button", name="Cymeradwyo'r cofnodion")).to_have_count(
        0
    )

    chair = new_page()
    sign_in(chair, people["chair"].email, totp_secret=TOTP_SECRET)
    visit_both(chair, f"/g/ncg/meetings/{first.pk}/minutes/")
    approve = chair.locator("main form[action$='/approve/']")
    # Not confirmed: the error, and nothing approved.
    click_and_wait(chair, approve.get_by_role("button"))
    check_page(chair, lang="cy")
    expect(chair.locator(".govuk-error-summary")).to_be_focused()
    approve.get_by_role("checkbox").check()
    click_and_wait(chair, approve.get_by_role("button"))
    check_page(chair, lang="cy")
    expect(chair.locator(".govuk-notification-banner--success")).to_be_visible()
    minutes = Minutes.objects.get(meeting=first)
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_by == people["chair"]

    visit(them, f"/en/g/ncg/meetings/{first.pk}/minutes/")
    expect(them.locator("main")).to_contain_text("Approved by Kirsty Williams")
    with them.expect_download() as download:
        them.locator("main").get_by_role("link", name="Download the minutes (PDF)").click()
    assert download.value.suggested_filename.endswith("-en.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_actions_declarations_and_attendance_pages(page, people, meetings, ncg):
    """The action log, declarations on a meeting page and the attendance rates, in both languages."""
    from meetings.models import Attendance as AttendanceRow

    confirmed = meetings["confirmed"]
    services.add_action(
        group=ncg,
        description="Share the data framework",
        owner=people["member"],
        due_on=datetime.date(2020, 1, 31),
        meeting=confirmed,
    )
    services.declare_interest(
        meeting=confirmed, person=people["chair"], interest="Trustee of a charity"
    )
    AttendanceRow.objects.create(
        meeting=meetings["held"], person=people["member"], attended="online"
    )

    sign_in_quickly(page, people["member"])
    visit_both(page, "/g/ncg/actions/")
    visit_both(page, f"/g/ncg/meetings/{confirmed.pk}/")
    # Open the declaration form (a <details>) and check the page with it open.
    page.locator("details.govuk-details summary").click()
    check_page(page)

    sign_in_quickly(page, people["secretariat"])
    visit_both(page, "/g/ncg/actions/")

    sign_in_quickly(page, people["chair"])
    visit_both(page, "/g/ncg/attendance/")
