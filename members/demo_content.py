"""The National Coherence Group as its public page describes it (shared/seeds/000), in both languages."""

import datetime

NCG = {
    "slug": "ncg",
    "short_name": "NCG",
    "name_en": "National Coherence Group",
    "name_cy": "Grŵp Cydlyniant Cenedlaethol",
    "advises_en": "Cabinet Secretary for Education",
    "advises_cy": "Ysgrifennydd y Cabinet dros Addysg",
    # A made-up address on a reserved domain: the demo never writes to a real office.
    "advises_email": "cabinet-secretary-education@example.gov.wales",
    "starts_on": datetime.date(2024, 1, 31),
    "ends_on": datetime.date(2026, 9, 30),
    "allows_deputies": True,
    "summary_en": (
        "Following the commitment to review the roles and responsibilities of education partners in "
        "Wales, the National Coherence Group was established to provide advice to the Cabinet "
        "Secretary for Education on whether changes proposed to the school improvement system in "
        "Wales are coherent and robust."
    ),
    "summary_cy": (
        "Yn dilyn yr ymrwymiad i adolygu rolau a chyfrifoldebau partneriaid addysg yng Nghymru, "
        "sefydlwyd y Grŵp Cydlyniant Cenedlaethol i roi cyngor i Ysgrifennydd y Cabinet dros Addysg "
        "ynghylch a yw'r newidiadau a gynigir i'r system gwella ysgolion yng Nghymru yn gydlynus ac "
        "yn gadarn."
    ),
    "terms_of_reference_en": """\
The 'Review of the Roles and Responsibilities of Education Partners in Wales and School Improvement arrangements' was commissioned in July 2023, led by Professor Dylan Jones, supported by ISOS Partnership.

In December the review team updated the then Minister for Education and Welsh Language on their progress and the key emerging themes and findings, which highlighted consistent messages from school leaders and clear views from the majority of local authority partners. The feedback was clear on the preferred direction of travel that school leaders and a majority of local authorities wanted based around the following key elements:

- An opportunity to lead on school improvement matters through a greater focus on local collaboration and partnership working between school leaders and their Local Authority.
- Partnerships between more than one LA with a move away from a wider regional model of support.
- Stronger national leadership with clearer national priorities for schools.

Subsequently the Minister agreed that the next stage of the review's work would focus on the detailed design and co-construction of revised school improvement arrangements. This approach was agreed by Cabinet on 15 January 2024 and announced in a Written Statement on 31 January. This is the School Improvement Partnership Programme (the Programme).

In the current phase of the Programme, the Welsh Government has been working with education partners to design a simplified and streamlined approach to school support in Wales, following which the agreed system changes will be delivered (transition phase) and the benefits realised through longer term implementation (benefits phase).

The Written Statement included proposals for a National Coherence Group (NCG). The NCG will provide advice directly to the Cabinet Secretary for Education through the Group's Chair.

The NCG will support and connect the thinking of the Welsh Government, and strategic education partners including local authorities, regional consortia and partnerships, Estyn and the external partner team to move forward in an orderly way.

Specifically, the NCG will provide advice to the Cabinet Secretary for Education on the whether the totality of change for the Welsh Government, Estyn, local authorities and other partners is coherent and robust at a whole system level.

The NCG is also expected to have an ongoing role including oversight on the viability of proposed arrangements and the appropriateness of transition arrangements.

The NCG will provide assurance and a critical sense-checking function across the full programme including its three main workstreams which focus on local, partnership, and national functions and structures to support the education system in future:

1. How school to school working can be best supported at local level by their local authority.
2. How school to school collaboration and networking can continue to be supported across local authorities.
3. How wider school improvement should best be led and supported at national level.

Sitting outside the hierarchical decision-making programme management structures, the NCG will be a vital part of the overall governance structure for the programme. The NCG will represent the education sector and sense check proposals for change which will be put forward for approval by the Cabinet Secretary for Education.""",
    "terms_of_reference_cy": """\
Comisiynwyd yr 'Adolygiad o Rolau a Chyfrifoldebau Partneriaid Addysg yng Nghymru a Threfniadau Gwella Ysgolion' ym mis Gorffennaf 2023, dan arweiniad yr Athro Dylan Jones, gyda chymorth ISOS Partnership.

Ym mis Rhagfyr rhoddodd tîm yr adolygiad y wybodaeth ddiweddaraf i'r Gweinidog Addysg a'r Gymraeg ar y pryd am eu cynnydd a'r prif themâu a chanfyddiadau a oedd yn dod i'r amlwg, a oedd yn tynnu sylw at negeseuon cyson gan arweinwyr ysgolion a safbwyntiau clir gan y rhan fwyaf o bartneriaid awdurdodau lleol. Roedd yr adborth yn glir ynghylch y cyfeiriad yr oedd arweinwyr ysgolion a'r rhan fwyaf o awdurdodau lleol am ei ddilyn, yn seiliedig ar yr elfennau allweddol canlynol:

- Cyfle i arwain ar faterion gwella ysgolion drwy roi mwy o bwyslais ar gydweithio lleol a gweithio mewn partneriaeth rhwng arweinwyr ysgolion a'u hawdurdod lleol.
- Partneriaethau rhwng mwy nag un awdurdod lleol, gan symud oddi wrth fodel cymorth rhanbarthol ehangach.
- Arweinyddiaeth genedlaethol gryfach gyda blaenoriaethau cenedlaethol cliriach i ysgolion.

Wedi hynny cytunodd y Gweinidog y byddai cam nesaf gwaith yr adolygiad yn canolbwyntio ar ddylunio a chyd-lunio trefniadau gwella ysgolion diwygiedig yn fanwl. Cytunwyd ar y dull hwn gan y Cabinet ar 15 Ionawr 2024 a'i gyhoeddi mewn Datganiad Ysgrifenedig ar 31 Ionawr. Dyma'r Rhaglen Partneriaeth Gwella Ysgolion (y Rhaglen).

Yng ngham presennol y Rhaglen, mae Llywodraeth Cymru wedi bod yn gweithio gyda phartneriaid addysg i ddylunio dull symlach a mwy effeithlon o gefnogi ysgolion yng Nghymru. Wedi hynny bydd y newidiadau y cytunwyd arnynt i'r system yn cael eu cyflawni (cam pontio) a'r manteision yn cael eu gwireddu drwy weithredu tymor hwy (cam manteision).

Roedd y Datganiad Ysgrifenedig yn cynnwys cynigion ar gyfer Grŵp Cydlyniant Cenedlaethol. Bydd y Grŵp yn rhoi cyngor yn uniongyrchol i Ysgrifennydd y Cabinet dros Addysg drwy gadeirydd y Grŵp.

Bydd y Grŵp yn cefnogi ac yn cysylltu syniadau Llywodraeth Cymru a phartneriaid addysg strategol, gan gynnwys awdurdodau lleol, consortia a phartneriaethau rhanbarthol, Estyn a'r tîm partner allanol, er mwyn symud ymlaen mewn modd trefnus.

Yn benodol, bydd y Grŵp yn rhoi cyngor i Ysgrifennydd y Cabinet dros Addysg ynghylch a yw cyfanswm y newid i Lywodraeth Cymru, Estyn, awdurdodau lleol a phartneriaid eraill yn gydlynus ac yn gadarn ar lefel y system gyfan.

Disgwylir hefyd i'r Grŵp gael rôl barhaus, gan gynnwys goruchwylio hyfywedd y trefniadau arfaethedig a phriodoldeb y trefniadau pontio.

Bydd y Grŵp yn rhoi sicrwydd ac yn cynnig swyddogaeth gwirio beirniadol ar draws y rhaglen gyfan, gan gynnwys ei thair prif ffrwd waith sy'n canolbwyntio ar swyddogaethau a strwythurau lleol, partneriaeth a chenedlaethol i gefnogi'r system addysg yn y dyfodol:

1. Sut y gall eu hawdurdod lleol gefnogi gwaith ysgol i ysgol orau ar lefel leol.
2. Sut y gellir parhau i gefnogi cydweithio a rhwydweithio rhwng ysgolion ar draws awdurdodau lleol.
3. Sut y dylid arwain a chefnogi gwella ysgolion yn ehangach ar lefel genedlaethol.

Gan eistedd y tu allan i strwythurau hierarchaidd rheoli'r rhaglen sy'n gwneud penderfyniadau, bydd y Grŵp yn rhan hanfodol o strwythur llywodraethu cyffredinol y rhaglen. Bydd y Grŵp yn cynrychioli'r sector addysg ac yn gwirio cynigion ar gyfer newid a gyflwynir i Ysgrifennydd y Cabinet dros Addysg i'w cymeradwyo.""",
    "membership_note_en": """\
Membership of the Group will be at a senior level to provide advice, challenge and programme assurance.

To enable the Group to operate effectively, members are expected to attend all meetings.

Membership will include representatives of the following organisations:

- local authority leaders
- local authority Chief Executive Officers
- Association of Directors of Education in Wales
- Estyn
- Welsh Local Government Association

Welsh Government policy officials will provide the secretariat for the NCG and attend in support as required.""",
    "membership_note_cy": """\
Bydd aelodaeth y Grŵp ar lefel uwch er mwyn rhoi cyngor, her a sicrwydd i'r rhaglen.

Er mwyn galluogi'r Grŵp i weithredu'n effeithiol, disgwylir i'r aelodau fod yn bresennol ym mhob cyfarfod.

Bydd yr aelodaeth yn cynnwys cynrychiolwyr o'r sefydliadau canlynol:

- arweinwyr awdurdodau lleol
- prif weithredwyr awdurdodau lleol
- Cymdeithas Cyfarwyddwyr Addysg Cymru
- Estyn
- Cymdeithas Llywodraeth Leol Cymru

Bydd swyddogion polisi Llywodraeth Cymru yn darparu'r ysgrifenyddiaeth i'r Grŵp ac yn bresennol i gynorthwyo yn ôl yr angen.""",
    "mode_of_operation_en": """\
The NCG is expected to convene at least twice before the end of 2024 during phase 2 of the Programme. The NCG will continue to meet termly thereafter until September 2026 to monitor progress during the transition and benefits phases.

Meetings may be in person, online or a combination of both, depending on the availability and preference of its members.

Where it is not possible to convene the majority of members either in person or online, papers may be circulated for comment by email to seek feedback on proposals and policy development.""",
    "mode_of_operation_cy": """\
Disgwylir i'r Grŵp gyfarfod o leiaf ddwywaith cyn diwedd 2024 yn ystod cam 2 y Rhaglen. Bydd y Grŵp yn parhau i gyfarfod bob tymor wedi hynny tan fis Medi 2026 i fonitro cynnydd yn ystod y camau pontio a manteision.

Gall cyfarfodydd fod wyneb yn wyneb, ar-lein neu'n gyfuniad o'r ddau, yn dibynnu ar argaeledd a dewis yr aelodau.

Pan nad yw'n bosibl dod â'r rhan fwyaf o'r aelodau ynghyd naill ai wyneb yn wyneb neu ar-lein, gellir cylchredeg papurau drwy e-bost i gael sylwadau ac adborth ar gynigion a datblygu polisi.""",
}

