"""Every URL of the portal, for every kind of visitor, with GET and with POST, answers what the
table below says; a refused request writes nothing; nothing of another group is ever shown; and
another group's objects answer 404.

The URLs come from the URL configuration itself (`get_resolver()`), so a new view is walked
without anyone remembering to add it, and the test fails until TABLE says who may use it. Their
arguments are filled from one world built for the module: the NCG and another group, each with
the same kinds of objects (meetings in several states, a paper, circulations, letters in each
state, an action, a held email reply, a failed email, a records archive, an invitation and a
calendar feed). A pattern whose arguments cannot be filled fails the test too. SKIPPED says what
is left out, and why.

How to read the table. Each row names a URL (`namespace:name`, with the object it is tried on
when that matters) and says, for GET and for POST, what each visitor gets. The visitors are the
columns of the rows below, always in this order:

  anon         not signed in
  pending      signed in with the secretariat officer's password, the code from their
               authenticator not yet given (allauth's real sign-in, stopped half way)
  unenrolled   a secretariat officer who has not yet set up the second factor their role needs
  outsider     a member of another group only
  ended        a former member of the NCG (membership ended after they signed in)
  deactivated  a person whose access the secretariat removed (with a session made afterwards)
  observer, member, chair, secretariat   of the NCG

and each answer is one of:

  ok     the view let them in: a page, a file, a form shown again with what is missing (400),
         or a redirect after doing what was asked
  login  a redirect to the sign-in page
  mfa    a redirect to set up a second factor
  404    not found: the portal does not say whether the thing exists
  403    forbidden
  405    method not allowed (a POST-only action fetched, or a download posted)

An empty POST is sent (with the little data some actions need, in the row's `data`), without CSRF
tokens, as Django's test client does. Every answer other than "ok" must leave the database as it
was (Postgres counts the rows each transaction inserts, updates and deletes). Each URL is asked
for in English and in Welsh, alternating (GET in one, POST in the other), so that every URL and
every visitor is walked under both prefixes.

What must never be shown is found by words planted in the world (see NCG_PRIVATE and the others),
in pages, feeds, JSON, CSV and PDFs alike: a PDF is made as usual up to its HTML, which is what
the response then holds (see pdf_as_html; WeasyPrint's last step would make the walk slow).
"""

import datetime
import functools
import itertools
import re
from http.cookies import SimpleCookie
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone, translation

from advice import services as letters
from advice.models import Letter
from meetings import minutes as minutes_services
from meetings import services as meeting_services
from meetings import written_procedure as wp
from meetings.calendar import issue_calendar_feed
from meetings.models import Attendance, InboundMessage, Meeting, Minutes
from meetings.uploads import create_paper
from members import services as member_services
from members.models import Invitation, Membership, Role, Workstream
from ncg_portal.models import OutgoingMail, RecordsArchive
from tests.conftest import PASSWORD, make_group, make_person
from tests.meetings.test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db

# --- The visitors and the answers -----------------------------------------------------------------

VISITORS = (
    "anon",
    "pending",
    "unenrolled",
    "outsider",
    "ended",
    "deactivated",
    "observer",
    "member",
    "chair",
    "secretariat",
)
ANSWERS = {"ok", "login", "mfa", "404", "403", "405"}
REFUSED = ANSWERS - {"ok"}


def row(text):
    answers = text.split()
    assert len(answers) == len(VISITORS) and set(answers) <= ANSWERS, text
    return dict(zip(VISITORS, answers, strict=True))


# Who gets what, by kind of page.
# fmt: off
#                       anon  pending unenrolled outsider ended deactivated obs  member chair secr
EVERYONE =          row("ok    ok      ok         ok       ok    ok          ok   ok     ok    ok ")
PUBLIC =            row("ok    ok      mfa        ok       ok    ok          ok   ok     ok    ok ")
SIGNED_IN =         row("login login   mfa        ok       ok    login       ok   ok     ok    ok ")
MEMBERS =           row("login login   mfa        404      404   login       ok   ok     ok    ok ")
AT_THE_TABLE =      row("login login   mfa        404      404   login       ok   ok     ok    404")
OWNER_OR_SECR =     row("login login   mfa        404      404   login       404  ok     404   ok ")
CHAIR_OR_SECR =     row("login login   mfa        404      404   login       404  404    ok    ok ")
CHAIR =             row("login login   mfa        404      404   login       404  404    ok    404")
SECRETARIAT =       row("login login   mfa        404      404   login       404  404    404   ok ")
NOBODY =            row("login login   mfa        404      404   login       404  404    404   404")
GONE =              row("404   404     mfa        404      404   404         404  404    404   404")
STAFF =             row("login login   mfa        login    login login       login login login login")
WRONG_METHOD =      row("login login   mfa        405      405   login       405  405    405   405")
# fmt: on
# "AT_THE_TABLE": chair, members and observers, the people invited to meetings and sent
# circulations (the secretariat runs them). "OWNER_OR_SECR": the action's owner (the member).


