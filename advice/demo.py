"""Demo letters of advice for the NCG: the letter of November 2025 as seed 001 gives it, published
in English and Welsh, and a second letter still in draft, so a newcomer can walk the workflow.

`seed_letters(group)` writes both through the real services (each change recorded with its
reason) and does nothing if the group already has letters, so running it again changes nothing.
The published letter goes from draft straight to the chair's approval (the services allow it):
sending it for review would email every member today about a letter of November 2025.
"""

import datetime
import zoneinfo

from django.db import transaction
from django.utils import timezone

from meetings.models import Meeting
from members.models import Role
from ncg_portal.audit import backdated, with_reason

from . import services

LONDON = zoneinfo.ZoneInfo("Europe/London")

# The letter after the meeting of 3 November 2025 (shared/seeds/001), in the seed's own words.
PUBLISHED_DATE = datetime.date(2025, 11, 5)
PUBLISHED_MEETING_DATE = datetime.date(2025, 11, 3)

PUBLISHED_TITLE_EN = "Reflections on the progress of new school improvement arrangements"
PUBLISHED_TITLE_CY = "Myfyrdodau ar gynnydd y trefniadau gwella ysgolion newydd"

SALUTATION_EN = "Dear Cabinet Secretary,"
SALUTATION_CY = "Annwyl Ysgrifennydd y Cabinet,"
CLOSING_EN = "Yours sincerely,"
CLOSING_CY = "Yn gywir,"

PUBLISHED_BODY_EN = """\
The National Coherence Group (NCG) met on 3 November to reflect on the progress across Wales in the transition to new school improvement arrangements. You will recall that the NCG members include Local Authority Leaders, Chief Executives, the Chair of ADEW, HMCI, WLGA and the Welsh Government School Improvement Partnership Programme team.

The Group received helpful updates on the transition to new school improvement arrangements across Wales and the establishment of the new professional learning and leadership body, Dysgu. There has been a significant amount of work by the Welsh Government and partners in putting these structural changes for the new approach to school improvement in place for September 2025.

Within the national framework, we recognise that there are differences across Wales based on local knowledge and need and partners feel that it is important to protect this. All are working within the national framework, and we recognise that there is still work to do, including ensuring clarity on roles, responsibilities and accountability. However, we understand the overall approach has been welcomed across the sector.

Changing structures alone will not be enough to prevent the underlying issues that were identified by the Strategic Review from re-emerging. It will take a collective awareness of these issues and a collective endeavour across the system to take steps to ensure we achieve the change in culture that is necessary to underpin the structural changes that have been made. This is of course the most challenging element of any reform programme.

Partners welcome the ongoing engagement, collectively and one to one, between the Education Improvement Team and local authorities to ensure we understand how the new arrangements are working and to identify any areas of concern or additional need. Local authorities are rebuilding services in a different way and capacity, in schools, local authorities and indeed, the Welsh Government, needs to be monitored.

The Group accepted that there is still work to be done to agree how we understand the impact of these changes, and what success would look like, the system must be allowed time to respond to the changes and make progress towards that success. Clarity of roles and responsibilities, clear and shared prioritisation of work, and good communication and engagement, would go a long way to building a more robust and resilient system. Ultimately the aim is to improve education in Wales.

Data is important and there should be an ongoing data-informed focus for school improvement. The sector needs to create a culture and expectation that data is shared widely and used to propel momentum around school improvement rather than using it as an accountability measure. It should be there to support our understanding of the system and for school improvement rather than to create a focus on individuals, teachers, schools or local authorities.

The building blocks for new school improvement arrangements are in place. The 2025 to 2026 academic year will see the continued embedding and development of the arrangements, which we consider will provide a coherent, consistent and high-quality self-improving system across Wales. The Group heard of a move towards a national discussion cycle on priorities involving all partners to ensure these remain relevant and shared, and encouraged a stability around these over years to help the school system.

As the formal governance arrangements around the School Improvement Partnership Programme are being prepared for closure, with ongoing responsibility transferred to “business as usual” activities for the Welsh Government and other partners, this was our final meeting. We would like to thank you for the opportunity to share in the journey towards greater collaboration at all levels for the purpose of school improvement."""

