"""Demo content for the NCG's meetings, as the seeds tell them (shared/seeds/000 and 001).

`seed_meeting_content(group)` gives each held meeting an agenda, papers (real PDFs), actions,
perhaps a declaration of interest, and minutes written, shared and approved through the real
services; the upcoming confirmed meeting gets an agenda and one paper. Meetings that already have
an agenda are left alone, so running it again changes nothing.
"""

import datetime
import re
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format

from members.models import Person, Role
from ncg_portal.audit import with_reason

from . import minutes as minutes_services
from . import services, uploads
from .demo_meeting_content import CHAIR, MEETINGS, PAPERS, UPCOMING_ITEMS, WELCOME
from .models import Action, Attendance, Meeting, Paper

REASON = "Demo data"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def seed_meeting_content(group):
    """Fill in the group's held meetings and its next confirmed meeting; skip any with an agenda."""
    with transaction.atomic():
        people = {p.email.split("@")[0]: p for p in Person.objects.filter(memberships__group=group)}
        chair = group.memberships.current().filter(role=Role.CHAIR).first()
        secretary = group.memberships.current().filter(role=Role.SECRETARIAT).first()
        if chair is None or secretary is None:
            return
        ctx = {"group": group, "people": people, "chair": chair.person}
        ctx["secretary"] = secretary.person
        held = list(group.meetings.filter(status=Meeting.Status.HELD).order_by("starts_at"))
        upcoming = (
            group.meetings.filter(status=Meeting.Status.CONFIRMED, starts_at__gt=timezone.now())
            .order_by("starts_at")
            .first()
        )
        for index, meeting in enumerate(held):
            content = MEETINGS.get(_day(meeting))
            if content is None or meeting.agenda_items.exists() or hasattr(meeting, "minutes"):
                continue
            previous = held[index - 1] if index else None
            following = held[index + 1] if index + 1 < len(held) else upcoming
            _seed_held(ctx, meeting, content, previous=previous, following=following)
        if upcoming is not None and not upcoming.agenda_items.exists():
            previous = held[-1] if held else None
            _add_agenda(ctx, upcoming, UPCOMING_ITEMS, previous=previous, held=False)


def _day(meeting):
    return timezone.localtime(meeting.starts_at, LONDON).date()


def _at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


def _long_date(day, language):
    with translation.override(language):
        return date_format(day, "j F Y")


def _seed_held(ctx, meeting, content, *, previous, following):
    day = _day(meeting)
    items = _add_agenda(
        ctx, meeting, content["items"], previous=previous, held=True, welcome=content.get("welcome")
    )
    declaration = content.get("declaration")
    if declaration:
        who, number, interest, _, _ = declaration
        services.declare_interest(
            meeting=meeting,
            person=ctx["people"][who],
            interest=interest,
            agenda_item=items[number - 1][0],
        )
    for who, description, due_days, done_days in content["actions"]:
        due_on = _due_on(day, due_days, following)
        action = services.add_action(
            group=ctx["group"],
            description=description,
            owner=ctx["people"][who],
            due_on=due_on,
            meeting=meeting,
        )
        if done_days is not None:
            action = services.update_action_status(
                action=action, status=Action.Status.DONE, reason="Action completed"
            )
            action.completed_on = day + datetime.timedelta(days=done_days)
            with_reason(action, REASON).save(update_fields=["completed_on"])

    discussions = {
        item.pk: _routine_discussion(discussion, meeting, content, previous=previous)
        if isinstance(discussion, str)
        else discussion
        for item, discussion in items
    }
    minutes = minutes_services.start_minutes(meeting=meeting, started_by=ctx["secretary"])
    minutes = minutes_services.save_minutes(
        minutes=minutes, discussions=discussions, reason="Minutes written"
    )
    # Past minutes: recorded as shared and approved, without emailing anyone today.
    minutes = minutes_services.share_minutes(
        minutes=minutes, shared_by=ctx["secretary"], notify=False
    )
    minutes = minutes_services.approve_minutes(
        minutes=minutes, approved_by=ctx["chair"], notify=False
    )
    # Approved when the Group next met (or a fortnight later): date the approval as it was, then
    # freeze the record again so that it says so.
    minutes.shared_at = _at(day + datetime.timedelta(days=10), 9)
    minutes.approved_at = (
        following.starts_at
        if following is not None and following.starts_at < timezone.now()
        else _at(day + datetime.timedelta(days=14), 12)
    )
    minutes.record = {
        language: minutes_services.minutes_record(minutes, language)
        for language in minutes_services.LANGUAGES
    }
    with_reason(minutes, REASON).save(update_fields=["shared_at", "approved_at", "record"])