ORGANISATIONS = {
    "carmarthenshire": ("Carmarthenshire County Council", "Cyngor Sir Gâr"),
    "vale": ("Vale of Glamorgan Council", "Cyngor Bro Morgannwg"),
    "gwynedd": ("Gwynedd Council", "Cyngor Gwynedd"),
    "torfaen": ("Torfaen County Borough Council", "Cyngor Bwrdeistref Sirol Torfaen"),
    "estyn": ("Estyn", "Estyn"),
    "wlga": ("Welsh Local Government Association", "Cymdeithas Llywodraeth Leol Cymru"),
    "adew": (
        "Association of Directors of Education in Wales",
        "Cymdeithas Cyfarwyddwyr Addysg Cymru",
    ),
    "wg": ("Welsh Government", "Llywodraeth Cymru"),
}

# (email local part, full name, post-nominals, role, organisation key, position en, position cy, language)
PEOPLE = [
    ("kirsty.williams", "Kirsty Williams", "CBE", "chair", None, "Chair", "Cadeirydd", "en"),
    (
        "darren.price",
        "Councillor Darren Price",
        "",
        "member",
        "carmarthenshire",
        "Leader of Carmarthenshire County Council",
        "Arweinydd Cyngor Sir Gâr",
        "cy",
    ),
    (
        "lis.burnett",
        "Councillor Lis Burnett",
        "",
        "member",
        "vale",
        "Leader of Vale of Glamorgan Council",
        "Arweinydd Cyngor Bro Morgannwg",
        "en",
    ),
    (
        "dafydd.gibbard",
        "Dafydd Gibbard",
        "",
        "member",
        "gwynedd",
        "Chief Executive of Gwynedd Council",
        "Prif Weithredwr Cyngor Gwynedd",
        "cy",
    ),
    (
        "stephen.vickers",
        "Stephen Vickers",
        "",
        "member",
        "torfaen",
        "Chief Executive of Torfaen County Borough Council and Blaenau Gwent County Council",
        "Prif Weithredwr Cyngor Bwrdeistref Sirol Torfaen a Chyngor Bwrdeistref Sirol Blaenau Gwent",
        "en",
    ),
    (
        "owen.evans",
        "Owen Evans",
        "",
        "member",
        "estyn",
        "HMCI Estyn",
        "Prif Arolygydd EF, Estyn",
        "en",
    ),
    (
        "chris.llewellyn",
        "Dr Chris Llewellyn",
        "",
        "member",
        "wlga",
        "Welsh Local Government Association",
        "Cymdeithas Llywodraeth Leol Cymru",
        "en",
    ),
    (
        "claire.homard",
        "Claire Homard",
        "",
        "member",
        "adew",
        "Association of Directors of Education in Wales",
        "Cymdeithas Cyfarwyddwyr Addysg Cymru",
        "en",
    ),
    (
        "secretariat",
        "Rhian Secretariat-Officer",
        "",
        "secretariat",
        "wg",
        "School Improvement Partnership Programme team",
        "Tîm y Rhaglen Partneriaeth Gwella Ysgolion",
        "en",
    ),
]