class Rule(NamedTuple):
    get: dict
    post: dict
    # Which object of the world fills the URL (default: by the path, see OBJECT_BY_SEGMENT).
    on: str = ""
    data: dict = {}  # the POST's data
    query: dict = {}  # the query string
    # Whose view of the group the page shows, when not the visitor's own (a feed: its owner's).
    view_as: str = ""


def page(who, **extra):
    """A page (or a form page): the same answer for GET and POST."""
    return Rule(who, who, **extra)


def action(who, **extra):
    """A POST-only action: GET is refused with 405 once past sign-in."""
    return Rule(WRONG_METHOD, who, **extra)


def download(who, **extra):
    """GET only."""
    return Rule(who, WRONG_METHOD, **extra)


TABLE = {
    # --- Anyone, signed in or not -----------------------------------------------------------------
    "healthz": page(EVERYONE),
    "accessibility": page(EVERYONE),
    "privacy": page(EVERYONE),
    "members:home": page(PUBLIC),  # the public list of groups, or your own groups
    "members:public_groups": page(PUBLIC),
    "members:public_group": page(PUBLIC),
    "advice:public_letters": page(PUBLIC),
    "advice:public_feed": page(PUBLIC),
    "advice:public_letter": page(PUBLIC, on="published_letter"),
    "advice:public_letter_pdf": page(PUBLIC, on="published_letter"),
    # The secret in the URL is the key: a calendar app has no session, an invitee no account.
    "calendar_feed": page(PUBLIC, view_as="member"),
    "calendar_feed (former member's)": page(PUBLIC, on="ended_calendar_token", view_as="ended"),
    "calendar_feed (deactivated person's)": page(GONE, on="deactivated_calendar_token"),
    "members:accept_invitation": page(PUBLIC),
    # --- Anyone signed in, about themselves -------------------------------------------------------
    "members:profile": page(SIGNED_IN),
    "members:profile_edit": page(SIGNED_IN),
    "meetings:calendar_settings": page(SIGNED_IN),
    "members:switch_group": download(MEMBERS, query={"group": "ncg"}),
    # --- Any current member of the group ----------------------------------------------------------
    "members:dashboard": page(MEMBERS),
    "members:whats_new": page(MEMBERS),
    "members:members": page(MEMBERS),
    "meetings:list": page(MEMBERS),
    "meetings:detail": page(MEMBERS),
    "meetings:detail (minutes in draft)": page(MEMBERS, on="meeting_draft_minutes"),
    "meetings:agenda_pdf": download(MEMBERS),
    "meetings:paper": page(MEMBERS),
    "meetings:paper_download": page(MEMBERS),
    "meetings:minutes": page(MEMBERS),  # approved minutes
    # Minutes in draft: a page saying they are not ready, but for the chair and the secretariat.
    "meetings:minutes (in draft)": page(MEMBERS, on="meeting_draft_minutes"),
    "meetings:minutes_pdf": page(MEMBERS),
    "meetings:minutes_comment": action(MEMBERS, on="meeting_shared_minutes"),
    "meetings:actions": Rule(MEMBERS, SECRETARIAT),  # the list; adding one is the secretariat's
    "meetings:circulations": page(MEMBERS),
    "meetings:circulation": Rule(MEMBERS, AT_THE_TABLE),  # an open one; its recipients respond
    "meetings:circulation (sent to the chair alone)": Rule(
        CHAIR_OR_SECR, CHAIR, on="chair_circulation"
    ),
    "advice:letters": page(MEMBERS),
    "advice:letter (in review)": page(MEMBERS, on="review_letter"),
    "advice:letter (published)": page(MEMBERS, on="published_letter"),
    "advice:letter_compare": page(MEMBERS, on="review_letter"),
    "advice:letter_pdf (in review)": page(MEMBERS, on="review_letter"),
    "advice:letter_comment": action(MEMBERS, on="review_letter"),
    # --- Those invited to meetings: chair, members, observers -------------------------------------
    "meetings:rsvp": action(AT_THE_TABLE, on="upcoming_meeting"),
    "meetings:declare": action(AT_THE_TABLE, on="upcoming_meeting"),
    # --- The owner of an action, or the secretariat -----------------------------------------------
    "meetings:action_update": action(OWNER_OR_SECR, data={"status": "done"}),
    # --- The chair or the secretariat -------------------------------------------------------------
    "meetings:attendance_rates": page(CHAIR_OR_SECR),
    "meetings:circulation_summary": page(CHAIR_OR_SECR),
    "meetings:circulation_summary_pdf": page(CHAIR_OR_SECR),
    "advice:letter_new": page(CHAIR_OR_SECR),
    "advice:letter": page(CHAIR_OR_SECR, on="draft_letter"),  # drafts are theirs alone
    "advice:letter_edit": page(CHAIR_OR_SECR, on="draft_letter"),
    "advice:letter_pdf": page(CHAIR_OR_SECR, on="draft_letter"),
    "advice:letter_compare (draft)": page(CHAIR_OR_SECR, on="draft_letter"),
    "advice:letter_review": action(CHAIR_OR_SECR, on="draft_letter"),
    "advice:letter_restore": action(CHAIR_OR_SECR, on="draft_letter"),
    "advice:letter_issue": action(CHAIR_OR_SECR, on="approved_letter"),
    "advice:letter_publish": action(CHAIR_OR_SECR, on="approved_letter"),
    # --- The chair alone --------------------------------------------------------------------------
    "meetings:minutes_approve": action(CHAIR, on="meeting_shared_minutes"),
    "advice:letter_approve": action(CHAIR, on="review_letter"),
    # --- The secretariat alone --------------------------------------------------------------------
    "members:group_settings": page(SECRETARIAT),
    "members:close_group": page(SECRETARIAT),
    "members:invite": page(SECRETARIAT),
    "members:membership_edit": page(SECRETARIAT),
    "members:membership_end": page(SECRETARIAT),
    "members:person": page(SECRETARIAT),
    "members:person_data": page(SECRETARIAT),
    "meetings:add": page(SECRETARIAT),
    "meetings:plan": page(SECRETARIAT),
    "meetings:edit": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:cancel": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:written_procedure": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:confirm": action(SECRETARIAT, on="upcoming_meeting"),
    "meetings:agenda": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:paper_add": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:papers_send": page(SECRETARIAT, on="upcoming_meeting"),
    "meetings:attendance": page(SECRETARIAT),
    "meetings:paper_version_add": page(SECRETARIAT),
    "meetings:paper_withdraw": page(SECRETARIAT),
    "meetings:minutes_start": action(SECRETARIAT),
    "meetings:minutes_edit": page(SECRETARIAT, on="meeting_draft_minutes"),
    "meetings:minutes_share": action(SECRETARIAT, on="meeting_draft_minutes"),
    "meetings:minutes_correct": page(SECRETARIAT),  # approved minutes
    "meetings:circulation_new": page(SECRETARIAT),
    "meetings:circulation_open": action(SECRETARIAT, on="draft_circulation"),
    "meetings:circulation (draft)": Rule(SECRETARIAT, NOBODY, on="draft_circulation"),
    # --- Nobody: what the object's state does not allow yet ---------------------------------------
    "meetings:circulation_summary (draft)": page(NOBODY, on="draft_circulation"),
    "meetings:minutes_pdf (in draft)": page(NOBODY, on="meeting_draft_minutes"),
    "meetings:circulation_remind": action(SECRETARIAT),
    "meetings:circulation_close": action(SECRETARIAT),
    "meetings:inbound_original": page(SECRETARIAT),
    "meetings:inbound_release": action(SECRETARIAT),
    "meetings:inbound_dismiss": action(SECRETARIAT),
    "deliveries:list": page(SECRETARIAT),
    "deliveries:retry": action(SECRETARIAT),
    "audit:log": page(SECRETARIAT),
    "audit:csv": page(SECRETARIAT),
    "audit:object": page(SECRETARIAT),
    "records:list": page(SECRETARIAT),
    "records:request": action(SECRETARIAT),
    "records:download": page(SECRETARIAT),
    # --- Staff only (nobody here is staff) --------------------------------------------------------
    "admin:index": page(STAFF),
}

