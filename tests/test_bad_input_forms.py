"""Bad input through every form (issue 7): property-based tests with hypothesis.

Two properties, for each Django form class in the apps:
- at form level, whatever strings arrive (control characters, NUL bytes, right-to-left marks,
  Welsh letters, HTML and script, very long text, numbers and dates out of range, lists where one
  value is expected, odd files), `is_valid()` answers and the errors render: nothing raises;
- at view level, the same kind of data posted to the page that uses the form, as the person who
  uses it, in English or Welsh, never answers a server error, and a refusal (the form shown again,
  or a redirect with only an error message) leaves nothing written: no history row anywhere,
  no email queued, no file stored.

Each example runs in a savepoint rolled back afterwards, so an accepted example does not change
the ground for the next one. Every form class in the apps must have a case here
(test_every_form_class_has_a_case).
"""

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django import forms as django_forms
from django.contrib.messages import constants as message_levels
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncg_portal.models import OutgoingMail
from tests.meetings.conftest import held  # noqa: F401 - a fixture, used by name
from tests.meetings.test_uploads import CONTENT_TYPES_XML, MINIMAL_PDF, zip_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ("advice", "meetings", "members", "ncg_portal")

# Kept small so the whole suite stays within its ten minutes in CI; BAD_INPUT_EXAMPLES=5 runs
# five times as many (worth doing by hand after changing a form).
SCALE = int(os.environ.get("BAD_INPUT_EXAMPLES", "1"))
FORM_EXAMPLES = 15 * SCALE
VIEW_EXAMPLES = 5 * SCALE

form_settings = settings(
    max_examples=FORM_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
view_settings = settings(
    max_examples=VIEW_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# --- What arrives -------------------------------------------------------------------------------

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\r\nBcc: evil@example.org",
    "\u202egnp.exe",  # right-to-left override
    "\u200f\u200e\u061c",  # right-to-left and left-to-right marks
    "\ufeff",
    "\u2028\u2029\x85\x0b\x0c",  # line and paragraph separators
    "ŵ ŷ Ŵ Ŷ â ê î ô û",
    "Grŵp Cydlyniant Cenedlaethol",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ request }}{% debug %}",
    "%s %n %(x)s {0}",
    "'; DROP TABLE members_person; --",
    "\U0001f600\U0001f469\u200d\U0001f4bb",
    "9" * 40,
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "-inf",
    "١٢٣",  # Arabic-Indic digits: int() reads them
    "²",
    "2025-02-30",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "24:00",
    "23:59:60",
    "99999999999999999999999",
    "https://exa mple.org",
    "mailto:x",
    "a@b",
    "owen@example.org",
    "owen@example.org\r\nBcc: evil@example.org",
    "on",
    "true",
]

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
control_text = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from("\u202e\u200f\x7f\x85"),
    max_size=8,
)
# Long text, made when drawn (so that hypothesis's reports stay short).
long_text = st.builds(
    lambda char, count: char * count,
    st.sampled_from("xéŵ\u202e"),
    st.sampled_from([301, 2001, 100_000]),
)
nasty_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    long_text,
    any_text,
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY_STRINGS), any_text),
    st.builds(lambda a, b, c: a + b + c, any_text, control_text, any_text),
)
dates = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).map(str)
near_dates = st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(str)
times = st.times().map(lambda t: t.strftime("%H:%M" if t.second % 2 else "%H:%M:%S"))


def _file_names():
    return st.one_of(
        st.sampled_from(
            [
                "paper.pdf",
                "paper.docx",
                "notes.txt",
                "../../etc/passwd",
                "../../etc/passwd.pdf",
                "a\\b.pdf",
                "evil\u202efdp.exe",
                "report\u202etxt.pdf",
                "nul\x00.pdf",
                "line\r\nbreak.pdf",
                ".pdf",
                "ŵŷ.txt",
                "signature.png",
            ]
        ),
        st.builds(lambda stem, ext: stem + ext, any_text, st.sampled_from(["", ".pdf", ".txt"])),
    )