WORKSTREAMS = [
    (
        1,
        "Local: how school to school working can be best supported at local level by their local authority",
        "Lleol: sut y gall eu hawdurdod lleol gefnogi gwaith ysgol i ysgol orau ar lefel leol",
    ),
    (
        2,
        "Partnership: how school to school collaboration and networking can continue to be supported across local authorities",
        "Partneriaeth: sut y gellir parhau i gefnogi cydweithio a rhwydweithio rhwng ysgolion ar draws awdurdodau lleol",
    ),
    (
        3,
        "National: how wider school improvement should best be led and supported at national level",
        "Cenedlaethol: sut y dylid arwain a chefnogi gwella ysgolion yn ehangach ar lefel genedlaethol",
    ),
]

PHASES = [
    ("Phase 2: design", "Cam 2: dylunio", datetime.date(2024, 1, 31), datetime.date(2025, 3, 31)),
    ("Transition", "Pontio", datetime.date(2025, 4, 1), datetime.date(2025, 8, 31)),
    ("Benefits", "Manteision", datetime.date(2025, 9, 1), datetime.date(2026, 9, 30)),
]

DEMO_PASSWORD = "demo-portal-2026"
# Fixed so that a newcomer can add it to an authenticator app; demo use only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPNCGPORTALDEMO234"
DEMO_LOGINS = ("secretariat", "kirsty.williams", "darren.price")