# Patterns left out of the walk, and why. Anything else the URL configuration holds must be in
# TABLE, so a new view cannot go unchecked.
SKIPPED = {
    "allauth": "django-allauth's own pages (sign-in, second factor, password reset, email): they "
    "serve people not yet signed in; tests/test_mfa_and_login.py checks them",
    "admin": "Django's admin: every page goes through admin_site.admin_view (staff only); "
    "admin:index stands for them in TABLE",
    "anymail": "email services' webhooks, routed only with a webhook secret, which they check",
}


def _skipped_because(name, callback):
    module = getattr(callback, "__module__", "") or ""
    if module.startswith("allauth."):
        return "allauth"
    if name.startswith("admin:") and name != "admin:index":
        return "admin"
    if name.startswith("anymail:"):
        return "anymail"
    return None


# --- Finding the URLs and filling in their arguments ----------------------------------------------


class Route(NamedTuple):
    name: str
    route: str  # without the language prefix
    i18n: bool
    callback: object


def discover_routes():
    """Every named URL pattern in the project, walked from the root URL configuration."""
    found = []

    def walk(patterns, prefix, namespace, i18n):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if isinstance(pattern.pattern, LocalePrefixPattern):
                    walk(pattern.url_patterns, prefix, namespace, True)
                    continue
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner, i18n)
            elif isinstance(pattern, URLPattern):
                # An unnamed pattern cannot be in TABLE: it fails below unless skipped.
                own = pattern.name or f"(unnamed {prefix}{pattern.pattern})"
                name = f"{namespace}:{own}" if namespace else own
                found.append(Route(name, prefix + str(pattern.pattern), i18n, pattern.callback))

    walk(get_resolver().url_patterns, "", "", False)
    return found


