"""Every write path leaves history (issue 6).

Two guards. The scenario tests run the demo seed and then the portal's services, and check that
every model with django-simple-history agrees with its own history afterwards: each live row
equals its newest history row on every tracked field (many-to-many included), no live row lacks
history, and a row is gone exactly when its newest history row says "-". A write that bypasses
history (a queryset update, bulk_create, raw SQL, an on_delete=SET_NULL cascade) leaves a row
its history does not describe. The static test reads the app source for the calls that can do
that, so a bypass on a path no scenario runs is caught too; each one allowed says why.
"""

import ast
import datetime
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from simple_history.models import HistoricalChanges

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ("advice", "meetings", "members", "ncg_portal")

# A visit moves `last_seen_at` on within a sitting without a history row (members/visits.py):
# history keeps one row per sitting, and the live value may only be later than it.
MAY_RUN_AHEAD = {"members.GroupVisit": {"last_seen_at"}}


# --- The invariant ------------------------------------------------------------------------------


def tracked_models():
    """Every model with simple-history (allauth's Authenticator included)."""
    return [
        model
        for model in apps.get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def _history_model(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


def _m2m_history_model(through):
    return next(
        m
        for m in apps.get_models(include_auto_created=True)
        if issubclass(m, HistoricalChanges) and m.instance_type is through
    )


def history_mismatches():
    """What the live tables say that their history does not, as readable lines."""
    problems = []
    for model in tracked_models():
        label = model._meta.label
        history = _history_model(model)
        pk = model._meta.pk.attname
        fields = [f.attname for f in history.tracked_fields if f.attname != pk]
        ahead = MAY_RUN_AHEAD.get(label, set())
        # The newest history row of each object, in the order rows were written (history is
        # append-only, so history_id is that order).
        newest = {
            row[pk]: row
            for row in history.objects.order_by(pk, "-history_id")
            .distinct(pk)
            .values(pk, "history_id", "history_type", *fields)
        }
        # Dated history must not go backwards: the audit log reads the newest by date.
        by_date = dict(
            history.objects.order_by(pk, "-history_date", "-history_id")
            .distinct(pk)
            .values_list(pk, "history_id")
        )
        live = {row[pk]: row for row in model._base_manager.values(pk, *fields)}
        for key, row in live.items():
            record = newest.get(key)
            if record is None:
                problems.append(f"{label} {key}: a live row with no history")
                continue
            if record["history_type"] == "-":
                problems.append(f"{label} {key}: exists, but its history says it was deleted")
            for name in fields:
                now, then = row[name], record[name]
                if name in ahead and now is not None and then is not None and now >= then:
                    continue
                if now != then:
                    problems.append(f"{label} {key}.{name}: live {now!r}, history {then!r}")
            if by_date[key] != record["history_id"]:
                problems.append(f"{label} {key}: the newest history by date is not the last one")
        for key, record in newest.items():
            if key not in live and record["history_type"] != "-":
                problems.append(f"{label} {key}: gone without a '-' history row")
        for field in history._history_m2m_fields:
            problems += _m2m_mismatches(model, field, newest, live)
    return problems


def _m2m_mismatches(model, field, newest, live):
    """The set held in the through table against the set the object's newest history holds."""
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    now = defaultdict(set)
    for owner, other in through.objects.values_list(f"{source}_id", f"{target}_id"):
        now[owner].add(other)
    then = defaultdict(set)
    ids = {record["history_id"]: key for key, record in newest.items() if key in live}
    rows = _m2m_history_model(through).objects.filter(history_id__in=ids)
    for history_id, other in rows.values_list("history_id", f"{target}_id"):
        then[ids[history_id]].add(other)
    label = f"{model._meta.label}.{field.name}"
    return [
        f"{label} {key}: live {sorted(now[key])}, history {sorted(then[key])}"
        for key in live
        if now[key] != then[key]
    ]


def assert_history_complete():
    problems = history_mismatches()
    assert not problems, "Written without history:\n" + "\n".join(problems)


# --- The scenarios ------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _reply(sender, to, text, message_id):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: your email\r\n"
        f"Message-ID: <{message_id}@mail.example.org>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def test_the_seed_and_the_services_leave_history_for_everything(media, settings):
    """The demo seed, then the seeded NCG taken through a term of work and closed, by the
    services the views, commands and tasks call; after each, every model agrees with its
    history."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from advice import services as letters
    from meetings import minutes as minutes_services
    from meetings import services as meetings
    from meetings import written_procedure as wp
    from meetings.calendar import issue_calendar_feed, revoke_calendar_feed
    from meetings.inbound import receive_message
    from meetings.models import Meeting
    from meetings.paper_mail import send_meeting_papers
    from meetings.reply_tokens import reply_address
    from meetings.uploads import add_paper_version, record_download, withdraw_paper
    from members import services as members
    from members.models import Group, Role
    from members.visits import note_visit, sitting_gap
    from ncg_portal import archive, deliveries, outbox
    from ncg_portal.audit import record_access
    from ncg_portal.models import OutgoingMail, RecordsArchive
    from tests.meetings.test_uploads import MINIMAL_PDF

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("seed_demo", verbosity=0)
    assert_history_complete()  # the demo data, backdated history included
    group = Group.objects.get(slug="ncg")
    by_role = defaultdict(list)
    for membership in group.memberships.select_related("person").order_by("pk"):
        by_role[membership.role].append(membership.person)
    chair, secretary = by_role[Role.CHAIR][0], by_role[Role.SECRETARIAT][0]
    member, second, third = by_role[Role.MEMBER][:3]
    upcoming = group.meetings.get(status=Meeting.Status.CONFIRMED)
    now = timezone.now()

    # Visits: a first visit, page views within a sitting, and a new sitting.
    for minutes in (0, 5, 20, 120, 125):
        note_visit(member, group, now=now - datetime.timedelta(hours=3, minutes=-minutes))
    note_visit(chair, group)
    assert sitting_gap() < datetime.timedelta(minutes=100)

    # Calendar feeds: issued, issued again, revoked.
    issue_calendar_feed(person=member)
    issue_calendar_feed(person=member)
    revoke_calendar_feed(person=member)
    issue_calendar_feed(person=second)

    # The upcoming meeting: answers, an interest, the agenda reordered, an item with a paper
    # and a declaration removed, the papers sent, a new version, a download.
    meetings.record_rsvp(meeting=upcoming, person=member, response="apologies", deputy_name="")
    item = upcoming.agenda_items.filter(papers__isnull=False).first()
    paper = item.papers.get()
    meetings.declare_interest(
        meeting=upcoming, person=second, interest="A governor of a school", agenda_item=item
    )
    first = upcoming.agenda_items.order_by("position").first()
    meetings.move_agenda_item(item=first, offset=1)
    send_meeting_papers(meeting=upcoming, papers=[paper], message="Papers", sent_by=secretary)
    version = add_paper_version(
        paper=paper,
        uploaded_file=SimpleUploadedFile("v2.pdf", MINIMAL_PDF, "application/pdf"),
        uploaded_by=secretary,
    )
    record_download(version=version, person=member)
    meetings.remove_agenda_item(item=item)
    meetings.update_meeting(meeting=upcoming, venue="Cathays Park", reason="New venue")
    action = meetings.add_action(
        group=group, description="Write to the Cabinet Secretary", owner=member, meeting=upcoming
    )
    meetings.update_action_status(action=action, status="done")

    # A meeting held today: minutes shared, commented on under an item, the item removed.
    start = now - datetime.timedelta(hours=4)
    held = meetings.create_meeting(
        group=group,
        title_en="Extra meeting",
        title_cy="Cyfarfod ychwanegol",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/extra",
    )
    kept = meetings.add_agenda_item(meeting=held, title_en="Kept", title_cy="Cadw")
    dropped = meetings.add_agenda_item(meeting=held, title_en="Dropped", title_cy="Wedi mynd")
    meetings.confirm_meeting(meeting=held)
    meetings.record_attendance(
        meeting=held, attended_by_person={member.pk: "online", second.pk: "absent"}
    )
    minutes = minutes_services.start_minutes(meeting=held, started_by=secretary)
    minutes_services.share_minutes(minutes=minutes, shared_by=secretary)
    minutes_services.comment_on_minutes(
        minutes=minutes, person=member, body="Under the item", agenda_item=dropped
    )
    meetings.remove_agenda_item(item=dropped)
    minutes = minutes_services.save_minutes(
        minutes=minutes, discussions={kept.pk: ("Agreed.", "Cytunwyd.")}
    )
    minutes_services.approve_minutes(minutes=minutes, approved_by=chair)
    minutes_services.minutes_pdf(minutes, "en")
    minutes_services.correct_minutes(
        minutes=minutes,
        discussions={kept.pk: ("Agreed, with a condition.", "Cytunwyd.")},
        corrected_by=secretary,
        reason="Agreed at the next meeting",
    )
    withdraw_paper(paper=paper, withdrawn_by=secretary, reason="Superseded")

    # The open written procedure: a reply by email, a reminder, then closed.
    circulation = group.circulations.get()
    receive_message(
        _reply(second.email, reply_address(circulation, second), "I agree.", "wp-1"),
        source="pipe",
    )
    wp.send_reminders(circulation=circulation, sent_by=secretary, now=circulation.deadline)
    wp.close_circulation(circulation=circulation, closed_by=secretary)

    # The draft letter: its sources (many-to-many) and details, review with comments online and
    # by email, a new version and the old one restored, approval and issue.
    draft = group.letters.get(status="draft")
    letters.set_sources(letter=draft, meetings=[held], circulations=[circulation], by=secretary)
    letters.set_letter_details(letter=draft, by=secretary, addressee_en="Cabinet Secretary")
    draft = letters.send_for_review(letter=draft, sent_by=secretary)
    letters.comment_on_letter(letter=draft, person=member, body="Please mention rural schools.")
    receive_message(
        _reply(third.email, reply_address(draft, third), "Content.", "letter-1"), source="pipe"
    )
    texts = {
        "title_en": "Advice",
        "body_en": "Revised.",
        "salutation_en": "Dear Cabinet Secretary,",
    }
    letters.save_letter(letter=draft, saved_by=secretary, texts=texts)
    letters.restore_version(letter=draft, number=1, restored_by=secretary)
    draft = letters.approve_letter(letter=draft, approved_by=chair)
    letters.issue_letter(letter=draft, to_email="cabinet@example.org", issued_by=secretary)

    # Membership: invited and accepted, changed, ended; a profile; the group's settings.
    invitation = members.invite_person(
        group=group,
        invited_by=secretary,
        email="newcomer@example.org",
        full_name="Nia Newcomer",
        role=Role.OBSERVER,
    )
    members.accept_invitation(invitation=invitation, password="a-long-enough-password-1")
    observer = invitation.person
    membership = group.memberships.get(person=observer)
    membership = members.update_membership(
        membership=membership, position_en="Observer for Estyn", reason="Title"
    )
    members.end_membership(membership=membership, ends_on=timezone.localdate(), reason="Left")
    members.update_profile(person=member, job_title="Director of Education")
    members.update_group_settings(
        group=group, changed_by=secretary, reason="Deputies allowed", allows_deputies=True
    )

    # The outbox: everything queued is sent; one bounces and is sent again; one is stuck while
    # sending and the sweep takes it back.
    queued = list(OutgoingMail.objects.filter(status="queued").order_by("pk"))
    stuck, bounced, *rest = queued
    for mail in rest:
        assert outbox.deliver(mail.pk) == "sent"
    outbox.deliver(bounced.pk)
    deliveries.mark_bounced(message_id=bounced.message_id, reason="550 No such user")
    deliveries.retry_delivery(mail=OutgoingMail.objects.get(pk=bounced.pk), by=secretary)
    deliveries.note_esp_event(mail=OutgoingMail.objects.get(pk=rest[0].pk), event="delivered")
    outbox.claim(stuck.pk)
    outbox.requeue_mail(now=timezone.now() + datetime.timedelta(days=1))

    # People's data: read, then the person's access removed.
    record_access(group=group, person=secretary, what="person_data", subject=third)
    members.deactivate_person(person=third, deactivated_by=secretary, reason="Left the post")

    # The end: the upcoming meeting cancelled, the group closed and its archive made.
    meetings.cancel_meeting(meeting=upcoming, reason="Not needed")
    members.close_group(
        group=group,
        closed_by=secretary,
        concluded_on=timezone.localdate(),
        reason="Work complete",
    )
    assert archive.build(RecordsArchive.objects.get().pk) == RecordsArchive.Status.READY

    assert_history_complete()


def test_the_check_finds_each_kind_of_bypass(ncg, chair, secretariat, member):
    """The invariant is only worth having if it fails: one bypass of each kind, each found."""
    from advice.models import Letter
    from advice.services import create_letter
    from meetings.models import AgendaItem, Meeting, Paper
    from members.models import Membership, Workstream
    from ncg_portal.audit import with_reason
    from tests.advice.test_letters import TEXTS

    assert_history_complete()
    Membership.objects.filter(person=member).update(position_en="Updated in bulk")
    start = datetime.datetime(2026, 1, 1, 10, tzinfo=datetime.UTC)
    end = start + datetime.timedelta(hours=2)
    meeting = Meeting(group=ncg, title_en="M", starts_at=start, ends_at=end)
    with_reason(meeting, "x").save()
    Meeting.objects.bulk_create([Meeting(group=ncg, title_en="Bulk", starts_at=start, ends_at=end)])
    item = AgendaItem(meeting=meeting, title_en="Item", position=1)
    with_reason(item, "x").save()
    paper = Paper(group=ncg, title_en="P", agenda_item=item, created_by=secretariat)
    with_reason(paper, "x").save()
    item.delete()  # on_delete=SET_NULL: the paper loses its item in an UPDATE with no history
    letter = create_letter(group=ncg, created_by=secretariat, texts=TEXTS)
    Letter.meetings.through.objects.create(letter=letter, meeting=meeting)  # no m2m signal
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM members_workstream")
    problems = "\n".join(history_mismatches())
    assert "members.Membership" in problems and "position_en" in problems
    assert "a live row with no history" in problems  # the bulk-created meeting
    assert f"meetings.Paper {paper.pk}.agenda_item_id" in problems
    assert f"advice.Letter.meetings {letter.pk}: live [{meeting.pk}], history []" in problems
    assert "members.Workstream" in problems and "gone without a '-' history row" in problems
    assert Workstream.objects.count() == 0


# --- The static guard ---------------------------------------------------------------------------

# Calls that write without history whatever they are called on.
ALWAYS = {
    "bulk_create",
    "bulk_update",
    "raw",
    "extra",
    "execute",
    "executemany",
    "_raw_delete",
    "save_without_historical_record",
}
# Calls that write without history (update) or without a reason (delete) on a queryset; on an
# instance, delete() leaves a "-" row with the reason set by with_reason.
ON_QUERYSETS = {"update", "delete"}
# Queryset methods that end the chain with an object or a value, not a queryset.
TERMINAL = {
    "get",
    "first",
    "last",
    "earliest",
    "latest",
    "create",
    "get_or_create",
    "update_or_create",
    "count",
    "exists",
    "aggregate",
    "iterator",
    "in_bulk",
    "contains",
    "values_list",
    "values",
    "update",
    "delete",
}
MANAGERS = {"objects", "_default_manager", "_base_manager", "history"}
NAMES = {"skip_history_when_saving", "RawSQL"}

# (file, function, call) -> (how many, why it may write without history).
ALLOWED = {
    ("members/visits.py", "note_visit", "update"): (
        2,
        "GroupVisit.last_seen_at within a sitting: history keeps a row per sitting",
    ),
    ("ncg_portal/outbox.py", "_fail_dead_tasks", "update"): (
        1,
        "DBTaskResult: django-tasks-db's queue table, which has no history",
    ),
    ("ncg_portal/outbox.py", "schedule_sweep", "delete"): (1, "DBTaskResult: the task queue"),
    ("ncg_portal/outbox.py", "schedule_sweep", "update"): (1, "DBTaskResult: the task queue"),
    ("ncg_portal/outbox.py", "schedule_sweep", "execute"): (1, "an advisory lock, no write"),
    ("ncg_portal/outbox.py", "requeue_mail", "execute"): (1, "an advisory lock, no write"),
    ("meetings/inbound.py", "_lock_message_id", "execute"): (1, "an advisory lock, no write"),
    ("ncg_portal/views.py", "healthz", "execute"): (1, "SELECT 1 for the health check"),
    # The benchmark's data set (its own database, never the portal's): rows go in bulk, and the
    # history they leave is written alongside, dated when things happened.
    ("ncg_portal/bench_data.py", "later_history", "bulk_create"): (
        1,
        "bench data: writes the history rows themselves",
    ),
    ("ncg_portal/bench_data.py", "freeze_minutes", "update"): (
        1,
        "bench data: the approved record; later_history then adds its history rows",
    ),
    ("ncg_portal/bench_data.py", "circulations", "bulk_create"): (
        1,
        "bench data: circulation-paper links made with the circulations",
    ),
    ("ncg_portal/bench_data.py", "letters", "bulk_update"): (
        1,
        "bench data: approved version and PDFs; later_history then adds the history rows",
    ),
    ("ncg_portal/management/commands/make_bench_data.py", "remake_database", "execute"): (
        2,
        "drops and creates the bench database",
    ),
    ("ncg_portal/management/commands/make_bench_data.py", "fill", "execute"): (
        2,
        "ANALYZE and the database's size, no write",
    ),
    ("ncg_portal/audit_log.py", "page", "execute"): (1, "reads a page of the log, no write"),
    ("ncg_portal/audit_log.py", "_rows_with_previous", "execute"): (
        1,
        "reads history rows and their previous versions, no write",
    ),
    ("ncg_portal/history_guard.py", "protect_history", "execute"): (
        2,
        "creates the append-only trigger on the history tables",
    ),
}


def _app_sources():
    for app in APP_DIRS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text()


def _related_managers():
    """Accessor names of related managers on models with history (meeting.agenda_items...)."""
    names = set()
    for model in tracked_models():
        for field in model._meta.get_fields():
            if field.is_relation and (field.one_to_many or field.many_to_many):
                names.add(field.get_accessor_name() if field.auto_created else field.name)
    return names - {None}


class _Finder(ast.NodeVisitor):
    """Calls that may write without history, by (function, call name)."""

    def __init__(self, related):
        self.related = related
        self.querysets = set()  # names assigned a queryset anywhere in the file
        self.found = []
        self.function = "<module>"

    def is_queryset(self, node):
        if isinstance(node, ast.Name):
            return node.id in self.querysets
        if isinstance(node, ast.Attribute):
            return node.attr in MANAGERS or node.attr in self.related
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr not in TERMINAL and self.is_queryset(node.func.value)
        return False

    def collect_querysets(self, tree):
        changed = True
        while changed:
            changed = False
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and self.is_queryset(node.value):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id not in self.querysets:
                            self.querysets.add(target.id)
                            changed = True

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ALWAYS or (func.attr in ON_QUERYSETS and self.is_queryset(func.value)):
                self.found.append((self.function, func.attr, node.lineno))
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in NAMES:
            self.found.append((self.function, node.id, node.lineno))

    def visit_Attribute(self, node):
        if node.attr in NAMES:
            self.found.append((self.function, node.attr, node.lineno))
        self.generic_visit(node)


def writes_without_history():
    """{(file, function, call): [line numbers]} for the app's source."""
    related = _related_managers()
    found = defaultdict(list)
    for path, source in _app_sources():
        tree = ast.parse(source)
        finder = _Finder(related)
        finder.collect_querysets(tree)
        finder.visit(tree)
        for function, call, line in finder.found:
            found[(path, function, call)].append(line)
    return found


def test_no_write_path_bypasses_history_in_the_source():
    found = writes_without_history()
    unexplained = {
        key: lines
        for key, lines in found.items()
        if key not in ALLOWED or len(lines) != ALLOWED[key][0]
    }
    assert not unexplained, (
        "Writes that leave no history (save each object with with_reason, delete instances, or "
        "use simple_history.utils.bulk_create_with_history / bulk_update_with_history); if one "
        f"must stay, add it to ALLOWED with the reason: {unexplained}"
    )
    stale = set(ALLOWED) - set(found)
    assert not stale, f"ALLOWED names calls that are gone: {stale}"


def test_the_static_guard_finds_each_kind_of_call():
    source = """
def f(meeting, person):
    Meeting.objects.filter(pk=1).update(title_en="x")
    items = meeting.agenda_items.all()
    items.delete()
    person.group_visits.update(seen_before=None)
    Paper.objects.bulk_create([])
    entry = MinutesEntry.objects.filter(pk=1).first()
    entry.delete()
    context = {}
    context.update(form=1)
    meeting.skip_history_when_saving = True
"""
    tree = ast.parse(source)
    finder = _Finder(_related_managers())
    finder.collect_querysets(tree)
    finder.visit(tree)
    assert [(call, line) for _f, call, line in finder.found] == [
        ("update", 3),
        ("delete", 5),
        ("update", 6),
        ("bulk_create", 7),
        ("skip_history_when_saving", 12),
    ]
