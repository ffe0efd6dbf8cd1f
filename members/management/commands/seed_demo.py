from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand
from django.db import transaction

from members import demo_content as demo
from members.models import Group, Membership, Organisation, Person, Phase, Workstream


class Command(BaseCommand):
    help = (
        "Create the National Coherence Group demo data. Safe to repeat: adds only what is missing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        group_fields = {k: v for k, v in demo.NCG.items() if k != "slug"}
        group, created = Group.objects.get_or_create(slug=demo.NCG["slug"], defaults=group_fields)
        organisations = {}
        for key, (name_en, name_cy) in demo.ORGANISATIONS.items():
            organisations[key], _ = Organisation.objects.get_or_create(
                name_en=name_en, defaults={"name_cy": name_cy}
            )
        for number, title_en, title_cy in demo.WORKSTREAMS:
            Workstream.objects.get_or_create(
                group=group, number=number, defaults={"title_en": title_en, "title_cy": title_cy}
            )
        for name_en, name_cy, starts_on, ends_on in demo.PHASES:
            Phase.objects.get_or_create(
                group=group,
                name_en=name_en,
                defaults={"name_cy": name_cy, "starts_on": starts_on, "ends_on": ends_on},
            )
        for local, full_name, post_nominals, role, org, pos_en, pos_cy, lang in demo.PEOPLE:
            email = f"{local}@example.org"
            person = Person.objects.filter(email=email).first()
            if person is None:
                person = Person(
                    email=email,
                    full_name=full_name,
                    post_nominals=post_nominals,
                    job_title="",
                    preferred_language=lang,
                )
                if local in demo.DEMO_LOGINS:
                    person.set_password(demo.DEMO_PASSWORD)
                else:
                    person.set_unusable_password()
                person._change_reason = "Demo data"
                person.save()
            if not Membership.objects.filter(person=person, group=group).exists():
                membership = Membership(
                    person=person,
                    group=group,
                    role=role,
                    organisation=organisations.get(org),
                    position_en=pos_en if role != "chair" else "",
                    position_cy=pos_cy if role != "chair" else "",
                    starts_on=group.starts_on,
                )
                membership._change_reason = "Demo data"
                membership.save()
            if local in demo.DEMO_LOGINS and role in ("chair", "secretariat"):
                if not Authenticator.objects.filter(
                    user=person, type=Authenticator.Type.TOTP
                ).exists():
                    TOTP.activate(person, demo.DEMO_TOTP_SECRET)
                    RecoveryCodes.activate(person)
        self._seed_meetings(group)
        # Agendas, papers, actions and minutes: also fills meetings seeded before they existed.
        from advice.demo import seed_letters
        from meetings.demo_meetings import seed_circulation, seed_meeting_content

        seed_meeting_content(group)
        seed_circulation(group)
        # The published letter of November 2025 and a draft, after the circulation it draws on.
        seed_letters(group)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: the National Coherence Group (ncg)"
                + (" created." if created else " was already there; nothing was changed.")
            )
        )

    def _seed_meetings(self, group):
        """Terms, the terms-of-reference rules and the meetings, once."""
        import datetime
        import zoneinfo

        from django.utils import timezone

        from meetings.models import Attendance, Meeting, MeetingRule
        from meetings.planning import ensure_default_terms

        ensure_default_terms()
        for kind, minimum, starts_on, ends_on, text_en, text_cy in demo.RULES:
            MeetingRule.objects.get_or_create(
                group=group,
                kind=kind,
                starts_on=starts_on,
                defaults={
                    "minimum": minimum,
                    "ends_on": ends_on,
                    "description_en": text_en,
                    "description_cy": text_cy,
                },
            )
        if group.meetings.exists():
            return
        london = zoneinfo.ZoneInfo("Europe/London")
        people = [m.person for m in group.memberships.filter(role__in=["chair", "member"])]
        for day, title_en, title_cy in demo.HELD_MEETINGS:
            start = datetime.datetime.combine(day, datetime.time(10, 0), london)
            meeting = Meeting.objects.create(
                group=group,
                title_en=title_en,
                title_cy=title_cy,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                mode=Meeting.Mode.HYBRID,
                venue=demo.VENUE,
                join_url=demo.JOIN_URL,
                status=Meeting.Status.HELD,
                phase=group.phases.filter(starts_on__lte=day, ends_on__gte=day).first(),
            )
            for i, person in enumerate(people):
                # One apology a meeting, in turn, so attendance rates differ.
                absent = i == day.month % len(people)
                Attendance.objects.create(
                    meeting=meeting,
                    person=person,
                    response=Attendance.Response.APOLOGIES
                    if absent
                    else Attendance.Response.IN_PERSON,
                    attended=Attendance.Attended.ABSENT
                    if absent
                    else Attendance.Attended.IN_PERSON,
                )
        start = datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=21), datetime.time(10, 0), london
        )
        upcoming = Meeting.objects.create(
            group=group,
            title_en="Meeting of the NCG – review of the programme",
            title_cy="Cyfarfod y Grŵp – adolygu'r rhaglen",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            mode=Meeting.Mode.HYBRID,
            venue=demo.VENUE,
            join_url=demo.JOIN_URL,
            status=Meeting.Status.CONFIRMED,
        )
        for person in people:
            Attendance.objects.create(meeting=upcoming, person=person)