def _due_on(day, due_days, following):
    if due_days is not None:
        return day + datetime.timedelta(days=due_days)
    if following is not None:
        return _day(following) - datetime.timedelta(days=7)
    return day + datetime.timedelta(days=120)


def _add_agenda(ctx, meeting, items, *, previous, held, welcome=None):
    """Add the agenda items and their papers; return [(item, (discussion en, cy))], where the
    discussion of the routine items is their name ("welcome", "minutes"), to be written later."""
    group = ctx["group"]
    workstreams = {w.number: w for w in group.workstreams.all()}
    clock = _at(_day(meeting), 10)
    added = []
    for spec in items:
        routine = spec if isinstance(spec, str) else None
        if spec == "welcome":
            title_en, title_cy = (welcome or WELCOME)[:2]
            spec = (title_en, title_cy, CHAIR, None, 10, "", "", None)
        elif spec == "minutes":
            if previous is None:
                continue
            spec = (
                f"Minutes and actions of the meeting of {_long_date(_day(previous), 'en')}",
                f"Cofnodion a chamau gweithredu cyfarfod {_long_date(_day(previous), 'cy')}",
                CHAIR,
                None,
                10,
                "",
                "",
                None,
            )
        title_en, title_cy, presenter, number, length, *rest = spec
        discussion_en, discussion_cy, paper_key = (*rest, "", "", None)[:3]
        item = services.add_agenda_item(
            meeting=meeting,
            title_en=title_en,
            title_cy=title_cy,
            presenter=presenter,
            workstream=workstreams.get(number),
            starts_at=clock.time(),
            minutes=length,
        )
        clock += datetime.timedelta(minutes=length)
        if paper_key:
            _add_paper(ctx, meeting, item, paper_key, workstreams, held=held)
        added.append((item, routine or (discussion_en, discussion_cy)))
    return added


def _routine_discussion(routine, meeting, content, *, previous):
    """What the minutes say under the welcome item and under the last meeting's minutes."""
    if routine == "welcome":
        lead_en, lead_cy = content.get("welcome", WELCOME)[2:]
        apologies = [
            a.person.display_name
            for a in meeting.attendances.filter(response=Attendance.Response.APOLOGIES)
            .select_related("person")
            .order_by("person__full_name")
        ]
        if apologies:
            names = ", ".join(apologies)
            lead_en += f" Apologies were received from {names}."
            lead_cy += f" Cafwyd ymddiheuriadau gan {names}."
        else:
            lead_en += " There were no apologies."
            lead_cy += " Ni chafwyd unrhyw ymddiheuriadau."
        declaration = content.get("declaration")
        if declaration:
            return (f"{lead_en} {declaration[3]}", f"{lead_cy} {declaration[4]}")
        return (
            f"{lead_en} No interests were declared.",
            f"{lead_cy} Ni ddatganwyd unrhyw fuddiant.",
        )
    actions = list(Action.objects.filter(meeting=previous))
    still_open = sum(a.status == Action.Status.OPEN for a in actions)
    date_en, date_cy = _long_date(_day(previous), "en"), _long_date(_day(previous), "cy")
    english = f"The minutes of the meeting of {date_en} were agreed as an accurate record."
    welsh = f"Cytunwyd bod cofnodion cyfarfod {date_cy} yn gofnod cywir."
    if actions and not still_open:
        english += " All the actions from that meeting had been completed."
        welsh += " Roedd pob cam gweithredu o'r cyfarfod hwnnw wedi'i gwblhau."
    elif still_open:
        english += f" The actions were reviewed; {still_open} remain open."
        welsh += f" Adolygwyd y camau gweithredu; mae {still_open} yn dal ar agor."
    return english, welsh