RULES = [
    (
        "at_least_by",
        2,
        datetime.date(2024, 1, 31),
        datetime.date(2024, 12, 31),
        "At least 2 meetings before 31 December 2024",
        "O leiaf 2 gyfarfod cyn 31 Rhagfyr 2024",
    ),
    (
        "each_term",
        1,
        datetime.date(2025, 1, 1),
        datetime.date(2026, 9, 30),
        "At least one meeting every term until 30 September 2026",
        "O leiaf un cyfarfod bob tymor tan 30 Medi 2026",
    ),
]

# (date, title en, title cy): the meetings the seeds tell of, the last on 3 November 2025.
HELD_MEETINGS = [
    (datetime.date(2024, 7, 9), "First meeting of the NCG", "Cyfarfod cyntaf y Grŵp"),
    (
        datetime.date(2024, 11, 19),
        "Meeting of the NCG – autumn term 2024",
        "Cyfarfod y Grŵp – tymor yr hydref 2024",
    ),
    (
        datetime.date(2025, 3, 11),
        "Meeting of the NCG – spring term 2025",
        "Cyfarfod y Grŵp – tymor y gwanwyn 2025",
    ),
    (
        datetime.date(2025, 6, 17),
        "Meeting of the NCG – summer term 2025",
        "Cyfarfod y Grŵp – tymor yr haf 2025",
    ),
    (
        datetime.date(2025, 11, 3),
        "Meeting of the NCG – autumn term 2025",
        "Cyfarfod y Grŵp – tymor yr hydref 2025",
    ),
]
VENUE = "Welsh Government, Cathays Park, Cardiff CF10 3NQ"
JOIN_URL = "https://meet.example.org/ncg"
