"""The benchmark's data set: a decade of a government's advisory groups (`make_bench_data`).

At scale 1: 100 groups, 3,000 people, ten years of termly meetings with agendas, 20 papers per
meeting (each a small real PDF on disk), 50,000 comments, 500 letters of 10 versions each, and the
history rows all of that leaves. Rows go in with `bulk_create_with_history`, each history row
dated when the thing happened, so the audit log reads like ten years of real use.

Group 0 (`bench-000`) is the one the benchmark visits; its people, its latest held meeting, that
meeting's circulation, a draft letter and a published letter are written to a manifest.
"""

import datetime
import hashlib
import random
import uuid
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from advice.models import Letter, LetterComment, LetterVersion
from meetings.calendar import issue_calendar_feed
from meetings.minutes import minutes_record
from meetings.models import (
    Action,
    AgendaItem,
    Attendance,
    Circulation,
    CirculationRecipient,
    Comment,
    InboundMessage,
    Meeting,
    Minutes,
    MinutesEntry,
    Paper,
    PaperDownload,
    PaperVersion,
    Question,
)
from members.models import Group, GroupVisit, Membership, Organisation, Person, Role, Workstream

LONDON = zoneinfo.ZoneInfo("Europe/London")
BENCH_PASSWORD = "bench-portal-2026"
BENCH_TOTP_SECRET = "JBSWY3DPEHPK3PXPNCGBENCHDATA2345"
GROUP_SIZE = 30  # chair, 2 secretariat, 2 observers, 25 members
PAPERS_PER_MEETING = 20
AGENDA_ITEMS = 6
LETTER_VERSIONS = 10
BATCH = 5000

TOPICS = [
    ("school improvement", "gwella ysgolion"),
    ("the curriculum for Wales", "cwricwlwm i Gymru"),
    ("professional learning", "dysgu proffesiynol"),
    ("additional learning needs", "anghenion dysgu ychwanegol"),
    ("assessment and progression", "asesu a dilyniant"),
    ("the Welsh language in education", "y Gymraeg mewn addysg"),
    ("attendance and wellbeing", "presenoldeb a lles"),
    ("post-16 transitions", "pontio ôl-16"),
    ("qualifications reform", "diwygio cymwysterau"),
    ("school funding", "cyllid ysgolion"),
]
KINDS = [
    ("Update on", "Diweddariad ar"),
    ("Evaluation of", "Gwerthusiad o"),
    ("Proposals for", "Cynigion ar gyfer"),
    ("Risks to", "Risgiau i"),
    ("Workforce plan for", "Cynllun gweithlu ar gyfer"),
]
FIRST = (
    "Aled Bethan Carys Dafydd Eleri Ffion Gareth Heledd Iwan Llinos Mari Rhodri Siân Tomos".split()
)
LAST = "Davies Evans Griffiths Hughes Jones Lewis Morgan Owen Price Roberts Thomas Williams".split()
COMMENTS = [
    "We support the direction set out here, but the timetable for schools looks ambitious.",
    "Could the paper say more about how smaller rural schools will be supported?",
    "Agree. The evaluation should report back to the Group before the summer term.",
    "Cytuno, ond mae angen rhagor o fanylion am y gyllideb ar gyfer y flwyddyn nesaf.",
    "The second recommendation duplicates work already under way in the regions.",
    "No comments from our organisation on this paper.",
]
LETTER_PARAGRAPH = (
    "The Group received helpful updates on the transition to new school improvement "
    "arrangements across Wales and the establishment of the new professional learning and "
    "leadership body. Members welcomed the progress made, and asked that the evaluation "
    "report back to the Group before decisions on the next phase are taken."
)
LETTER_PARAGRAPH_CY = (
    "Cafodd y Grŵp ddiweddariadau defnyddiol ar y newid i drefniadau gwella ysgolion newydd "
    "ledled Cymru a sefydlu'r corff dysgu proffesiynol ac arweinyddiaeth newydd. Croesawodd yr "
    "aelodau y cynnydd a wnaed."
)