@functools.cache
def walked_routes():
    return {r.name: r for r in discover_routes() if not _skipped_because(r.name, r.callback)}


# Which object fills <pk> (or <version_pk>, <uid>, <token>), by the path segment before it.
OBJECT_BY_SEGMENT = {
    "pk": {
        "meetings": "meeting",  # held, with approved minutes
        "papers": "paper",
        "circulations": "circulation",  # open
        "letters": "draft_letter",
        "actions": "action",
        "members": "membership",
        "people": "person",
        "records": "archive",
        "deliveries": "mail",
        "<str:kind>": "meeting",  # the audit log's history of one object: a meeting
    },
    "version_pk": {"papers": "paper_version"},
    "uid": {"inbound": "inbound"},
    "token": {"invitation": "invitation_token", "calendar": "calendar_token"},  # the member's
}
FIXED_VALUES = {"kind": "meetings.meeting", "number": 1}  # a letter's version 1


class CannotFill(Exception):
    pass


def url_arguments(route, rule, world):
    """The kwargs for one route, from the group's objects in `world`."""
    kwargs = {}
    segments = route.route.split("/")
    for index, segment in enumerate(segments):
        for converter in re.findall(r"<(?:\w+:)?(\w+)>", segment):
            if converter == "slug":
                kwargs["slug"] = world["slug"]
            elif converter in FIXED_VALUES:
                kwargs[converter] = FIXED_VALUES[converter]
            else:
                before = segments[index - 1] if index else ""
                key = OBJECT_BY_SEGMENT.get(converter, {}).get(before)
                if rule is not None and rule.on:
                    key = rule.on
                if key is None or key not in world:
                    raise CannotFill(f"{route.name}: nothing fills <{converter}> after {before!r}")
                kwargs[converter] = world[key]
    return kwargs


def build_url(route, rule, world, language, *, slug=None):
    """The URL in `language` for `world`'s objects (under another group's `slug` if given)."""
    kwargs = url_arguments(route, rule, world)
    if slug is not None:
        kwargs["slug"] = slug
    with translation.override(language):
        url = reverse(route.name, kwargs=kwargs)
    if rule is not None and rule.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in rule.query.items())
    return url


# --- The world ------------------------------------------------------------------------------------

# Words planted in what only some may see: "Quokka" in everything of the NCG's that is not
# public (its members' alone); "Wombat" in what its chair and secretariat see but its members do
# not (drafts, others' responses to a circulation, a circulation sent to the chair alone);
# "Numbat" in what only its secretariat sees (a draft circulation, a held email, a failed one);
# "Zebra" in everything of the other group.
NCG_PRIVATE = "Quokka"
NCG_DRAFTS = "Wombat"
NCG_RECORDS = "Numbat"
OTHER_PRIVATE = "Zebra"
OTHER_NAMES = ("Other Advisory Group", "Grŵp Cynghori Arall")
# Pages that list every group by name, for anyone.
LISTS_EVERY_GROUP = {"members:home", "members:public_groups"}
DAY = datetime.timedelta(days=1)


def _held_meeting(group, title, days_ago, people, secretariat, *, secret=""):
    start = timezone.now() - days_ago * DAY
    meeting = meeting_services.create_meeting(
        group=group,
        title_en=title,
        title_cy=f"{title} (cy)",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/x",
    )
    meeting_services.confirm_meeting(meeting=meeting)
    meeting_services.record_attendance(
        meeting=meeting,
        attended_by_person={p.pk: Attendance.Attended.ONLINE for p in people},
    )
    item = meeting_services.add_agenda_item(
        meeting=meeting, title_en=f"{title}: agenda item", title_cy=f"{title}: eitem"
    )
    minutes = minutes_services.start_minutes(meeting=meeting, started_by=secretariat)
    minutes_services.save_minutes(
        minutes=minutes,
        discussions={item.pk: (f"{title}: discussion {secret}", "")},
        body_en=f"{title}: other business {secret}",
    )
    return meeting, item, minutes