def _file_contents():
    return st.one_of(
        st.sampled_from(
            [
                b"",
                MINIMAL_PDF,
                b"%PDF-1.4\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>\n%%EOF",
                "Papur ŵ ŷ\n".encode(),
                b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                zip_bytes([("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", b"")]),
                b"MZ\x90\x00",
            ]
        ),
        st.binary(max_size=200),
    )


def _upload(name, content):
    """An uploaded file as a browser would send it (Django itself refuses some names outright,
    as its multipart parser does)."""
    try:
        return SimpleUploadedFile(name, content, "application/octet-stream")
    except SuspiciousFileOperation:
        return SimpleUploadedFile("upload.bin", content, "application/octet-stream")


uploaded_files = st.builds(_upload, _file_names(), _file_contents())


def value_strategy(form_field):
    """Values for one form field: plausible ones (so the paths that accept run too) and nasty
    ones, single or repeated."""
    plausible = _plausible(form_field)
    single = st.one_of(plausible, nasty_text) if plausible is not None else nasty_text
    if isinstance(form_field, django_forms.FileField):
        return st.one_of(uploaded_files, nasty_text)
    if isinstance(
        form_field, (django_forms.MultipleChoiceField, django_forms.ModelMultipleChoiceField)
    ):
        return st.lists(single, max_size=4)
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


def _pks(form_field):
    return [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)[:20]]


def _plausible(form_field):
    f = form_field
    if isinstance(f, (django_forms.ModelChoiceField, django_forms.ModelMultipleChoiceField)):
        pks = _pks(f) or ["1"]
        return st.sampled_from(pks + ["0", "999999", "-1", "1.0", "01"])
    if isinstance(f, django_forms.ChoiceField):
        values = [
            str(value) for value, _label in f.choices if not isinstance(_label, (list, tuple))
        ]
        return st.sampled_from(values or [""])
    if isinstance(f, django_forms.BooleanField):
        return st.sampled_from(["on", "true", "false", "0", "1", ""])
    if isinstance(f, django_forms.DateField):
        return st.one_of(near_dates, dates)
    if isinstance(f, django_forms.TimeField):
        return times
    if isinstance(f, django_forms.IntegerField):
        return st.integers(-(10**20), 10**20).map(str)
    if isinstance(f, django_forms.EmailField):
        return st.one_of(
            st.emails(), st.sampled_from(["new.person@example.org", "Owen@Example.org"])
        )
    if isinstance(f, django_forms.URLField):
        return st.sampled_from(
            ["https://meet.example.org/ncg", "javascript:alert(1)", "http://[::1", "ftp://x"]
        )
    if isinstance(f, django_forms.CharField):
        limit = f.max_length or 2000
        return st.one_of(
            st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30),
            st.integers(max(limit - 2, 0), limit + 2).map(lambda n: "ŵ" * n),
        )
    return None


def form_data(fields, extra_fields=()):
    """A dict of field name -> value (a string, a list of strings or a file). Half the time
    anything at all: fields missing, repeated, unknown ones added. Otherwise every field valid
    for its type, with hostile text in the text fields, so the paths that accept run too."""
    strategies = {name: value_strategy(f) for name, f in fields.items()}
    for name, chosen in dict(extra_fields).items():
        strategies[name] = chosen
    junk = st.dictionaries(
        st.sampled_from(["csrfmiddlewaretoken", "__proto__", "x\x00", "ŵ", "step", "action"]),
        nasty_text,
        max_size=2,
    )
    anything = st.builds(
        lambda chosen, more: {**more, **chosen},
        st.fixed_dictionaries({}, optional=strategies),
        junk,
    )
    valid = {name: _valid(f) for name, f in fields.items()}
    plausible = st.fixed_dictionaries(
        {name: s for name, s in valid.items() if fields[name].required},
        optional={name: s for name, s in valid.items() if not fields[name].required},
    )
    return st.one_of(anything, plausible)


def _valid_text(form_field):
    """Hostile text a text field takes: no NUL, within its length, not blank when required."""
    limit = form_field.max_length or 5000

    def fit(text):
        text = text.replace("\x00", "")[:limit]
        if form_field.required and not text.strip():
            text = "ŵ" + text[: limit - 1]
        return text

    return nasty_text.map(fit)