def _next_reference(group, day):
    prefix = f"{group.short_name or 'NCG'}({day:%y})"
    numbers = [
        int(match.group(1))
        for reference in group.papers.filter(reference__startswith=prefix).values_list(
            "reference", flat=True
        )
        if (match := re.fullmatch(re.escape(prefix) + r"(\d+)", reference))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _add_paper(ctx, meeting, item, key, workstreams, *, held):
    from ncg_portal.pdf import render_pdf

    group, paper_data = ctx["group"], PAPERS[key]
    day = _day(meeting)
    reference = _next_reference(group, day)
    # Written a week before the meeting (or today, for a meeting coming up sooner).
    written = _at(min(day - datetime.timedelta(days=7), timezone.localdate()), 12)
    workstream = workstreams.get(paper_data["workstream"])
    pdf = render_pdf(
        "meetings/pdf/demo_paper.html",
        {
            "group": group,
            "paper": paper_data,
            "reference": reference,
            "meeting": meeting,
            "meeting_date": _long_date(day, "en"),
            "written_on": _long_date(written.date(), "en"),
            "item": item,
            "workstream": workstream,
        },
        language="en",
    )
    title_en, title_cy = paper_data["title"]
    paper = uploads.create_paper(
        group=group,
        title_en=title_en,
        title_cy=title_cy,
        reference=reference,
        classification=Paper.Classification.OFFICIAL,
        workstream=workstream,
        meeting=meeting,
        agenda_item=item,
        uploaded_file=SimpleUploadedFile(
            f"{reference} {title_en}.pdf".replace(":", ""), pdf, content_type="application/pdf"
        ),
        created_by=ctx["secretary"],
    )
    if held:
        # Sent to members the day it was written.
        paper.created_at, paper.circulated_at = written, written + datetime.timedelta(hours=2)
        with_reason(paper, REASON).save(update_fields=["created_at", "circulated_at"])
        version = paper.versions.get()
        version.uploaded_at = written
        with_reason(version, REASON).save(update_fields=["uploaded_at"])
    return paper


def seed_circulation(group):
    """One open written procedure, sent (its emails queued) and answered by one member online."""
    from .models import Circulation
    from .written_procedure import open_circulation, save_online_response, start_circulation

    if group.circulations.exists():
        return
    secretary = group.memberships.current().filter(role=Role.SECRETARIAT).first()
    paper = group.papers.filter(meeting__status=Meeting.Status.HELD).order_by("-created_at").first()
    if secretary is None or paper is None:
        return
    with transaction.atomic():
        circulation = start_circulation(
            group=group,
            created_by=secretary.person,
            subject_en="Evaluation of the programme: draft questions",
            subject_cy="Gwerthuso'r rhaglen: cwestiynau drafft",
            message_en=(
                "The Cabinet Secretary has asked the Group to help shape the evaluation of the "
                "School Improvement Partnership Programme. Please tell us whether you agree with "
                "the draft questions, and add anything the evaluation should look at."
            ),
            message_cy=(
                "Mae Ysgrifennydd y Cabinet wedi gofyn i'r Grŵp helpu i lunio'r gwaith o "
                "werthuso Rhaglen Partneriaeth Gwella Ysgolion. Dywedwch wrthym a ydych yn "
                "cytuno â'r cwestiynau drafft, ac ychwanegwch unrhyw beth y dylai'r gwerthusiad "
                "edrych arno."
            ),
            deadline=timezone.now() + datetime.timedelta(days=10),
            papers=[paper],
            questions=[
                (
                    "Do you agree with the draft evaluation questions?",
                    "Ydych chi'n cytuno â'r cwestiynau gwerthuso drafft?",
                    True,
                ),
                (
                    "What else should the evaluation look at?",
                    "Beth arall y dylai'r gwerthusiad edrych arno?",
                    False,
                ),
            ],
        )
        open_circulation(circulation=circulation, opened_by=secretary.person)
        first, second = list(circulation.questions.all())
        answering = circulation.recipients.filter(person__memberships__role=Role.MEMBER).first()
        if answering is not None:
            save_online_response(
                circulation=Circulation.objects.get(pk=circulation.pk),
                person=answering.person,
                answers={
                    first.pk: ("agree_comments", "Yes, with a question on rural schools."),
                    second.pk: ("", "How support reaches small rural schools."),
                },
                paper_comments={},
                general="",
            )