def _letter(group, chair, title, *, welsh=False):
    texts = {
        "title_en": title,
        "salutation_en": "Dear Cabinet Secretary,",
        "body_en": f"{title}: our advice.",
        "closing_en": "Yours sincerely,",
    }
    if welsh:
        texts.update(
            title_cy=f"{title} (cy)",
            salutation_cy="Annwyl Ysgrifennydd y Cabinet,",
            body_cy=f"{title}: ein cyngor.",
            closing_cy="Yn gywir,",
        )
    return letters.create_letter(group=group, created_by=chair, texts=texts)


def build_group_world(
    group, *, tag, public_title, secretariat, chair, member, observer=None, drafts="", records=""
):
    """The same kinds of objects in any group: `tag` marks the words of its unpublished ones,
    `drafts` those of drafts (the chair's and the secretariat's), `records` those that only the
    secretariat sees (a draft circulation, a held email, a failed one)."""
    seated = [p for p in (chair, member, observer) if p is not None]
    Workstream.objects.create(group=group, number=1, title_en="Local", title_cy="Lleol")
    meeting, item, minutes = _held_meeting(group, f"{tag} held meeting", 30, seated, secretariat)
    paper = create_paper(
        group=group,
        meeting=meeting,
        agenda_item=item,
        title_en=f"{tag} paper",
        classification="official",
        uploaded_file=SimpleUploadedFile(f"{tag}.pdf", MINIMAL_PDF, "application/pdf"),
        created_by=secretariat,
    )
    action_ = meeting_services.add_action(
        group=group, meeting=meeting, description=f"{tag} action", owner=member
    )
    minutes = minutes_services.approve_minutes(minutes=minutes, approved_by=chair, notify=False)
    draft_minutes, *_ = _held_meeting(
        group, f"{tag} draft minutes", 20, seated, secretariat, secret=drafts
    )
    shared_minutes, _item, shared = _held_meeting(
        group, f"{tag} shared minutes", 10, seated, secretariat
    )
    minutes_services.share_minutes(minutes=shared, shared_by=secretariat, notify=False)
    start = timezone.now() + 10 * DAY
    upcoming = meeting_services.create_meeting(
        group=group,
        title_en=f"{tag} upcoming meeting",
        title_cy=f"{tag} cyfarfod nesaf",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/y",
    )
    meeting_services.confirm_meeting(meeting=upcoming)

    def circulation(subject, recipients=None):
        return wp.start_circulation(
            group=group,
            created_by=secretariat,
            subject_en=subject,
            subject_cy=f"{subject} (cy)",
            message_en="Please reply.",
            message_cy="Atebwch.",
            deadline=timezone.now() + 7 * DAY,
            papers=[paper],
            questions=[("Agree?", "Cytuno?", True)],
            recipients=recipients,
        )

    draft_circulation = circulation(f"{tag} draft circulation {records}")
    open_circulation = circulation(f"{tag} open circulation")
    wp.open_circulation(circulation=open_circulation, opened_by=secretariat)
    # Responses are read by the secretariat and the chair (the summary), not by other members.
    wp.save_online_response(
        circulation=open_circulation,
        person=chair,
        answers={},
        paper_comments={},
        general=f"{tag} the chair's view {drafts}",
    )
    chair_circulation = circulation(f"{tag} circulation for the chair {drafts}", [chair])
    wp.open_circulation(circulation=chair_circulation, opened_by=secretariat)
    inbound = InboundMessage.objects.create(
        source="pipe",
        raw=f"From: {member.email}\r\nSubject: {tag} reply {records}\r\n\r\nYes.\r\n".encode(),
        from_address=member.email,
        subject=f"{tag} reply {records}",
        status=InboundMessage.Status.HELD,
        hold_reason="Sender not recognised",
        circulation=open_circulation,
        person=member,
    )

    draft = _letter(group, chair, f"{tag} draft letter {drafts}")
    review = _letter(group, chair, f"{tag} letter in review")
    approved = _letter(group, chair, f"{tag} approved letter")
    published = _letter(group, chair, public_title, welsh=True)
    for letter in (review, approved, published):
        # What they draw on: minutes still in draft, and a circulation's responses.
        letters.set_sources(
            letter=letter, meetings=[draft_minutes], circulations=[open_circulation], by=chair
        )
    letters.send_for_review(letter=review, sent_by=chair, notify=False)
    letters.approve_letter(letter=approved, approved_by=chair)
    letters.approve_letter(letter=published, approved_by=chair)
    letters.publish_letter(letter=published, published_by=chair)

    mail = OutgoingMail.objects.create(
        kind="invitation",
        group=group,
        person=member,
        to_email=member.email,
        subject=f"{tag} mail {records}",
        body_text=f"{tag} mail {records}",
        status=OutgoingMail.Status.FAILED,
    )
    archive = RecordsArchive.objects.create(
        group=group,
        requested_by=secretariat,
        status=RecordsArchive.Status.READY,
        sha256="0" * 64,
        finished_at=timezone.now(),
    )
    archive.file.save(f"{group.slug}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))

    invitation = member_services.invite_person(
        group=group,
        invited_by=secretariat,
        email=f"invitee.{group.slug}@example.org",
        full_name=f"Invitee of {group.slug}",
        role=Role.MEMBER,
    )
    invitation_token = f"invitation-{group.slug}"
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=member_services.hash_token(invitation_token)
    )
    return {
        "slug": group.slug,
        "meeting": meeting.pk,
        "meeting_draft_minutes": draft_minutes.pk,
        "meeting_shared_minutes": shared_minutes.pk,
        "upcoming_meeting": upcoming.pk,
        "paper": paper.pk,
        "paper_version": paper.versions.get().pk,
        "action": action_.pk,
        "circulation": open_circulation.pk,
        "draft_circulation": draft_circulation.pk,
        "chair_circulation": chair_circulation.pk,
        "inbound": inbound.uid,
        "draft_letter": draft.pk,
        "review_letter": review.pk,
        "approved_letter": approved.pk,
        "published_letter": published.pk,
        "mail": mail.pk,
        "archive": archive.pk,
        "membership": Membership.objects.get(person=member, group=group).pk,
        "person": member.pk,
        "invitation_token": invitation_token,
        "calendar_token": issue_calendar_feed(person=member),
    }