def _limits(form_field):
    low, high = -(10**6), 10**6
    for validator in form_field.validators:
        if hasattr(validator, "limit_value") and isinstance(validator.limit_value, int):
            if "min" in type(validator).__name__.lower():
                low = validator.limit_value
            elif "max" in type(validator).__name__.lower():
                high = validator.limit_value
    return low, high


def _valid(form_field):
    f = form_field
    if isinstance(f, django_forms.ImageField):
        return st.just(_png())
    if isinstance(f, django_forms.FileField):
        return st.builds(
            _upload, _file_names(), st.sampled_from([MINIMAL_PDF, "Papur ŵ\n".encode()])
        )
    if isinstance(f, django_forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(_pks(f) or ["0"]), max_size=3, unique=True)
    if isinstance(f, django_forms.ModelChoiceField):
        return st.sampled_from(_pks(f) or [""])
    if isinstance(f, django_forms.ChoiceField):
        values = [str(v) for v, label in f.choices if v != "" and not isinstance(label, list)]
        return st.sampled_from(values or [""])
    if isinstance(f, django_forms.BooleanField):
        return st.just("on")
    if isinstance(f, django_forms.DateField):
        return near_dates
    if isinstance(f, django_forms.TimeField):
        return times
    if isinstance(f, django_forms.IntegerField):
        return st.integers(*_limits(f)).map(str)
    if isinstance(f, django_forms.EmailField):
        return st.sampled_from(["new.person@example.org", "ŵyn@example.org", "o'neil@example.org"])
    if isinstance(f, django_forms.URLField):
        return st.just("https://meet.example.org/ncg")
    if isinstance(f, django_forms.CharField):
        return _valid_text(f)
    return nasty_text


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "white").save(buffer, "PNG")
    return SimpleUploadedFile("signature.png", buffer.getvalue(), "image/png")


def split_files(data):
    values, files = {}, {}
    for name, value in data.items():
        (files if isinstance(value, SimpleUploadedFile) else values)[name] = value
    return values, files


def as_multivalue(values):
    return MultiValueDict(
        {name: value if isinstance(value, list) else [value] for name, value in values.items()}
    )


def rewound(files):
    for upload in files.values():
        upload.seek(0)
    return files


# --- The ground: a group with something of everything ------------------------------------------