@dataclass
class Sizes:
    groups: int
    people: int
    years: int
    comments: int
    letters: int

    @classmethod
    def at(cls, scale):
        return cls(
            groups=max(2, round(100 * scale)),
            people=max(2 * GROUP_SIZE, round(3000 * scale)),
            years=max(1, round(10 * scale)),
            comments=max(100, round(50_000 * scale)),
            letters=max(2, round(500 * scale)),
        )


@dataclass
class Made:
    counts: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)

    def add(self, model, n):
        name = str(model._meta.verbose_name_plural)
        self.counts[name] = self.counts.get(name, 0) + n


def small_pdf(title, subtitle=""):
    """A real one-page PDF (PDF 1.4, Helvetica) that says `title`: small, valid, distinct."""

    def esc(text):
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = (
        f"BT /F1 16 Tf 72 760 Td ({esc(title)}) Tj ET\n"
        f"BT /F1 11 Tf 72 730 Td ({esc(subtitle)}) Tj ET\n"
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _aware(date, hour=10, minute=0):
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=LONDON)


def _dated(obj, when, user=None):
    """Mark an unsaved object so its history row is dated `when` and says who did it."""
    obj._history_date = when
    if user is not None:
        obj._history_user = user
    return obj


class Builder:
    def __init__(self, scale, *, seed=2026, out=print):
        self.scale = scale
        self.sizes = Sizes.at(scale)
        self.random = random.Random(seed)
        self.out = out
        self.made = Made()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.media = Path(settings.MEDIA_ROOT)

    def past(self, when, margin=datetime.timedelta(hours=3)):
        """`when`, or a little before now if it is later: what happened for the next meeting so
        far (its papers, answers) has happened already; no history is dated in the future."""
        return min(when, self.now - margin)

    def create(self, model, objs):
        objs = bulk_create_with_history(objs, model, batch_size=BATCH)
        self.made.add(model, len(objs))
        return objs

    def later_history(self, model, objs, changes):
        """Add a "changed" history row per object: `changes(obj)` gives (when, user, fields)."""
        history = model.history.model
        names = [f.attname for f in history.tracked_fields]
        rows = []
        for obj in objs:
            for when, user, fields in changes(obj):
                values = {name: getattr(obj, name) for name in names}
                values.update(fields)
                rows.append(
                    history(
                        history_date=when,
                        history_user=user,
                        history_type="~",
                        history_change_reason="",
                        **values,
                    )
                )
        history.objects.bulk_create(rows, batch_size=BATCH)
        self.made.counts["history rows for changes"] = self.made.counts.get(
            "history rows for changes", 0
        ) + len(rows)

    # -- the build, in order --------------------------------------------------------------

    @transaction.atomic
    def build(self):
        self.start = self.today - datetime.timedelta(days=365 * self.sizes.years)
        self.people()
        self.groups()
        self.meetings()
        self.papers()
        self.attendance_and_minutes()
        self.circulations()
        self.letters()
        self.bench_people()
        return self.made

    def people(self):
        password = make_password(BENCH_PASSWORD)  # one hash for all: hashing 3,000 is slow
        joined = _aware(self.start - datetime.timedelta(days=30))
        people = [
            _dated(
                Person(
                    email=f"person{n:05d}@bench.example.org",
                    full_name=f"{self.random.choice(FIRST)} {self.random.choice(LAST)} {n}",
                    job_title=self.random.choice(["Director", "Head teacher", "Adviser", ""]),
                    preferred_language="cy" if n % 4 == 0 else "en",
                    password=password,
                    date_joined=joined,
                ),
                joined,
            )
            for n in range(self.sizes.people)
        ]
        self.people_list = self.create(Person, people)
        self.organisations = self.create(
            Organisation,
            [
                Organisation(name_en=f"Bench organisation {n}", name_cy=f"Sefydliad mainc {n}")
                for n in range(40)
            ],
        )

    def groups(self):
        sizes = self.sizes
        groups = []
        for g in range(sizes.groups):
            topic_en, topic_cy = TOPICS[g % len(TOPICS)]
            groups.append(
                _dated(
                    Group(
                        slug=f"bench-{g:03d}",
                        short_name=f"BG{g:03d}",
                        name_en=f"Advisory Group {g} on {topic_en}",
                        name_cy=f"Grŵp Cynghori {g} ar {topic_cy}",
                        summary_en=f"Advises Welsh Ministers on {topic_en}.",
                        summary_cy=f"Yn cynghori Gweinidogion Cymru ar {topic_cy}.",
                        terms_of_reference_en="To advise the Cabinet Secretary. " * 5,
                        terms_of_reference_cy="Cynghori Ysgrifennydd y Cabinet. " * 5,
                        advises_en="Cabinet Secretary for Education",
                        advises_cy="Ysgrifennydd y Cabinet dros Addysg",
                        starts_on=self.start,
                    ),
                    _aware(self.start),
                )
            )
        self.group_list = self.create(Group, groups)
        self.workstreams = {}
        workstreams = []
        for group in self.group_list:
            for number in (1, 2, 3):
                workstreams.append(
                    Workstream(
                        group=group,
                        number=number,
                        title_en=f"Workstream {number}",
                        title_cy=f"Ffrwd waith {number}",
                    )
                )
        for ws in self.create(Workstream, workstreams):
            self.workstreams.setdefault(ws.group_id, []).append(ws)

        # Each person sits on one group; one in ten also sits on the next group (as a member).
        roles = [Role.CHAIR, Role.SECRETARIAT, Role.SECRETARIAT, Role.OBSERVER, Role.OBSERVER]
        memberships, self.members_of, self.role_of, self.second_group = [], {}, {}, set()
        people = self.people_list
        for i, person in enumerate(people):
            g = i % sizes.groups
            slot = i // sizes.groups
            role = roles[slot] if slot < len(roles) else Role.MEMBER
            extra = [(g + 1) % sizes.groups] if i % 10 == 9 else []
            if extra:
                self.second_group.add(person.pk)
            for k, gi in enumerate([g] + extra):
                group = self.group_list[gi]
                r = role if k == 0 else Role.MEMBER
                memberships.append(
                    _dated(
                        Membership(
                            person=person,
                            group=group,
                            role=r,
                            organisation=self.organisations[i % len(self.organisations)],
                            position_en="Member",
                            position_cy="Aelod",
                            starts_on=self.start,
                        ),
                        _aware(self.start),
                    )
                )
                self.members_of.setdefault(group.pk, []).append(person)
                self.role_of[(group.pk, person.pk)] = r
        self.create(Membership, memberships)
        self.create(
            GroupVisit,
            [
                GroupVisit(
                    person=m.person,
                    group=m.group,
                    last_seen_at=timezone.now() - datetime.timedelta(days=3),
                    seen_before=timezone.now() - datetime.timedelta(days=20),
                )
                for m in memberships
            ],
        )
        # Chairs and secretariat officers must have a second factor, as the portal requires.
        officers = {
            m.person_id: m.person for m in memberships if m.role in (Role.CHAIR, Role.SECRETARIAT)
        }
        from allauth.mfa.utils import encrypt

        self.create(
            Authenticator,
            [
                Authenticator(
                    user=person,
                    type=Authenticator.Type.TOTP,
                    data={"secret": encrypt(BENCH_TOTP_SECRET)},
                )
                for person in officers.values()
            ],
        )

    def _by_role(self, group, role):
        return [p for p in self.members_of[group.pk] if self.role_of[(group.pk, p.pk)] == role]

    def meetings(self):
        """Three meetings a year (one a term) per group, from the start up to next term."""
        dates = []
        year = self.start.year
        while not dates or dates[-1] <= self.today:  # every term's meeting, and the next one
            for month in (10, 2, 6):  # autumn, spring, summer, in date order
                day = datetime.date(year + (1 if month < 9 else 0), month, 12)
                if self.start < day and (not dates or dates[-1] <= self.today):
                    dates.append(day)
            year += 1
        meetings = []
        for group in self.group_list:
            secretary = self._by_role(group, Role.SECRETARIAT)[0]
            for n, day in enumerate(dates):
                day = day + datetime.timedelta(days=group.pk % 7)
                past = day < self.today
                topic_en, topic_cy = TOPICS[(group.pk + n) % len(TOPICS)]
                meeting = Meeting(
                    group=group,
                    title_en=f"Meeting {n + 1}: {topic_en}",
                    title_cy=f"Cyfarfod {n + 1}: {topic_cy}",
                    starts_at=_aware(day, 10),
                    ends_at=_aware(day, 13),
                    mode=Meeting.Mode.HYBRID,
                    venue="Cathays Park, Cardiff",
                    join_url="https://meet.example.org/bench",
                    status=Meeting.Status.HELD if past else Meeting.Status.CONFIRMED,
                    sequence=2 if past else 1,
                    created_at=self.past(_aware(day - datetime.timedelta(days=60))),
                )
                meetings.append(_dated(meeting, meeting.created_at, secretary))
        self.meeting_list = self.create(Meeting, meetings)
        self.later_history(
            Meeting,
            self.meeting_list,
            lambda m: (
                [
                    (
                        self.past(m.created_at + datetime.timedelta(days=14)),
                        m._history_user,
                        {"status": Meeting.Status.CONFIRMED, "sequence": 1},
                    )
                ]
                + ([(m.ends_at, m._history_user, {})] if m.status == Meeting.Status.HELD else [])
            ),
        )
        items = []
        for meeting in self.meeting_list:
            workstreams = self.workstreams[meeting.group_id]
            for position in range(1, AGENDA_ITEMS + 1):
                topic_en, topic_cy = TOPICS[(meeting.pk + position) % len(TOPICS)]
                items.append(
                    _dated(
                        AgendaItem(
                            meeting=meeting,
                            position=position,
                            title_en=f"Item {position}: {topic_en}",
                            title_cy=f"Eitem {position}: {topic_cy}",
                            starts_at=datetime.time(10 + position // 2, 30 * (position % 2)),
                            minutes=30,
                            presenter="Welsh Government officials",
                            workstream=workstreams[position % len(workstreams)],
                        ),
                        self.past(meeting.created_at + datetime.timedelta(days=20)),
                        meeting._history_user,
                    )
                )
        self.items = {}
        for item in self.create(AgendaItem, items):
            self.items.setdefault(item.meeting_id, []).append(item)

    def papers(self):
        """Twenty papers per meeting, each one version with its own small real PDF."""
        papers = []
        for meeting in self.meeting_list:
            items = self.items[meeting.pk]
            when = self.past(meeting.starts_at - datetime.timedelta(days=7))
            for n in range(PAPERS_PER_MEETING):
                kind_en, kind_cy = KINDS[n % len(KINDS)]
                topic_en, topic_cy = TOPICS[(meeting.pk + n) % len(TOPICS)]
                papers.append(
                    _dated(
                        Paper(
                            group_id=meeting.group_id,
                            meeting=meeting,
                            agenda_item=items[1 + n % (len(items) - 1)],
                            title_en=f"{kind_en} {topic_en}",
                            title_cy=f"{kind_cy} {topic_cy}",
                            reference=f"BG({meeting.starts_at:%y}){n + 1:02d}",
                            created_by=meeting._history_user,
                            created_at=when,
                            circulated_at=when + datetime.timedelta(hours=2),
                        ),
                        when,
                        meeting._history_user,
                    )
                )
        self.paper_list = self.create(Paper, papers)
        versions = []
        for paper in self.paper_list:
            folder = self.media / "papers" / str(paper.group_id)
            folder.mkdir(parents=True, exist_ok=True)
            name = uuid.uuid4().hex
            data = small_pdf(f"{paper.reference} {paper.title_en}", f"Paper {paper.pk}")
            (folder / name).write_bytes(data)
            versions.append(
                _dated(
                    PaperVersion(
                        paper=paper,
                        number=1,
                        file=f"papers/{paper.group_id}/{name}",
                        original_name=f"{paper.reference}.pdf".replace("(", "").replace(")", ""),
                        content_type="application/pdf",
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        uploaded_by=paper.created_by,
                        uploaded_at=paper.created_at,
                    ),
                    paper.created_at,
                    paper.created_by,
                )
            )
        self.version_list = self.create(PaperVersion, versions)
        self.later_history(
            Paper,
            self.paper_list,
            lambda p: [(p.circulated_at, p.created_by, {})],
        )
        # Three members opened each paper (who opened what shows on the meeting page).
        downloads = []
        for version in self.version_list:
            if version.uploaded_at + datetime.timedelta(days=1) > self.now:
                continue  # not opened yet
            readers = self.random.sample(self.members_of[version.paper.group_id], 3)
            for person in readers:
                downloads.append(
                    _dated(
                        PaperDownload(
                            version=version,
                            person=person,
                            downloaded_at=version.uploaded_at + datetime.timedelta(days=1),
                        ),
                        version.uploaded_at + datetime.timedelta(days=1),
                        person,
                    )
                )
        self.create(PaperDownload, downloads)

    def attendance_and_minutes(self):
        attendance, minutes, actions = [], [], []
        for meeting in self.meeting_list:
            held = meeting.status == Meeting.Status.HELD
            for person in self.members_of[meeting.group_id]:
                roll = self.random.random()
                response = (
                    Attendance.Response.IN_PERSON
                    if roll < 0.6
                    else Attendance.Response.ONLINE
                    if roll < 0.85
                    else Attendance.Response.APOLOGIES
                )
                attended = ""
                if held:
                    attended = {
                        Attendance.Response.IN_PERSON: Attendance.Attended.IN_PERSON,
                        Attendance.Response.ONLINE: Attendance.Attended.ONLINE,
                    }.get(response, Attendance.Attended.ABSENT)
                when = self.past(meeting.starts_at - datetime.timedelta(days=10))
                attendance.append(
                    _dated(
                        Attendance(
                            meeting=meeting,
                            person=person,
                            response=response,
                            responded_at=when,
                            attended=attended,
                        ),
                        when,
                        person,
                    )
                )
            if held:
                minutes.append(
                    _dated(
                        Minutes(
                            meeting=meeting,
                            body_en="The Chair welcomed members to the meeting.",
                            body_cy="Croesawodd y Cadeirydd yr aelodau i'r cyfarfod.",
                            status=Minutes.Status.APPROVED,
                            shared_at=self.past(meeting.ends_at + datetime.timedelta(days=5)),
                            approved_at=self.past(meeting.ends_at + datetime.timedelta(days=30)),
                        ),
                        self.past(meeting.ends_at + datetime.timedelta(days=2)),
                        meeting._history_user,
                    )
                )
                owners = self.members_of[meeting.group_id]
                for n in range(3):
                    due = meeting.starts_at.date() + datetime.timedelta(days=30)
                    done = due < self.today - datetime.timedelta(days=60)
                    actions.append(
                        _dated(
                            Action(
                                group_id=meeting.group_id,
                                meeting=meeting,
                                description=f"Report back on {TOPICS[n][0]}.",
                                owner=owners[(meeting.pk + n) % len(owners)],
                                due_on=due,
                                status=Action.Status.DONE if done else Action.Status.OPEN,
                                completed_on=due if done else None,
                            ),
                            meeting.ends_at,
                            meeting._history_user,
                        )
                    )
        self.create(Attendance, attendance)
        self.create(Action, actions)
        self.minutes_list = self.create(Minutes, minutes)
        entries = []
        for m in self.minutes_list:
            for item in self.items[m.meeting_id]:
                entries.append(
                    _dated(
                        MinutesEntry(
                            minutes=m,
                            agenda_item=item,
                            discussion_en=f"Members discussed {item.title_en.lower()}. " * 3,
                            discussion_cy=f"Trafododd yr aelodau {item.title_cy.lower()}. " * 3,
                        ),
                        m._history_date,
                        m._history_user,
                    )
                )
        self.create(MinutesEntry, entries)

    def freeze_minutes(self):
        """Approved minutes keep their record as approved: made by the portal's own code."""
        count = 0
        minutes = Minutes.objects.filter(status=Minutes.Status.APPROVED).select_related(
            "meeting__group"
        )
        for m in minutes.iterator(chunk_size=500):
            record = {language: minutes_record(m, language) for language in ("en", "cy")}
            Minutes.objects.filter(pk=m.pk).update(record=record)
            count += 1
        # The history rows were written before the record existed: give them the record too,
        # as the portal's approval would have (inserting, since history is append-only).
        self.later_history(
            Minutes,
            list(Minutes.objects.filter(status=Minutes.Status.APPROVED).select_related("meeting")),
            lambda m: [(m.approved_at, None, {})],
        )
        return count

    def circulations(self):
        """One circulation of each held meeting's papers, closed; the latest one still open."""
        circulations, by_group_last = [], {}
        for meeting in self.meeting_list:
            if meeting.status != Meeting.Status.HELD:
                continue
            opened = meeting.starts_at - datetime.timedelta(days=14)
            c = _dated(
                Circulation(
                    group_id=meeting.group_id,
                    meeting=meeting,
                    subject_en=f"Papers for {meeting.title_en}",
                    subject_cy=f"Papurau ar gyfer {meeting.title_cy}",
                    message_en="Please read the papers and give your views by the deadline.",
                    message_cy="Darllenwch y papurau a rhowch eich barn erbyn y dyddiad cau.",
                    deadline=meeting.starts_at - datetime.timedelta(days=2),
                    status=Circulation.Status.CLOSED,
                    created_by=meeting._history_user,
                    created_at=opened - datetime.timedelta(days=1),
                    opened_at=opened,
                    closed_at=meeting.starts_at - datetime.timedelta(days=2),
                ),
                opened,
                meeting._history_user,
            )
            circulations.append(c)
            by_group_last[meeting.group_id] = c
        for c in by_group_last.values():  # the latest is still open, deadline ahead
            c.status = Circulation.Status.OPEN
            c.closed_at = None
            c.deadline = timezone.now() + datetime.timedelta(days=10)
        self.circulation_list = self.create(Circulation, circulations)
        papers_by_meeting = {}
        for paper in self.paper_list:
            papers_by_meeting.setdefault(paper.meeting_id, []).append(paper)
        through = Circulation.papers.through
        links = [
            through(circulation_id=c.pk, paper_id=p.pk)
            for c in self.circulation_list
            for p in papers_by_meeting[c.meeting_id]
        ]
        through.objects.bulk_create(links, batch_size=BATCH)
        self.made.counts["circulation papers"] = len(links)
        questions = []
        for c in self.circulation_list:
            questions.append(
                Question(
                    circulation=c,
                    position=1,
                    text_en="Do you agree with the recommendations?",
                    text_cy="Ydych chi'n cytuno â'r argymhellion?",
                    asks_position=True,
                )
            )
            questions.append(
                Question(
                    circulation=c,
                    position=2,
                    text_en="Anything the Group should raise with the Cabinet Secretary?",
                    text_cy="Unrhyw beth y dylai'r Grŵp ei godi gydag Ysgrifennydd y Cabinet?",
                )
            )
        questions = self.create(Question, [_dated(q, q.circulation.opened_at) for q in questions])
        by_circulation = {}
        for q in questions:
            by_circulation.setdefault(q.circulation_id, []).append(q)

        recipients = []
        for c in self.circulation_list:
            for person in self.members_of[c.group_id]:
                if self.role_of[(c.group_id, person.pk)] in (Role.MEMBER, Role.CHAIR):
                    recipients.append(
                        _dated(
                            CirculationRecipient(circulation=c, person=person, sent_at=c.opened_at),
                            c.opened_at,
                        )
                    )
        self.create(CirculationRecipient, recipients)

        # Comments, spread over the circulations; one in ten came in by email.
        base, extra = divmod(self.sizes.comments, len(self.circulation_list))
        comments, inbound = [], []
        total = 0
        for index, c in enumerate(self.circulation_list):
            per = base + (1 if index < extra else 0)
            voters = [
                p
                for p in self.members_of[c.group_id]
                if self.role_of[(c.group_id, p.pk)] in (Role.MEMBER, Role.CHAIR)
            ]
            papers = papers_by_meeting[c.meeting_id]
            for n in range(per):
                if total >= self.sizes.comments:
                    break
                person = voters[n % len(voters)]
                when = c.opened_at + datetime.timedelta(hours=1 + n)
                by_email = n % 10 == 0
                comment = Comment(
                    circulation=c,
                    person=person,
                    body=self.random.choice(COMMENTS),
                    source=Comment.Source.EMAIL if by_email else Comment.Source.WEB,
                    created_at=when,
                    updated_at=when,
                )
                if n < len(voters):
                    comment.question = by_circulation[c.pk][0]
                    comment.position = self.random.choice(["agree", "agree_comments", "disagree"])
                else:
                    comment.paper = papers[n % len(papers)]
                if by_email:
                    raw = (
                        f"From: {person.full_name} <{person.email}>\r\n"
                        f"To: reply+bench@ncg.example.org\r\nSubject: Re: {c.subject_en}\r\n"
                        f"Message-ID: <bench-{c.pk}-{n}@mail.example.org>\r\n"
                        f"Date: {when:%a, %d %b %Y %H:%M:%S %z}\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                        f"{comment.body}\r\n"
                    ).encode()
                    inbound.append(
                        InboundMessage(
                            source=InboundMessage.Source.PIPE,
                            raw=raw,
                            size=len(raw),
                            received_at=when,
                            message_id=f"<bench-{c.pk}-{n}@mail.example.org>",
                            from_address=person.email,
                            to_address="reply+bench@ncg.example.org",
                            subject=f"Re: {c.subject_en}",
                            status=InboundMessage.Status.ACCEPTED,
                            circulation=c,
                            person=person,
                        )
                    )
                    comment._inbound = len(inbound) - 1
                comments.append(_dated(comment, when, person))
                total += 1
        inbound = self.create(InboundMessage, [_dated(m, m.received_at, m.person) for m in inbound])
        for comment in comments:
            if hasattr(comment, "_inbound"):
                comment.inbound_message = inbound[comment._inbound]
        self.create(Comment, comments)

    def letters(self):
        """Letters spread over the groups, ten versions each; most published, the rest drafts."""
        letters = []
        for n in range(self.sizes.letters):
            group = self.group_list[n % len(self.group_list)]
            chair = self._by_role(group, Role.CHAIR)[0]
            secretary = self._by_role(group, Role.SECRETARIAT)[0]
            span = (self.today - self.start).days - 30  # issued and published by now
            day = self.start + datetime.timedelta(days=n * span // self.sizes.letters)
            draft = n < len(self.group_list)  # each group has one letter in draft
            issued = None if draft else _aware(day + datetime.timedelta(days=20))
            letter = Letter(
                group=group,
                status=Letter.Status.DRAFT if draft else Letter.Status.PUBLISHED,
                letter_date=day,
                addressee_en="Cabinet Secretary for Education",
                addressee_cy="Ysgrifennydd y Cabinet dros Addysg",
                signatory_name=chair.full_name,
                signatory_role_en=f"Chair, {group.name_en}",
                signatory_role_cy=f"Cadeirydd, {group.name_cy}",
                created_by=secretary,
                created_at=_aware(day),
                approved_by=None if draft else chair,
                approved_at=None if draft else _aware(day + datetime.timedelta(days=14)),
                issued_to="" if draft else "cabinet.secretary@gov.example.org",
                issued_at=issued,
                issued_by=None if draft else secretary,
                published_at=None if draft else issued + datetime.timedelta(days=1),
            )
            letter._chair = chair
            letters.append(_dated(letter, letter.created_at, secretary))
        self.letter_list = self.create(Letter, letters)
        versions = []
        for letter in self.letter_list:
            topic_en, topic_cy = TOPICS[letter.pk % len(TOPICS)]
            for number in range(1, LETTER_VERSIONS + 1):
                when = letter.created_at + datetime.timedelta(hours=number)
                who = letter._chair if number % 2 else letter.created_by
                versions.append(
                    _dated(
                        LetterVersion(
                            letter=letter,
                            number=number,
                            title_en=f"Advice on {topic_en}",
                            title_cy=f"Cyngor ar {topic_cy}",
                            salutation_en="Dear Cabinet Secretary,",
                            salutation_cy="Annwyl Ysgrifennydd y Cabinet,",
                            body_en="\n\n".join([LETTER_PARAGRAPH] * (4 + number % 4)),
                            body_cy="\n\n".join([LETTER_PARAGRAPH_CY] * (4 + number % 4)),
                            closing_en="Yours sincerely,",
                            closing_cy="Yn gywir,",
                            saved_by=who,
                            saved_at=when,
                        ),
                        when,
                        who,
                    )
                )
        versions = self.create(LetterVersion, versions)
        latest = {}
        for v in versions:
            latest[v.letter_id] = v
        published = [lt for lt in self.letter_list if lt.status == Letter.Status.PUBLISHED]
        # An issued letter keeps the PDFs it went out with: one small real PDF per language.
        folder = self.media / "letters" / "issued"
        folder.mkdir(parents=True, exist_ok=True)
        for letter in published:
            letter.approved_version = latest[letter.pk]
            for language in ("en", "cy"):
                name = f"letters/issued/bench-{letter.pk}-{language}.pdf"
                (self.media / name).write_bytes(small_pdf(f"Letter {letter.pk} ({language})"))
                setattr(letter, f"issued_pdf_{language}", name)
        Letter.objects.bulk_update(
            published, ["approved_version", "issued_pdf_en", "issued_pdf_cy"], batch_size=BATCH
        )
        self.later_history(
            Letter,
            published,
            lambda lt: [
                (lt.approved_at, lt._chair, {"status": Letter.Status.APPROVED}),
                (lt.issued_at, lt.issued_by, {"status": Letter.Status.ISSUED}),
                (lt.published_at, lt.issued_by, {}),
            ],
        )
        comments = []
        for v in versions:
            if v.letter.status == Letter.Status.DRAFT:
                for person in self.members_of[v.letter.group_id][5:7]:
                    comments.append(
                        _dated(
                            LetterComment(
                                letter=v.letter,
                                version=v,
                                person=person,
                                body="Suggest we strengthen the second paragraph.",
                                created_at=v.saved_at + datetime.timedelta(minutes=30),
                            ),
                            v.saved_at + datetime.timedelta(minutes=30),
                            person,
                        )
                    )
        self.create(LetterComment, comments)

    def bench_people(self):
        """Who and what the benchmark visits: group 0, its people, meeting, letters."""
        group = self.group_list[0]
        people = {
            "chair": self._by_role(group, Role.CHAIR)[0],
            "secretariat": self._by_role(group, Role.SECRETARIAT)[0],
            # A member whose only group is this one (some members sit on two groups).
            "member": next(
                p for p in self._by_role(group, Role.MEMBER) if p.pk not in self.second_group
            ),
            "observer": self._by_role(group, Role.OBSERVER)[0],
        }
        held = [
            m
            for m in self.meeting_list
            if m.group_id == group.pk and m.status == Meeting.Status.HELD
        ]
        meeting = held[-1]
        circulation = next(c for c in self.circulation_list if c.meeting_id == meeting.pk)
        letters = [lt for lt in self.letter_list if lt.group_id == group.pk]
        draft = next(lt for lt in letters if lt.status == Letter.Status.DRAFT)
        published = next(lt for lt in letters if lt.status == Letter.Status.PUBLISHED)
        self.made.manifest = {
            "group": group.slug,
            "people": {role: p.email for role, p in people.items()},
            "people_ids": {role: p.pk for role, p in people.items()},
            "password": BENCH_PASSWORD,
            "meeting": meeting.pk,
            "circulation": circulation.pk,
            "draft_letter": draft.pk,
            "published_letter": published.pk,
            "calendar_tokens": {role: issue_calendar_feed(person=p) for role, p in people.items()},
        }