PDF_AS_HTML = b"%PDF-as-HTML\n"


def pdf_as_html(template_name, context, *, language, stylesheets=()):
    """ncg_portal.pdf.render_pdf without its last step (WeasyPrint, half a second a PDF): the
    template rendered as for the PDF, so what the PDF would say is read like any page."""
    with translation.override(language):
        return PDF_AS_HTML + render_to_string(template_name, context).encode()


@pytest.fixture(scope="module", autouse=True)
def _pdfs_as_html():
    import advice.pdf
    import meetings.views.agenda_pdf
    import ncg_portal.pdf

    with pytest.MonkeyPatch.context() as patch:
        for module in (ncg_portal.pdf, advice.pdf, meetings.views.agenda_pdf):
            patch.setattr(module, "render_pdf", pdf_as_html)
        yield


def _sign_in(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both groups, their people and objects, and a signed-in session for each visitor: made
    once, in a transaction that each test's own (a savepoint) sits inside, rolled back at the end
    of the module."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=fast + settings.PASSWORD_HASHERS,
    )
    with django_db_blocker.unblock(), media, translation.override("en"):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _build_world():
    ncg = make_group("ncg", "National Coherence Group", "Grŵp Cydlyniant Cenedlaethol")
    other = make_group("other", *OTHER_NAMES)
    people = {
        "observer": make_person(
            "olwen@example.org", "Olwen Observer", role=Role.OBSERVER, group=ncg
        ),
        "member": make_person("owen@example.org", "Owen Evans", role=Role.MEMBER, group=ncg),
        "chair": make_person(
            "chair@example.org", "Kirsty Williams", role=Role.CHAIR, group=ncg, totp=True
        ),
        "secretariat": make_person(
            "rhian@example.org", "Rhian Officer", role=Role.SECRETARIAT, group=ncg, totp=True
        ),
        "unenrolled": make_person(
            "nia@example.org", "Nia Newofficer", role=Role.SECRETARIAT, group=ncg
        ),
        "ended": make_person("emyr@example.org", "Emyr Ended", role=Role.MEMBER, group=ncg),
        "deactivated": make_person("dai@example.org", "Dai Gone", role=Role.MEMBER, group=ncg),
        "outsider": make_person(
            "oscar@example.org", f"Oscar {OTHER_PRIVATE}", role=Role.MEMBER, group=other
        ),
    }
    other_chair = make_person(
        "zara@example.org", f"Zara {OTHER_PRIVATE}", role=Role.CHAIR, group=other, totp=True
    )
    other_secretariat = make_person(
        "zed@example.org", f"Zed {OTHER_PRIVATE}", role=Role.SECRETARIAT, group=other, totp=True
    )
    ncg_world = build_group_world(
        ncg,
        tag=NCG_PRIVATE,
        drafts=NCG_DRAFTS,
        records=NCG_RECORDS,
        public_title="Advice on coherence",
        secretariat=people["secretariat"],
        chair=people["chair"],
        member=people["member"],
        observer=people["observer"],
    )
    other_world = build_group_world(
        other,
        tag=OTHER_PRIVATE,
        public_title=f"{OTHER_PRIVATE} published letter",
        secretariat=other_secretariat,
        chair=other_chair,
        member=people["outsider"],
    )

    # PDFs the pages keep once made (the minutes' files, the public letter's size in the cache):
    # made here, once, so the walk does not make them again for every visitor.
    from advice.public_views import _pdf_size

    for language in ("en", "cy"):
        minutes_services.minutes_pdf(Minutes.objects.get(meeting=ncg_world["meeting"]), language)
        _pdf_size(Letter.objects.get(pk=ncg_world["published_letter"]), language)
    ncg_world["ended_calendar_token"] = issue_calendar_feed(person=people["ended"])
    ncg_world["deactivated_calendar_token"] = issue_calendar_feed(person=people["deactivated"])
    clients = {name: _sign_in(person) for name, person in people.items()}
    clients["anon"] = Client()
    # The membership ends after they signed in: their session goes on, their access does not.
    ended = Membership.objects.get(person=people["ended"], group=ncg)
    member_services.end_membership(
        membership=ended, ends_on=timezone.localdate() - DAY, reason="Term over"
    )
    # Deactivating ends every session; one made after it (a stolen cookie, say) must not work
    # either, so this one is made afterwards.
    member_services.deactivate_person(
        person=people["deactivated"], deactivated_by=people["secretariat"], reason="Left"
    )
    clients["deactivated"] = _sign_in(people["deactivated"])
    # The real sign-in, stopped after the password: allauth now wants the code.
    pending = Client()
    response = pending.post(
        "/en/accounts/login/", {"login": people["secretariat"].email, "password": PASSWORD}
    )
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    clients["pending"] = pending
    clients["other_secretariat"] = _sign_in(other_secretariat)
    assert set(clients) >= set(VISITORS)
    return {
        "ncg": ncg_world,
        "other": other_world,
        "cookies": {name: c.cookies.output(header="", sep=";") for name, c in clients.items()},
    }