class World:
    """What the forms need, made when first asked for."""

    def __init__(self, request):
        self.request = request
        self._cache = {}

    def fixture(self, name):
        return self.request.getfixturevalue(name)

    def __getattr__(self, name):
        if name.startswith("_") or name in ("request",):
            raise AttributeError(name)
        if name not in self._cache:
            maker = getattr(type(self), f"make_{name}", None)
            self._cache[name] = maker(self) if maker else self.fixture(name)
        return self._cache[name]

    # Meetings
    def make_future(self):
        from meetings.models import Meeting

        starts = timezone.now() + datetime.timedelta(days=20)
        return Meeting.objects.create(
            group=self.ncg,
            title_en="Spring meeting",
            title_cy="Cyfarfod y gwanwyn",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/ncg",
            status=Meeting.Status.CONFIRMED,
        )

    def make_started(self):
        """A confirmed meeting under way, for recording attendance."""
        from meetings.models import Attendance, Meeting

        starts = timezone.now() - datetime.timedelta(hours=1)
        meeting = Meeting.objects.create(
            group=self.ncg,
            title_en="Meeting now",
            title_cy="Cyfarfod nawr",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/now",
            status=Meeting.Status.CONFIRMED,
        )
        for person in (self.member, self.chair, self.welsh_member):
            Attendance.objects.create(meeting=meeting, person=person)
        return meeting

    def make_paper(self):
        return self.held.papers.first()

    def make_minutes(self):
        """Draft minutes of the held meeting, shared with members for comment."""
        from meetings import minutes

        record = minutes.start_minutes(meeting=self.held, started_by=self.secretariat)
        minutes.share_minutes(minutes=record, shared_by=self.secretariat, notify=False)
        return record

    def make_approved_minutes(self):
        from meetings import minutes

        record = self.minutes
        minutes.approve_minutes(minutes=record, approved_by=self.chair, notify=False)
        record.refresh_from_db()
        return record

    def make_circulation(self):
        from meetings import written_procedure as wp

        circulation = wp.start_circulation(
            group=self.ncg,
            created_by=self.secretariat,
            subject_en="Papers for comment",
            subject_cy="Papurau i roi sylwadau",
            message_en="Please comment.",
            message_cy="Rhowch sylwadau.",
            deadline=timezone.now() + datetime.timedelta(days=7),
            papers=[self.paper],
            questions=[
                ("Do you agree?", "Ydych chi'n cytuno?", True),
                ("Anything else?", "", False),
            ],
        )
        wp.open_circulation(circulation=circulation, opened_by=self.secretariat)
        circulation.refresh_from_db()
        return circulation

    # Letters
    def make_letter(self):
        from advice import services

        return services.create_letter(
            group=self.ncg,
            created_by=self.secretariat,
            texts={
                "title_en": "Advice on data",
                "salutation_en": "Dear Cabinet Secretary,",
                "body_en": "The Group met.",
                "closing_en": "Yours sincerely,",
            },
        )

    def make_letter_in_review(self):
        from advice import services

        letter = self.letter
        services.send_for_review(letter=letter, sent_by=self.secretariat, notify=False)
        letter.refresh_from_db()
        return letter

    def make_approved_letter(self):
        from advice import services

        letter = self.letter_in_review
        services.approve_letter(letter=letter, approved_by=self.chair)
        letter.refresh_from_db()
        return letter

    # Members
    def make_membership(self):
        return self.member.memberships.get(group=self.ncg)

    def make_invitation_token(self):
        """An invitation whose link has not been used (the token exists only in the email)."""
        from members import services
        from members.models import Role

        services.invite_person(
            group=self.ncg,
            invited_by=self.secretariat,
            email="newcomer@example.org",
            full_name="Nia Newcomer",
            role=Role.MEMBER,
        )
        mail = OutgoingMail.objects.filter(kind="invitation").latest("pk")
        return re.search(r"/invitation/([^/\s]+)/", mail.body_text)[1]

    def make_clients(self):
        return {}

    def client(self, who):
        if who not in self.clients:
            client = Client()
            if who is not None:
                client.force_login(getattr(self, who))
            self.clients[who] = client
        return self.clients[who]