# Translated for the demo, in the terms of shared/glossary-cy.md.
PUBLISHED_BODY_CY = """\
Cyfarfu'r Grŵp Cydlyniant Cenedlaethol ar 3 Tachwedd i fyfyrio ar y cynnydd ledled Cymru o ran y newid i'r trefniadau gwella ysgolion newydd. Byddwch yn cofio bod aelodau'r Grŵp yn cynnwys arweinwyr awdurdodau lleol, prif weithredwyr, cadeirydd Cymdeithas Cyfarwyddwyr Addysg Cymru, Prif Arolygydd Ei Fawrhydi dros Addysg a Hyfforddiant yng Nghymru, Cymdeithas Llywodraeth Leol Cymru a thîm y Rhaglen Partneriaeth Gwella Ysgolion yn Llywodraeth Cymru.

Cafodd y Grŵp ddiweddariadau defnyddiol ar y newid i'r trefniadau gwella ysgolion newydd ledled Cymru ac ar sefydlu Dysgu, y corff dysgu proffesiynol ac arweinyddiaeth newydd. Mae Llywodraeth Cymru a'i phartneriaid wedi gwneud cryn dipyn o waith i roi'r newidiadau strwythurol hyn ar gyfer y dull newydd o wella ysgolion ar waith ar gyfer mis Medi 2025.

O fewn y fframwaith cenedlaethol, rydym yn cydnabod bod gwahaniaethau ledled Cymru yn seiliedig ar wybodaeth leol ac angen lleol, ac mae partneriaid o'r farn ei bod yn bwysig diogelu hynny. Mae pawb yn gweithio o fewn y fframwaith cenedlaethol, ac rydym yn cydnabod bod gwaith i'w wneud o hyd, gan gynnwys sicrhau eglurder ynghylch rolau, cyfrifoldebau ac atebolrwydd. Serch hynny, rydym yn deall bod y dull cyffredinol wedi'i groesawu ar draws y sector.

Ni fydd newid strwythurau yn unig yn ddigon i atal y problemau sylfaenol a nodwyd gan yr Adolygiad Strategol rhag codi eto. Bydd angen ymwybyddiaeth ar y cyd o'r problemau hyn, ac ymdrech ar y cyd ar draws y system, i gymryd camau i sicrhau ein bod yn cyflawni'r newid diwylliant sydd ei angen i fod yn sail i'r newidiadau strwythurol a wnaed. Wrth gwrs, dyma'r elfen fwyaf heriol mewn unrhyw raglen ddiwygio.

Mae partneriaid yn croesawu'r ymgysylltu parhaus, ar y cyd ac un i un, rhwng y Tîm Gwella Addysg ac awdurdodau lleol er mwyn sicrhau ein bod yn deall sut mae'r trefniadau newydd yn gweithio, ac er mwyn nodi unrhyw feysydd sy'n peri pryder neu unrhyw angen ychwanegol. Mae awdurdodau lleol yn ailadeiladu gwasanaethau mewn ffordd wahanol, ac mae angen monitro capasiti mewn ysgolion, mewn awdurdodau lleol ac, yn wir, yn Llywodraeth Cymru.

Derbyniodd y Grŵp fod gwaith i'w wneud o hyd i gytuno sut rydym yn deall effaith y newidiadau hyn, a sut beth fyddai llwyddiant, a bod yn rhaid rhoi amser i'r system ymateb i'r newidiadau a gwneud cynnydd tuag at y llwyddiant hwnnw. Byddai eglurder ynghylch rolau a chyfrifoldebau, blaenoriaethu gwaith yn glir ac ar y cyd, a chyfathrebu ac ymgysylltu da yn gwneud llawer i adeiladu system fwy cadarn a gwydn. Yn y pen draw, y nod yw gwella addysg yng Nghymru.

Mae data'n bwysig, a dylai fod ffocws parhaus, wedi'i lywio gan ddata, ar wella ysgolion. Mae angen i'r sector greu diwylliant a disgwyliad bod data'n cael eu rhannu'n eang a'u defnyddio i sbarduno momentwm ym maes gwella ysgolion, yn hytrach na'u defnyddio fel mesur atebolrwydd. Dylai data fod yno i gefnogi ein dealltwriaeth o'r system ac at ddiben gwella ysgolion, yn hytrach na chreu ffocws ar unigolion, athrawon, ysgolion neu awdurdodau lleol.

Mae blociau adeiladu'r trefniadau gwella ysgolion newydd yn eu lle. Yn ystod blwyddyn academaidd 2025 i 2026, bydd y trefniadau'n parhau i gael eu hymwreiddio a'u datblygu, ac rydym o'r farn y byddant yn darparu system hunanwella gydlynus, gyson ac o ansawdd uchel ledled Cymru. Clywodd y Grŵp am symudiad tuag at gylch trafod cenedlaethol ar flaenoriaethau sy'n cynnwys pob partner, er mwyn sicrhau bod y blaenoriaethau hynny'n parhau'n berthnasol ac yn cael eu rhannu, ac anogodd sefydlogrwydd yn y blaenoriaethau hynny dros y blynyddoedd er mwyn helpu'r system ysgolion.

Gan fod y trefniadau llywodraethu ffurfiol ar gyfer y Rhaglen Partneriaeth Gwella Ysgolion yn cael eu paratoi i'w cau, gyda'r cyfrifoldeb parhaus yn cael ei drosglwyddo i waith arferol Llywodraeth Cymru a phartneriaid eraill, hwn oedd ein cyfarfod olaf. Hoffem ddiolch i chi am y cyfle i fod yn rhan o'r daith tuag at fwy o gydweithio ar bob lefel er mwyn gwella ysgolion."""