def client_as(world, visitor):
    """A fresh client holding the visitor's session cookie (sessions live in the database, in
    the module's transaction)."""
    client = Client()
    client.cookies = SimpleCookie(world["cookies"][visitor])
    return client


# --- Reading the answers --------------------------------------------------------------------------


def answer_of(response):
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        try:
            name = resolve(path).view_name
        except Resolver404:
            return "ok"
        if name in ("account_login", "admin:login"):
            return "login"
        if name == "mfa_index":
            return "mfa"
        return "ok"
    if response.status_code in (200, 400):
        return "ok"
    return str(response.status_code)


def body_text(response):
    """The response's text: a page, a feed, JSON, CSV, or a PDF's HTML (see pdf_as_html)."""
    content_type = response.get("Content-Type", "")
    textual = content_type.startswith(("text/", "application/json", "application/atom"))
    if not textual and content_type != "application/pdf":
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if not textual and not body.startswith(PDF_AS_HTML):
        return ""
    return body.decode("utf-8", "replace")


def writes():
    """What the current transaction has inserted, updated and deleted, table by table (Postgres
    keeps the count): stronger than counting rows, as an update or a delete-and-insert shows too.
    Sessions and the cache table are left out: any signed-in request may touch them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        rows = {table: counts for table, *counts in cursor.fetchall()}
    return {table: counts for table, counts in rows.items() if table not in UNWATCHED_TABLES}


UNWATCHED_TABLES = {"django_session", settings.CACHES["default"].get("LOCATION")}


def changed(before, after):
    """{table: [rows inserted, updated, deleted]} between two calls of writes()."""
    return {
        table: [now - then for now, then in zip(counts, before.get(table, (0, 0, 0)), strict=True)]
        for table, counts in after.items()
        if before.get(table) != counts
    }


def foreign_words_shown(name, viewer, response):
    """What the page shows that its viewer should not see: the other group's words to anyone of
    the NCG; the NCG's unpublished words to anyone not a current member of it, its drafts to its
    observers and members, what only its secretariat sees to anyone else."""
    text = body_text(response)
    if not text:
        return []
    hidden = {
        "observer": [NCG_DRAFTS, NCG_RECORDS],
        "member": [NCG_DRAFTS, NCG_RECORDS],
        "chair": [NCG_RECORDS],
        "secretariat": [],
    }.get(viewer, [NCG_PRIVATE])
    if viewer != "outsider":
        hidden += [OTHER_PRIVATE] + ([] if name in LISTS_EVERY_GROUP else list(OTHER_NAMES))
    return [word for word in hidden if word in text]


# --- The tests ------------------------------------------------------------------------------------


def test_every_url_is_in_the_table_or_skipped(world):
    routes = walked_routes()
    assert len(routes) > 80
    named = {key.split(" ")[0] for key in TABLE}
    assert not set(routes) - named, f"URLs missing from TABLE: {sorted(set(routes) - named)}"
    assert not named - set(routes), f"TABLE names URLs that do not exist: {named - set(routes)}"
    all_routes = discover_routes()
    reasons = {_skipped_because(r.name, r.callback) for r in all_routes} - {None}
    assert reasons <= set(SKIPPED)
    assert "members:home" in {r.name for r in all_routes if r.i18n}
    # Every URL's arguments can be filled from the world (and, for the URLs of a group's
    # objects, from the other group's too).
    for key, rule in TABLE.items():
        url_arguments(routes[key.split(" ")[0]], rule, world["ncg"])
    for key in _object_routes():
        url_arguments(routes[key.split(" ")[0]], TABLE[key], world["other"])


CASES = [
    (key, visitor, ("en", "cy")[(k + v) % 2])
    for (k, key), (v, visitor) in itertools.product(enumerate(TABLE), enumerate(VISITORS))
]


@pytest.mark.parametrize("key,visitor,language", CASES)
def test_access(world, key, visitor, language):
    """GET in one language, then POST in the other; both answers are checked before failing."""
    rule = TABLE[key]
    name = key.split(" ")[0]
    route = walked_routes()[name]
    wrong = []
    for method, lang in (("GET", language), ("POST", "cy" if language == "en" else "en")):
        expected = (rule.get if method == "GET" else rule.post)[visitor]
        url = build_url(route, rule, world["ncg"], lang)
        client = client_as(world, visitor)
        watched = expected in REFUSED  # a refused request changes nothing
        before = writes() if watched else None
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, rule.data)
        wrote = changed(before, writes()) if watched else {}
        got = answer_of(response)
        if got != expected:
            wrong.append(f"{method} {url}: {got} ({response.status_code}), table says {expected}")
        elif wrote:
            wrong.append(f"{method} {url} was refused ({got}) but wrote {wrote}")
        if shown := foreign_words_shown(name, rule.view_as or visitor, response):
            wrong.append(f"{method} {url} showed {shown}")
    assert not wrong, f"{key} as {visitor}:\n" + "\n".join(wrong)


def _object_routes():
    return [
        key
        for key in TABLE
        if {"slug"} < set(re.findall(r"<(?:\w+:)?(\w+)>", walked_routes()[key.split(" ")[0]].route))
    ]


# Visitors who may use a URL for their own group's object: with the other group's object in it
# (under their own group's slug), or their own object under the other group's slug, the answer is
# 404. The other group's member and secretariat try the NCG's objects under their own slug.
CROSS_VISITORS = {
    "anon": ("ncg", "anon"),
    "observer": ("ncg", "observer"),
    "member": ("ncg", "member"),
    "chair": ("ncg", "chair"),
    "secretariat": ("ncg", "secretariat"),
    "outsider": ("other", "member"),
    "other_secretariat": ("other", "secretariat"),
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("visitor", list(CROSS_VISITORS))
def test_another_groups_objects_answer_404(world, visitor, method):
    """Every URL of a group's object that the visitor may use for their own group's, tried with
    the other group's object under their own group's slug: 404, nothing written, nothing shown."""
    home, column = CROSS_VISITORS[visitor]
    away = "other" if home == "ncg" else "ncg"
    viewer = visitor if home == "ncg" else "outsider"  # the other group's own words are theirs
    tried, wrong = 0, []
    for index, key in enumerate(_object_routes()):
        rule = TABLE[key]
        if (rule.get if method == "GET" else rule.post)[column] != "ok":
            continue
        name = key.split(" ")[0]
        language = ("en", "cy")[index % 2]
        url = build_url(
            walked_routes()[name], rule, world[away], language, slug=world[home]["slug"]
        )
        client = client_as(world, visitor)
        before = writes()
        response = client.get(url) if method == "GET" else client.post(url, rule.data)
        if response.status_code != 404:
            wrong.append(f"{key}: {method} {url}: {response.status_code}")
        if wrote := changed(before, writes()):
            wrong.append(f"{key}: {method} {url} wrote {wrote}")
        if shown := foreign_words_shown(name, viewer, response):
            wrong.append(f"{key}: {method} {url} showed {shown}")
        tried += 1
    assert tried
    assert not wrong, f"{method} as {visitor}:\n" + "\n".join(wrong)