@pytest.fixture
def world(request, ncg, member, welsh_member, observer, chair, secretariat, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(request)


# --- Form level ---------------------------------------------------------------------------------


@dataclass
class FormCase:
    form: str  # dotted path of the class
    kwargs: object = None  # world -> the form's keyword arguments


def _entries(w):
    return list(w.minutes.entries.select_related("agenda_item"))


FORM_CASES = {
    "advice.forms.LetterForm": FormCase(
        "advice.forms.LetterForm", lambda w: {"group": w.ncg, "has_signature": True}
    ),
    "advice.forms.LetterCommentForm": FormCase("advice.forms.LetterCommentForm"),
    "advice.forms.ApproveLetterForm": FormCase(
        "advice.forms.ApproveLetterForm", lambda w: {"user": w.chair}
    ),
    "advice.forms.IssueLetterForm": FormCase("advice.forms.IssueLetterForm"),
    "meetings.minutes_forms.MinutesForm": FormCase(
        "meetings.minutes_forms.MinutesForm", lambda w: {"entries": _entries(w)}
    ),
    "meetings.minutes_forms.MinutesCommentForm": FormCase(
        "meetings.minutes_forms.MinutesCommentForm", lambda w: {"meeting": w.held}
    ),
    "meetings.minutes_forms.ApproveMinutesForm": FormCase(
        "meetings.minutes_forms.ApproveMinutesForm"
    ),
    "meetings.minutes_forms.MinutesCorrectionForm": FormCase(
        "meetings.minutes_forms.MinutesCorrectionForm", lambda w: {"entries": _entries(w)}
    ),
    "meetings.circulation_forms.CirculationForm": FormCase(
        "meetings.circulation_forms.CirculationForm",
        lambda w: {"group": w.ncg, "recipients": _people(w), "papers": w.ncg.papers.all()},
    ),
    "meetings.circulation_forms.ResponseForm": FormCase(
        "meetings.circulation_forms.ResponseForm",
        lambda w: {"circulation": w.circulation, "existing": []},
    ),
    "meetings.forms.MeetingForm": FormCase("meetings.forms.MeetingForm"),
    "meetings.forms.RsvpForm": FormCase("meetings.forms.RsvpForm", lambda w: {"meeting": w.future}),
    "meetings.forms.CancelMeetingForm": FormCase("meetings.forms.CancelMeetingForm"),
    "meetings.forms.AttendanceForm": FormCase(
        "meetings.forms.AttendanceForm",
        lambda w: {"attendances": list(w.held.attendances.select_related("person"))},
    ),
    "meetings.forms.PlanForm": FormCase("meetings.forms.PlanForm"),
    "meetings.forms.AgendaItemForm": FormCase(
        "meetings.forms.AgendaItemForm", lambda w: {"group": w.ncg}
    ),
    "meetings.forms.PaperForm": FormCase("meetings.forms.PaperForm", lambda w: {"meeting": w.held}),
    "meetings.forms.PaperVersionForm": FormCase("meetings.forms.PaperVersionForm"),
    "meetings.forms.WithdrawPaperForm": FormCase("meetings.forms.WithdrawPaperForm"),
    "meetings.forms.DeclarationForm": FormCase(
        "meetings.forms.DeclarationForm", lambda w: {"meeting": w.held}
    ),
    "meetings.forms.ActionForm": FormCase("meetings.forms.ActionForm", lambda w: {"group": w.ncg}),
    "meetings.forms.AttendanceRatesForm": FormCase("meetings.forms.AttendanceRatesForm"),
    "meetings.forms.SendPapersForm": FormCase(
        "meetings.forms.SendPapersForm", lambda w: {"meeting": w.held}
    ),
    "meetings.forms.WrittenProcedureForm": FormCase("meetings.forms.WrittenProcedureForm"),
    "members.forms.InvitationForm": FormCase(
        "members.forms.InvitationForm", lambda w: {"group": w.ncg}
    ),
    "members.forms.MembershipForm": FormCase(
        "members.forms.MembershipForm", lambda w: {"instance": w.membership}
    ),
    "members.forms.EndMembershipForm": FormCase(
        "members.forms.EndMembershipForm", lambda w: {"membership": w.membership}
    ),
    "members.forms.ProfileForm": FormCase(
        "members.forms.ProfileForm", lambda w: {"instance": w.member}
    ),
    "members.forms.SetPasswordForm": FormCase(
        "members.forms.SetPasswordForm", lambda w: {"person": w.member}
    ),
    "members.forms.GroupSettingsForm": FormCase(
        "members.forms.GroupSettingsForm", lambda w: {"has_logo": True}
    ),
    "members.forms.CloseGroupForm": FormCase("members.forms.CloseGroupForm"),
    "members.forms.DeactivateForm": FormCase("members.forms.DeactivateForm"),
    "ncg_portal.audit_views.AuditFilterForm": FormCase(
        "ncg_portal.audit_views.AuditFilterForm", lambda w: {"group": w.ncg}
    ),
}


def _people(w):
    from members.models import Person

    return Person.objects.filter(memberships__group=w.ncg).distinct().order_by("full_name")


def _form_class(path):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_form_class_has_a_case():
    """A new form must come with its case here (and in VIEW_CASES below)."""
    found = set()
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for name in re.findall(r"^class (\w+Form)\(", path.read_text("utf-8"), re.M):
                found.add(f"{module}.{name}")
    assert found == set(FORM_CASES), found ^ set(FORM_CASES)
    assert set(FORM_CASES) == {case.form for case in VIEW_CASES.values()}


@pytest.mark.parametrize("path", sorted(FORM_CASES))
def test_no_form_raises_on_any_input(path, world):
    case = FORM_CASES[path]
    form_class = _form_class(path)
    kwargs = case.kwargs(world) if case.kwargs else {}
    fields = form_class(**kwargs).fields

    @form_settings
    @given(data=form_data(fields))
    def check(data):
        values, files = split_files(data)
        with transaction.atomic():
            form = form_class(
                as_multivalue(values),
                MultiValueDict({k: [v] for k, v in rewound(files).items()}),
                **kwargs,
            )
            with _request_context(world):
                valid = form.is_valid()
            # What the page would show: every error as text, and the bound fields' values.
            str(form.errors)
            for bound in form:
                bound.value()
            if not valid:
                assert form.errors
            transaction.set_rollback(True)

    check()


def _request_context(world):
    """allauth's forms read the request from its context (rate limits)."""
    from allauth.core import context
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = world.chair
    request.session = world.client("chair").session
    return context.request_context(request)


# --- View level ---------------------------------------------------------------------------------


@dataclass
class ViewCase:
    form: str
    who: str | None
    url: object  # world -> path, without the language prefix
    kwargs: object = None  # world -> the form's keyword arguments, to know its fields
    extra_fields: dict = None  # what the view reads besides the form's fields: name -> values
    method: str = "post"
    prepare: object = None  # world -> None: what the page itself would write on a first visit


VIEW_CASES = {
    "letter new": ViewCase(
        "advice.forms.LetterForm",
        "chair",
        lambda w: "/g/ncg/letters/new/",
        kwargs=lambda w: {"group": w.ncg},
    ),
    "letter edit": ViewCase(
        "advice.forms.LetterForm",
        "secretariat",
        lambda w: f"/g/ncg/letters/{w.letter.pk}/edit/",
        kwargs=lambda w: {"group": w.ncg, "has_signature": True},
    ),
    "letter comment": ViewCase(
        "advice.forms.LetterCommentForm",
        "member",
        lambda w: f"/g/ncg/letters/{w.letter_in_review.pk}/comment/",
    ),
    "letter approve": ViewCase(
        "advice.forms.ApproveLetterForm",
        "chair",
        lambda w: f"/g/ncg/letters/{w.letter_in_review.pk}/approve/",
        kwargs=lambda w: {"user": w.chair},
    ),
    "letter issue": ViewCase(
        "advice.forms.IssueLetterForm",
        "secretariat",
        lambda w: f"/g/ncg/letters/{w.approved_letter.pk}/issue/",
    ),
    "minutes edit": ViewCase(
        "meetings.minutes_forms.MinutesForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.minutes.meeting_id}/minutes/edit/",
        kwargs=lambda w: {"entries": _entries(w)},
    ),
    "minutes comment": ViewCase(
        "meetings.minutes_forms.MinutesCommentForm",
        "member",
        lambda w: f"/g/ncg/meetings/{w.minutes.meeting_id}/minutes/comment/",
        kwargs=lambda w: {"meeting": w.held},
    ),
    "minutes approve": ViewCase(
        "meetings.minutes_forms.ApproveMinutesForm",
        "chair",
        lambda w: f"/g/ncg/meetings/{w.minutes.meeting_id}/minutes/approve/",
    ),
    "minutes correct": ViewCase(
        "meetings.minutes_forms.MinutesCorrectionForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.approved_minutes.meeting_id}/minutes/correct/",
        kwargs=lambda w: {"entries": _entries(w)},
    ),
    "circulation new": ViewCase(
        "meetings.circulation_forms.CirculationForm",
        "secretariat",
        lambda w: "/g/ncg/circulations/new/",
        kwargs=lambda w: {"group": w.ncg, "recipients": _people(w), "papers": w.ncg.papers.all()},
    ),
    "circulation response": ViewCase(
        "meetings.circulation_forms.ResponseForm",
        "member",
        lambda w: f"/g/ncg/circulations/{w.circulation.pk}/",
        kwargs=lambda w: {"circulation": w.circulation, "existing": []},
    ),
    "meeting add": ViewCase(
        "meetings.forms.MeetingForm", "secretariat", lambda w: "/g/ncg/meetings/add/"
    ),
    "meeting edit": ViewCase(
        "meetings.forms.MeetingForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.future.pk}/edit/",
    ),
    "rsvp": ViewCase(
        "meetings.forms.RsvpForm",
        "member",
        lambda w: f"/g/ncg/meetings/{w.future.pk}/rsvp/",
        kwargs=lambda w: {"meeting": w.future},
    ),
    "meeting cancel": ViewCase(
        "meetings.forms.CancelMeetingForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.future.pk}/cancel/",
    ),
    "attendance": ViewCase(
        "meetings.forms.AttendanceForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.started.pk}/attendance/",
        kwargs=lambda w: {"attendances": list(w.started.attendances.select_related("person"))},
    ),
    "plan": ViewCase(
        "meetings.forms.PlanForm",
        "secretariat",
        lambda w: "/g/ncg/meetings/plan/",
        extra_fields={
            "step": st.just("confirm") | nasty_text,
            "keep_0": st.just("on") | nasty_text,
            "date_0": near_dates | nasty_text,
            "keep_1": st.just("on") | nasty_text,
            "date_1": dates | nasty_text,
        },
        prepare=lambda w: _default_terms(),
    ),
    "agenda": ViewCase(
        "meetings.forms.AgendaItemForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.future.pk}/agenda/",
        kwargs=lambda w: {"group": w.ncg},
        extra_fields={
            "action": st.sampled_from(["add", "up", "down", "remove"]) | nasty_text,
            "item": st.integers(0, 10**25).map(str) | nasty_text,
        },
    ),
    "paper add": ViewCase(
        "meetings.forms.PaperForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.held.pk}/papers/add/",
        kwargs=lambda w: {"meeting": w.held},
    ),
    "paper version": ViewCase(
        "meetings.forms.PaperVersionForm",
        "secretariat",
        lambda w: f"/g/ncg/papers/{w.paper.pk}/versions/add/",
    ),
    "paper withdraw": ViewCase(
        "meetings.forms.WithdrawPaperForm",
        "secretariat",
        lambda w: f"/g/ncg/papers/{w.paper.pk}/withdraw/",
    ),
    "declare": ViewCase(
        "meetings.forms.DeclarationForm",
        "member",
        lambda w: f"/g/ncg/meetings/{w.held.pk}/declare/",
        kwargs=lambda w: {"meeting": w.held},
    ),
    "action": ViewCase(
        "meetings.forms.ActionForm",
        "secretariat",
        lambda w: "/g/ncg/actions/",
        kwargs=lambda w: {"group": w.ncg},
    ),
    "attendance rates": ViewCase(
        "meetings.forms.AttendanceRatesForm", "chair", lambda w: "/g/ncg/attendance/", method="get"
    ),
    "papers send": ViewCase(
        "meetings.forms.SendPapersForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.held.pk}/papers/send/",
        kwargs=lambda w: {"meeting": w.held},
    ),
    "written procedure": ViewCase(
        "meetings.forms.WrittenProcedureForm",
        "secretariat",
        lambda w: f"/g/ncg/meetings/{w.future.pk}/written-procedure/",
    ),
    "invite": ViewCase(
        "members.forms.InvitationForm",
        "secretariat",
        lambda w: "/g/ncg/members/invite/",
        kwargs=lambda w: {"group": w.ncg},
    ),
    "membership edit": ViewCase(
        "members.forms.MembershipForm",
        "secretariat",
        lambda w: f"/g/ncg/members/{w.membership.pk}/edit/",
        kwargs=lambda w: {"instance": w.membership},
    ),
    "membership end": ViewCase(
        "members.forms.EndMembershipForm",
        "secretariat",
        lambda w: f"/g/ncg/members/{w.membership.pk}/end/",
        kwargs=lambda w: {"membership": w.membership},
    ),
    "profile": ViewCase(
        "members.forms.ProfileForm",
        "member",
        lambda w: "/profile/edit/",
        kwargs=lambda w: {"instance": w.member},
    ),
    "accept invitation": ViewCase(
        "members.forms.SetPasswordForm",
        None,
        lambda w: f"/invitation/{w.invitation_token}/",
        kwargs=lambda w: {"person": w.member},
    ),
    "group settings": ViewCase(
        "members.forms.GroupSettingsForm", "secretariat", lambda w: "/g/ncg/settings/"
    ),
    "close group": ViewCase(
        "members.forms.CloseGroupForm", "secretariat", lambda w: "/g/ncg/close/"
    ),
    "deactivate": ViewCase(
        "members.forms.DeactivateForm",
        "secretariat",
        lambda w: f"/g/ncg/people/{w.member.pk}/",
    ),
    "audit log": ViewCase(
        "ncg_portal.audit_views.AuditFilterForm",
        "secretariat",
        lambda w: "/g/ncg/audit/",
        kwargs=lambda w: {"group": w.ncg},
        method="get",
        extra_fields={
            "page": st.sampled_from(["1", "2", "last", "0", "-1", "99999999999"]) | nasty_text
        },
    ),
}


def _default_terms():
    from meetings.planning import ensure_default_terms

    ensure_default_terms()


def history_rows():
    """How many history rows there are, across every simple-history table, in one query (the
    sum tests/test_closing.py's _history_rows makes one table at a time)."""
    from django.apps import apps
    from django.db import connection
    from simple_history.models import HistoricalChanges

    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if issubclass(model, HistoricalChanges)
    )
    quote = connection.ops.quote_name
    sql = " + ".join(f"(SELECT count(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        return cursor.fetchone()[0]


def _stored_files(world):
    root = Path(world.request.getfixturevalue("settings").MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _outcome(response):
    """ "refused" (the form shown again, or a redirect with only errors), "accepted" or "read"."""
    if response.status_code in (200, 400, 409) and response.request["REQUEST_METHOD"] == "POST":
        return "refused"
    if response.status_code in (301, 302, 303):
        levels = {m.level for m in response.wsgi_request._messages}
        if levels and levels <= {message_levels.ERROR}:
            return "refused"
        return "accepted"
    return "other"


@pytest.mark.parametrize("name", sorted(VIEW_CASES))
def test_no_page_fails_on_any_input_and_a_refusal_writes_nothing(name, world):
    case = VIEW_CASES[name]
    url = case.url(world)
    form_class = _form_class(case.form)
    fields = form_class(**(case.kwargs(world) if case.kwargs else {})).fields
    client = world.client(case.who)
    if case.prepare:
        case.prepare(world)

    @view_settings
    @given(data=form_data(fields, case.extra_fields or {}), language=st.sampled_from(["en", "cy"]))
    def check(data, language):
        values, files = split_files(data)
        with transaction.atomic():
            history, mails = history_rows(), OutgoingMail.objects.count()
            stored = _stored_files(world)
            if case.method == "get":
                response = client.get(f"/{language}{url}", values)
            else:
                response = client.post(f"/{language}{url}", {**values, **rewound(files)})
            assert response.status_code < 500, response.status_code
            if _outcome(response) == "refused":
                assert history_rows() == history, "a refused form wrote history"
                assert OutgoingMail.objects.count() == mails, "a refused form queued email"
                assert _stored_files(world) == stored, "a refused form stored a file"
            transaction.set_rollback(True)

    check()


# --- Ids that are not numbers: a tampered form or link answers 404, not a server error ----------


def test_moving_an_agenda_item_that_is_not_a_number_is_refused(world):
    response = world.client("secretariat").post(
        f"/en/g/ncg/meetings/{world.future.pk}/agenda/", {"action": "remove", "item": "abc"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("how", ["get", "post"])
def test_a_new_circulation_for_a_meeting_that_is_not_a_number_is_refused(world, how):
    client = world.client("secretariat")
    if how == "get":
        response = client.get("/en/g/ncg/circulations/new/", {"meeting": "1.5"})
    else:
        response = client.post("/en/g/ncg/circulations/new/", {"meeting": "abc"})
    assert response.status_code == 404
