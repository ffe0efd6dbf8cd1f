"""Every page, in English and in Welsh, for the person who would see it, checked by axe.

`visit`/`visit_both` (see conftest.py) check the status, the single <h1>, <html lang>, the
language switch (same page, other language) and axe's WCAG 2.2 AA rules on each page.
"""

import pytest
from playwright.sync_api import expect

from members.models import Membership
from tests.conftest import PASSWORD

from .conftest import LANGS, check_page, sign_in_quickly, visit, visit_both

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(ncg, member, chair, observer, secretariat):
    """A group with a chair, a member (representing Estyn), an observer and a secretariat."""
    return {"member": member, "chair": chair, "observer": observer, "secretariat": secretariat}


PUBLIC_PAGES = {
    "home": "/",
    "groups": "/groups/",
    "group": "/groups/ncg/",
    "login": "/accounts/login/",
    "password reset": "/accounts/password/reset/",
    "accessibility": "/accessibility/",
    "privacy": "/privacy/",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page(page, people, path):
    visit_both(page, path)


def test_not_found_page(page, people):
    # A URL that resolves but names no group: the view's 404.
    visit_both(page, "/groups/no-such-group/", status=404)
    # A URL that resolves to nothing: the resolver's 404 (language switch checked below).
    visit_both(page, "/no-such-page/", status=404, switch=False)


def test_language_switch_on_unresolvable_404(page, people):
    """The 404 page's language switch keeps the path and swaps the language prefix."""
    visit_both(page, "/no-such-page/", status=404, axe=False)


@pytest.fixture
def meeting_with_papers(people, ncg, settings, tmp_path):
    """A meeting with two papers, one already sent to members: news for the member's pages."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from meetings.models import Meeting
    from meetings.paper_mail import send_meeting_papers
    from meetings.uploads import create_paper

    settings.MEDIA_ROOT = tmp_path
    start = timezone.now() + datetime.timedelta(days=14)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Spring meeting",
        title_cy="Cyfarfod y gwanwyn",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg",
    )
    papers = [
        create_paper(
            group=ncg,
            meeting=meeting,
            title_en=title,
            title_cy=f"{title} (cy)",
            reference=f"NCG(26)0{i}",
            classification="official",
            created_by=people["secretariat"],
            uploaded_file=SimpleUploadedFile("paper.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        for i, title in enumerate(("Transition update", "Data framework"), start=1)
    ]
    send_meeting_papers(
        meeting=meeting, papers=papers[:1], message="", sent_by=people["secretariat"]
    )
    return meeting


def test_member_pages(page, people, meeting_with_papers):
    sign_in_quickly(page, people["member"])
    visit_both(page, "/g/ncg/")
    visit_both(page, "/g/ncg/new/")
    visit_both(page, f"/g/ncg/meetings/{meeting_with_papers.pk}/")
    visit_both(page, "/g/ncg/members/")
    visit_both(page, "/profile/")
    visit_both(page, "/profile/edit/")
    visit_both(page, "/accounts/2fa/")


def test_totp_activation_asks_to_reauthenticate_first(page, people):
    """A member without an authenticator app sets one up; first they confirm it is them."""
    sign_in_quickly(page, people["member"])
    # Not signed in through the form, so allauth asks for the password again.
    visit_both(page, "/accounts/2fa/totp/activate/", expect_path="/{lang}/accounts/reauthenticate/")
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    assert page.url.endswith("/cy/accounts/2fa/totp/activate/"), page.url
    check_page(page)
    expect(page.locator("#authenticator_secret")).not_to_be_empty()
    visit(page, "/en/accounts/2fa/totp/activate/", expect_path="/en/accounts/2fa/totp/activate/")


def test_secretariat_pages(page, people, meeting_with_papers):
    sign_in_quickly(page, people["secretariat"])
    pk = Membership.objects.get(person=people["member"]).pk
    visit_both(page, "/g/ncg/")
    visit_both(page, "/g/ncg/settings/")
    visit_both(page, f"/g/ncg/meetings/{meeting_with_papers.pk}/papers/send/")
    visit_both(page, "/g/ncg/members/")
    visit_both(page, "/g/ncg/members/invite/")
    visit_both(page, f"/g/ncg/members/{pk}/edit/")
    visit_both(page, f"/g/ncg/members/{pk}/end/")
    visit_both(page, "/accounts/2fa/")
    # Email deliveries: the papers just sent, one failed (red tag, "Try again"), and the filter.
    from ncg_portal.models import OutgoingMail

    failed = OutgoingMail.objects.filter(group__slug="ncg").first()
    OutgoingMail.objects.filter(pk=failed.pk).update(status="failed", last_error="550 No such user")
    visit_both(page, "/g/ncg/deliveries/")
    visit_both(page, "/g/ncg/deliveries/?show=problems")
    # The audit log: all of it, filtered (with a bad date, so the error summary shows), and the
    # history of one object.
    visit_both(page, "/g/ncg/audit/")
    visit_both(page, "/g/ncg/audit/?kind=meetings.meeting&since=2020-13-45&text=papers")
    visit_both(page, f"/g/ncg/audit/meetings.meeting/{meeting_with_papers.pk}/")
    # A person's data: the export link and the form to remove their access; closing; archives.
    visit_both(page, f"/g/ncg/people/{people['member'].pk}/")
    visit_both(page, "/g/ncg/close/")
    visit_both(page, "/g/ncg/records/")


def test_invite_form_submitted_empty(page, people):
    """The error summary appears, takes the focus, and its links lead to the fields."""
    sign_in_quickly(page, people["secretariat"])
    for lang in LANGS:
        visit(page, f"/{lang}/g/ncg/members/invite/")
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        if lang == "en":
            assert page.title().startswith("Error:"), page.title()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        links = summary.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        # Full name, email and role are required; preferred language has an initial value.
        assert len(hrefs) >= 3, hrefs
        for href in hrefs:
            assert href.startswith("#"), href
            target = page.locator(href)
            assert target.count() == 1, f"error summary link {href} has no target on {page.url}"
            described = target.get_attribute("aria-describedby") or ""
            if target.get_attribute("type") != "radio":
                assert f"{href[1:]}-error" in described, f"{href} is not described by its error"
        # Following a link puts the focus in the field.
        links.first.click()
        expect(page.locator(hrefs[0])).to_be_focused()


def test_home_for_a_person_in_two_groups(page, people, ncg, other_group):
    """ "Your groups" for the NCG's secretariat, also a member of another group: a reply wanted
    there, and the NCG's terms-of-reference check."""
    import datetime

    from django.utils import timezone

    from meetings.models import Action, Attendance, Meeting, MeetingRule

    secretariat = people["secretariat"]
    Membership.objects.create(
        person=secretariat, group=other_group, role="member", starts_on=datetime.date(2024, 1, 31)
    )
    start = timezone.now() + datetime.timedelta(days=7)
    wanted = Meeting.objects.create(
        group=other_group,
        title_en="Autumn meeting",
        title_cy="Cyfarfod yr hydref",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=Meeting.Status.CONFIRMED,
    )
    Attendance.objects.create(meeting=wanted, person=secretariat)
    Action.objects.create(
        group=other_group,
        description="Send the figures",
        owner=secretariat,
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    MeetingRule.objects.create(
        group=ncg,
        kind=MeetingRule.Kind.AT_LEAST_BY,
        minimum=2,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
        description_en="At least two meetings this term",
        description_cy="O leiaf ddau gyfarfod y tymor hwn",
    )
    sign_in_quickly(page, secretariat)
    visit_both(page, "/", expect_path="/{lang}/")
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("O leiaf ddau gyfarfod y tymor hwn")


def test_settings_and_send_papers_forms_with_errors(page, people, meeting_with_papers):
    """Bad input on the meeting settings and papers pages: the error summary, checked by axe."""
    sign_in_quickly(page, people["secretariat"])
    send = f"/g/ncg/meetings/{meeting_with_papers.pk}/papers/send/"
    for lang in LANGS:
        visit(page, f"/{lang}/g/ncg/settings/")
        page.locator("input[name='quorum_rule'][value='fixed']").check()
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        expect(page.locator("a[href='#id_quorum_number']")).to_have_count(1)

        visit(page, f"/{lang}{send}")
        for box in page.locator("input[name='papers']").all():
            box.uncheck()
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        expect(page.locator("a[href='#id_papers_0']")).to_have_count(1)


def test_paper_and_minutes_correction_pages(page, people, ncg, meeting_with_papers):
    """A paper's page, a new version, withdrawing it (with the error summary) and the withdrawn
    paper as members see it; correcting approved minutes, refused without a reason."""
    import datetime

    from django.utils import timezone

    from meetings import minutes as minutes_services
    from meetings import services
    from meetings.models import Meeting

    paper = meeting_with_papers.papers.order_by("reference").first()
    sign_in_quickly(page, people["secretariat"])
    visit_both(page, f"/g/ncg/papers/{paper.pk}/")
    visit_both(page, f"/g/ncg/papers/{paper.pk}/versions/add/")
    withdraw = f"/g/ncg/papers/{paper.pk}/withdraw/"
    visit_both(page, withdraw)
    for lang in LANGS:
        visit(page, f"/{lang}{withdraw}")
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        expect(page.locator("a[href='#id_reason']")).to_have_count(1)
    page.locator("#id_reason").fill("Superseded by the revised update")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    check_page(page)
    expect(page.locator(".govuk-inset-text")).to_contain_text("Superseded by the revised update")

    start = timezone.now() - datetime.timedelta(days=7)
    held = services.create_meeting(
        group=ncg,
        title_en="Winter meeting",
        title_cy="Cyfarfod y gaeaf",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        status=Meeting.Status.CONFIRMED,
    )
    services.add_agenda_item(meeting=held, title_en="Welcome", title_cy="Croeso")
    services.record_attendance(meeting=held, attended_by_person={people["chair"].pk: "in_person"})
    minutes = minutes_services.start_minutes(meeting=held, started_by=people["secretariat"])
    minutes_services.approve_minutes(minutes=minutes, approved_by=people["chair"], notify=False)
    correct = f"/g/ncg/meetings/{held.pk}/minutes/correct/"
    visit_both(page, correct)
    for lang in LANGS:
        visit(page, f"/{lang}{correct}")
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        expect(page.locator("a[href='#id_reason']")).to_have_count(1)
    page.locator("textarea[name^='discussion_en_']").first.fill("Welcomed everyone.")
    page.locator("#id_reason").fill("Agreed at the next meeting")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    check_page(page)
    expect(page.locator(".app-minutes-corrections")).to_contain_text("Agreed at the next meeting")

    sign_in_quickly(page, people["member"])
    visit_both(page, f"/g/ncg/papers/{paper.pk}/")
    visit_both(page, f"/g/ncg/meetings/{meeting_with_papers.pk}/")
    visit_both(page, f"/g/ncg/meetings/{held.pk}/minutes/")