# A letter the secretariat is drafting for the chair after the written procedure on the
# evaluation questions (meetings.demo_meetings.seed_circulation). English only: Welsh to follow.
DRAFT_TITLE_EN = "Advice on the evaluation of the School Improvement Partnership Programme"

DRAFT_BODY_EN = """\
Following our letter of 5 November 2025, you asked the Group to help shape the evaluation of the School Improvement Partnership Programme. We have circulated the draft evaluation questions to members in writing, and we will consider their responses together when we meet to review the programme.

## What the evaluation should look at

Members agree with the draft questions in principle. From the responses received so far, we would ask that the evaluation also looks at:

- how support reaches small and rural schools, and whether it is consistent across Wales;
- whether roles, responsibilities and accountability are now clear to schools and local authorities;
- how data is being shared and used to support improvement, rather than as an accountability measure.

The evaluation should give the system time to respond to the changes before it judges their impact, and it should draw on the national discussion cycle on priorities so that its findings are owned by all partners.

We will write again with the Group's final advice once members have considered the evaluation at our meeting."""

REASON = "Demo data"


def _at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), LONDON)


def _day(meeting):
    return timezone.localtime(meeting.starts_at, LONDON).date()


def seed_letters(group):
    """The published letter of 5 November 2025 and one draft; nothing if the group has letters."""
    if group.letters.exists():
        return
    chair = services.chair_of(group)
    secretary = group.memberships.current().filter(role=Role.SECRETARIAT).first()
    if chair is None or secretary is None:
        return
    secretary = secretary.person
    with transaction.atomic():
        _seed_published(group, chair, secretary)
        _seed_draft(group, secretary)


def _seed_published(group, chair, secretary):
    """Drafted after the meeting, approved on the letter's date, published a week later: each step
    recorded as of when it happened (history is append-only, so it is dated as it is written)."""
    drafted = _at(datetime.date(2025, 11, 4), 16)
    approved = _at(PUBLISHED_DATE, 11, 30)
    published = _at(datetime.date(2025, 11, 12), 10)
    with backdated(drafted):
        letter = services.create_letter(
            group=group,
            created_by=chair,
            letter_date=PUBLISHED_DATE,
            texts={
                "title_en": PUBLISHED_TITLE_EN,
                "title_cy": PUBLISHED_TITLE_CY,
                "salutation_en": SALUTATION_EN,
                "salutation_cy": SALUTATION_CY,
                "body_en": PUBLISHED_BODY_EN,
                "body_cy": PUBLISHED_BODY_CY,
                "closing_en": CLOSING_EN,
                "closing_cy": CLOSING_CY,
            },
        )
        meeting = next(
            (m for m in group.meetings.all() if _day(m) == PUBLISHED_MEETING_DATE),
            None,
        )
        if meeting is not None:
            with_reason(letter, REASON + ": the meeting it reports", user=chair)
            letter.meetings.add(meeting)
        # The services stamp today: the demo's record says when it happened.
        version = letter.current
        version.saved_at = drafted
        with_reason(version, REASON + ": dated as written", user=chair).save()
        letter.created_at = drafted
        with_reason(letter, REASON + ": dated as written", user=chair).save()
    with backdated(drafted + datetime.timedelta(minutes=30)):
        # Members had it for comment by email; no emails for the demo.
        services.send_for_review(letter=letter, sent_by=chair, notify=False)
    with backdated(approved):
        letter = services.approve_letter(letter=letter, approved_by=chair)
        letter.approved_at = approved
        with_reason(letter, REASON + ": dated as approved", user=chair).save()
    with backdated(published):
        letter = services.publish_letter(letter=letter, published_by=secretary)
        letter.published_at = published
        with_reason(letter, REASON + ": dated as published", user=secretary).save()
    return letter


def _seed_draft(group, secretary):
    upcoming = (
        group.meetings.filter(status=Meeting.Status.CONFIRMED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    letter = services.create_letter(
        group=group,
        created_by=secretary,
        # To go after the review meeting, where members consider the evaluation.
        letter_date=_day(upcoming) + datetime.timedelta(days=2) if upcoming else None,
        texts={
            "title_en": DRAFT_TITLE_EN,
            "salutation_en": SALUTATION_EN,
            "body_en": DRAFT_BODY_EN,
            "closing_en": CLOSING_EN,
        },
    )
    circulation = group.circulations.order_by("-pk").first()
    with_reason(letter, REASON + ": the circulation and meeting it draws on", user=secretary)
    if circulation is not None:
        letter.circulations.add(circulation)
    if upcoming is not None:
        letter.meetings.add(upcoming)
    return letter
