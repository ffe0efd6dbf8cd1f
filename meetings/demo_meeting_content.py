"""The words of the NCG's demo meetings: agendas, papers, discussions and actions, in English and
Welsh, drawn from the seeds (shared/seeds/000 and 001). `demo_meetings.py` puts them in place."""

import datetime

CHAIR, OFFICIALS = "Chair", "Welsh Government officials"
ADEW, WLGA = "Association of Directors of Education in Wales", "Welsh Local Government Association"

# The papers: English and Welsh titles, the workstream (number or None) and an English body.
PAPERS = {
    "terms": {
        "title": ("Terms of reference and ways of working", "Cylch gorchwyl a ffyrdd o weithio"),
        "workstream": None,
        "purpose": "To invite the Group to agree its terms of reference, membership and ways of "
        "working.",
        "paragraphs": [
            "The Written Statement of 31 January 2024 proposed a National Coherence Group to advise "
            "the Cabinet Secretary for Education, through its Chair, on whether the totality of "
            "change proposed under the School Improvement Partnership Programme is coherent and "
            "robust at a whole-system level.",
            "The Group sits outside the programme's hierarchical decision-making structures. It "
            "provides assurance and a critical sense-check across the programme's three workstreams "
            "(local, partnership and national), and has an ongoing role in overseeing the viability "
            "of the proposed arrangements and the appropriateness of transition arrangements.",
            "Membership is at a senior level: local authority leaders and chief executives, the "
            "Association of Directors of Education in Wales, Estyn and the Welsh Local Government "
            "Association. Members are expected to attend all meetings. Welsh Government policy "
            "officials provide the secretariat.",
            "The Group is expected to meet at least twice before the end of 2024, during phase 2 of "
            "the programme, and termly thereafter until September 2026. Meetings may be in person, "
            "online or both; where a majority of members cannot convene, papers may be circulated "
            "by email for comment.",
        ],
        "recommendations": [
            "agree the terms of reference set out in this paper;",
            "agree to meet at least twice before the end of 2024 and termly thereafter;",
            "note that papers may be circulated by email for comment when a majority of members "
            "cannot meet.",
        ],
    },
    "programme": {
        "title": (
            "The School Improvement Partnership Programme: phases and workstreams",
            "Y Rhaglen Partneriaeth Gwella Ysgolion: camau a ffrydiau gwaith",
        ),
        "workstream": None,
        "purpose": "To set out the scope, phases and workstreams of the School Improvement "
        "Partnership Programme, on which the Group will advise.",
        "paragraphs": [
            "The review of the roles and responsibilities of education partners, led by Professor "
            "Dylan Jones, found a clear preferred direction of travel: more local collaboration "
            "between school leaders and their local authority; partnerships between more than one "
            "local authority instead of a wider regional model; and stronger national leadership "
            "with clearer national priorities for schools.",
            "Cabinet agreed on 15 January 2024 that the next stage would focus on the detailed "
            "design and co-construction of revised school improvement arrangements: the School "
            "Improvement Partnership Programme.",
            "The programme has three phases: design (phase 2), in which the Welsh Government works "
            "with education partners on a simplified and streamlined approach to school support; "
            "transition, in which the agreed changes are delivered; and benefits, in which they are "
            "realised through longer-term implementation.",
            "Its three workstreams cover how school-to-school working can best be supported locally "
            "by the local authority; how collaboration and networking can continue across local "
            "authorities; and how wider school improvement should be led and supported nationally.",
        ],
        "recommendations": [
            "note the scope and phases of the programme;",
            "agree to sense-check the proposals of all three workstreams together at each meeting "
            "of the design phase.",
        ],
    },
    "local": {
        "title": (
            "Local workstream: design proposals for school-to-school working",
            "Ffrwd waith leol: cynigion dylunio ar gyfer gwaith ysgol i ysgol",
        ),
        "workstream": 1,
        "purpose": "To seek the Group's views on the design proposals of the local workstream.",
        "paragraphs": [
            "School leaders asked for an opportunity to lead on school improvement through a "
            "greater focus on local collaboration and partnership working with their local "
            "authority. The local workstream has designed how that support will work.",
            "Under the proposals, each local authority will set out how it supports "
            "school-to-school working in its area, building on its knowledge of its schools and "
            "their needs, within a national framework that applies across Wales.",
            "The proposals depend on the other two workstreams: what an authority does alone, what "
            "it does with neighbouring authorities and what is led nationally must fit together "
            "without gaps or duplication.",
        ],
        "recommendations": [
            "consider whether the local proposals are coherent with the partnership and national "
            "workstreams;",
            "advise on any risks to capacity in local authorities, particularly smaller ones.",
        ],
    },
    "partnership": {
        "title": (
            "Partnership workstream: collaboration across local authorities",
            "Ffrwd waith partneriaeth: cydweithio ar draws awdurdodau lleol",
        ),
        "workstream": 2,
        "purpose": "To seek the Group's views on options for collaboration between schools across "
        "local authorities.",
        "paragraphs": [
            "The review found clear support for partnerships between more than one local authority "
            "and a move away from a wider regional model of support.",
            "The partnership workstream has considered how school-to-school collaboration and "
            "networking can continue across authority boundaries once regional arrangements "
            "change, and which functions are best shared between authorities.",
            "Options range from networks of schools to formal agreements between authorities. In "
            "each case partnerships should be formed where they add value for schools, and the "
            "services schools rely on should be protected during transition.",
        ],
        "recommendations": [
            "comment on the options for partnership working;",
            "advise on the conditions partnerships should meet to be coherent with the local and "
            "national arrangements.",
        ],
    },
    "national": {
        "title": (
            "National workstream: national priorities and professional learning",
            "Ffrwd waith genedlaethol: blaenoriaethau cenedlaethol a dysgu proffesiynol",
        ),
        "workstream": 3,
        "purpose": "To present the final design of the national workstream for the Group's advice.",
        "paragraphs": [
            "The review called for stronger national leadership with clearer national priorities "
            "for schools. The national workstream has designed how wider school improvement will be "
            "led and supported at national level.",
            "The design includes a new national body for professional learning and leadership, and "
            "a small, stable set of national priorities for schools agreed with partners.",
            "The Welsh Government, Estyn, local authorities and partnerships each have a distinct "
            "role in the design; a statement of roles and responsibilities will be prepared for the "
            "transition phase.",
        ],
        "recommendations": [
            "advise whether the national design is coherent with the local and partnership "
            "workstreams;",
            "note that a statement of roles and responsibilities will come to the summer meeting.",
        ],
    },
    "transition": {
        "title": (
            "Transition progress: arrangements for September 2025",
            "Cynnydd y cyfnod pontio: trefniadau ar gyfer mis Medi 2025",
        ),
        "workstream": 2,
        "purpose": "To report progress in the transition phase towards the new arrangements in "
        "September 2025.",
        "paragraphs": [
            "The transition phase began in April 2025. Its aim is for the agreed system changes to "
            "be in place for the start of the autumn term 2025.",
            "Local authorities are setting out their local arrangements and agreeing partnership "
            "working with neighbouring authorities, within the national framework. They are "
            "rebuilding services in different ways, reflecting local knowledge and need.",
            "The main risks reported are capacity, in schools, local authorities and the Welsh "
            "Government, and keeping staff and schools informed throughout the change.",
        ],
        "recommendations": [
            "note progress towards September 2025;",
            "advise on how capacity should be monitored during transition.",
        ],
    },
    "progress": {
        "title": (
            "Progress of the transition to new school improvement arrangements",
            "Cynnydd y newid i drefniadau gwella ysgolion newydd",
        ),
        "workstream": 1,
        "purpose": "To update the Group on the transition to new school improvement arrangements "
        "across Wales.",
        "paragraphs": [
            "Following a significant amount of work by the Welsh Government and partners, the "
            "structural changes for the new approach to school improvement were in place for "
            "September 2025. The new professional learning and leadership body, Dysgu, has been "
            "established.",
            "All partners are working within the national framework. There are differences across "
            "Wales based on local knowledge and need, which partners want to protect. The overall "
            "approach has been welcomed across the sector.",
            "Work remains to ensure clarity on roles, responsibilities and accountability. The "
            "Education Improvement Team continues to engage with local authorities, collectively "
            "and one to one, to understand how the new arrangements are working and to identify any "
            "areas of concern or additional need.",
        ],
        "recommendations": [
            "note the progress of the transition;",
            "advise on how capacity in schools, local authorities and the Welsh Government should "
            "continue to be monitored.",
        ],
    },
    "priorities": {
        "title": (
            "A national discussion cycle on priorities",
            "Cylch trafod cenedlaethol ar flaenoriaethau",
        ),
        "workstream": 3,
        "purpose": "To seek the Group's views on a national discussion cycle on priorities and on "
        "how the impact of the changes will be understood.",
        "paragraphs": [
            "Changing structures alone will not prevent the issues identified by the Strategic "
            "Review from re-emerging. The change in culture that must underpin the structural "
            "changes needs a collective endeavour across the system.",
            "It is proposed to move towards a national discussion cycle on priorities involving all "
            "partners, so that priorities remain relevant and shared. Stability in those "
            "priorities over years would help the school system.",
            "Work is still needed to agree how the impact of the changes will be understood and "
            "what success would look like. Data should be shared widely and used to support school "
            "improvement and an understanding of the system, not as an accountability measure.",
        ],
        "recommendations": [
            "comment on the proposed national discussion cycle on priorities;",
            "advise on how success should be understood, allowing the system time to respond.",
        ],
    },
    "handover": {
        "title": (
            "Embedding the new arrangements: handover to business as usual",
            "Ymwreiddio'r trefniadau newydd: trosglwyddo i waith arferol",
        ),
        "workstream": 3,
        "purpose": "To review the programme as its formal governance closes, and to agree how the "
        "Group's records will be closed.",
        "paragraphs": [
            "The building blocks for the new school improvement arrangements are in place, and the "
            "2025 to 2026 academic year saw them embedded and developed across Wales.",
            "As the programme's formal governance closes, ongoing responsibility passes to business "
            "as usual for the Welsh Government and partners. This paper sets out where each "
            "responsibility will sit, including the national discussion cycle on priorities.",
            "When the Group closes, its records (meetings, papers, minutes and advice letters) "
            "become read-only and are kept as an archive.",
        ],
        "recommendations": [
            "note the handover of responsibilities to business as usual;",
            "agree that the Group's records be closed and archived after this meeting.",
        ],
    },
}

# The first item of every meeting: (title en, title cy, the Chair's welcome in en, cy).
WELCOME = (
    "Welcome, apologies and declarations of interest",
    "Croeso, ymddiheuriadau a datganiadau o fuddiant",
    "The Chair welcomed members to the meeting.",
    "Croesawodd y Cadeirydd yr aelodau i'r cyfarfod.",
)

# Agenda items: "welcome" and "minutes" are written from the meeting's own data; the others are
# (title en, title cy, presenter, workstream, minutes, discussion en, discussion cy, paper key).
AOB_2024 = (
    "Any other business and date of the next meeting",
    "Unrhyw fater arall a dyddiad y cyfarfod nesaf",
    CHAIR,
    None,
    15,
    "There was no other business. The next meeting will be held in the autumn term, when the "
    "design proposals of all three workstreams will be ready for the Group to sense-check.",
    "Nid oedd unrhyw fater arall. Cynhelir y cyfarfod nesaf yn nhymor yr hydref, pan fydd cynigion "
    "dylunio'r tair ffrwd waith yn barod i'r Grŵp eu gwirio.",
    None,
)

# (owner's email local part, description, due days after the meeting, done days after or None).
MEETINGS = {
    datetime.date(2024, 7, 9): {
        "welcome": (
            "Welcome, introductions and declarations of interest",
            "Croeso, cyflwyniadau a datganiadau o fuddiant",
            "The Chair welcomed members to the first meeting of the National Coherence Group and "
            "invited them to introduce themselves.",
            "Croesawodd y Cadeirydd yr aelodau i gyfarfod cyntaf y Grŵp Cydlyniant Cenedlaethol a'u "
            "gwahodd i gyflwyno eu hunain.",
        ),
        "items": [
            "welcome",
            (
                *PAPERS["terms"]["title"],
                OFFICIALS,
                None,
                25,
                "Officials introduced the draft terms of reference. Members noted that the Group "
                "sits outside the programme's decision-making structures and advises the Cabinet "
                "Secretary for Education through the Chair. The Group agreed the terms of reference "
                "and agreed to meet at least twice before the end of 2024 and termly thereafter, in "
                "person, online or both.",
                "Cyflwynodd y swyddogion y cylch gorchwyl drafft. Nododd yr aelodau fod y Grŵp y tu "
                "allan i strwythurau penderfynu'r rhaglen a'i fod yn rhoi cyngor i Ysgrifennydd y "
                "Cabinet dros Addysg drwy'r Cadeirydd. Cytunodd y Grŵp ar y cylch gorchwyl a "
                "chytunodd i gyfarfod o leiaf ddwywaith cyn diwedd 2024 ac unwaith bob tymor wedi "
                "hynny, wyneb yn wyneb, ar-lein neu'r ddau.",
                "terms",
            ),
            (
                *PAPERS["programme"]["title"],
                OFFICIALS,
                None,
                35,
                "Officials set out the findings of the review led by Professor Dylan Jones and the "
                "three phases of the programme: design, transition and benefits. Members welcomed "
                "the clear direction of travel from school leaders and local authorities, and "
                "stressed that the three workstreams must be designed together, not in isolation.",
                "Amlinellodd y swyddogion ganfyddiadau'r adolygiad dan arweiniad yr Athro Dylan "
                "Jones a thri cham y rhaglen: dylunio, pontio a manteision. Croesawodd yr aelodau'r "
                "cyfeiriad clir gan arweinwyr ysgolion ac awdurdodau lleol, gan bwysleisio bod yn "
                "rhaid dylunio'r tair ffrwd waith gyda'i gilydd, nid ar wahân.",
                "programme",
            ),
            (
                "Local workstream: supporting school-to-school working",
                "Ffrwd waith leol: cefnogi gwaith ysgol i ysgol",
                ADEW,
                1,
                35,
                "The Association of Directors of Education in Wales described early thinking on how "
                "local authorities could support school-to-school working. Members asked that the "
                "design recognise differences in local knowledge and need across Wales, and that "
                "the capacity of smaller authorities be considered.",
                "Disgrifiodd Cymdeithas Cyfarwyddwyr Addysg Cymru y syniadau cynnar ynghylch sut y "
                "gallai awdurdodau lleol gefnogi gwaith ysgol i ysgol. Gofynnodd yr aelodau i'r "
                "dyluniad gydnabod y gwahaniaethau mewn gwybodaeth leol ac angen lleol ledled "
                "Cymru, ac ystyried capasiti'r awdurdodau llai.",
                None,
            ),
            AOB_2024,
        ],
        "actions": [
            (
                "claire.homard",
                "Send the secretariat any further comments on the ways of working, "
                "including arrangements for deputies",
                17,
                15,
            ),
            (
                "darren.price",
                "Share local authority leaders' views on the emerging local model "
                "with the secretariat before the autumn meeting",
                100,
                90,
            ),
        ],
    },
    datetime.date(2024, 11, 19): {
        "items": [
            "welcome",
            "minutes",
            (
                *PAPERS["local"]["title"],
                OFFICIALS,
                1,
                30,
                "Officials presented the design proposals for the local workstream, under which "
                "school leaders would work with their own local authority on school improvement. "
                "Members supported the greater focus on local collaboration and asked how the role "
                "of the local authority would be resourced.",
                "Cyflwynodd y swyddogion y cynigion dylunio ar gyfer y ffrwd waith leol, lle byddai "
                "arweinwyr ysgolion yn gweithio gyda'u hawdurdod lleol eu hunain ar wella ysgolion. "
                "Cefnogodd yr aelodau'r pwyslais cryfach ar gydweithio lleol a gofyn sut y byddai "
                "rôl yr awdurdod lleol yn cael ei hariannu.",
                "local",
            ),
            (
                *PAPERS["partnership"]["title"],
                WLGA,
                2,
                30,
                "The Welsh Local Government Association presented options for partnerships between "
                "more than one local authority, moving away from the wider regional model of "
                "support. Members agreed that partnerships should be formed where they add value "
                "for schools, and that the transition must protect the services schools rely on.",
                "Cyflwynodd Cymdeithas Llywodraeth Leol Cymru opsiynau ar gyfer partneriaethau "
                "rhwng mwy nag un awdurdod lleol, gan symud oddi wrth y model cymorth rhanbarthol "
                "ehangach. Cytunodd yr aelodau y dylid ffurfio partneriaethau lle maent yn "
                "ychwanegu gwerth i ysgolion, ac y dylai'r cyfnod pontio ddiogelu'r gwasanaethau y "
                "mae ysgolion yn dibynnu arnynt.",
                "partnership",
            ),
            (
                "National workstream: national leadership and priorities",
                "Ffrwd waith genedlaethol: arweinyddiaeth a blaenoriaethau cenedlaethol",
                OFFICIALS,
                3,
                25,
                "Officials outlined proposals for stronger national leadership with clearer "
                "national priorities for schools. HMCI noted the importance of inspection and "
                "school improvement pulling in the same direction. Members asked that national "
                "priorities be few and stable.",
                "Amlinellodd y swyddogion gynigion ar gyfer arweinyddiaeth genedlaethol gryfach "
                "gyda blaenoriaethau cenedlaethol cliriach i ysgolion. Nododd y Prif Arolygydd ei "
                "bod yn bwysig bod arolygu a gwella ysgolion yn tynnu i'r un cyfeiriad. Gofynnodd "
                "yr aelodau i'r blaenoriaethau cenedlaethol fod yn brin ac yn sefydlog.",
                None,
            ),
            (
                "Advice to the Cabinet Secretary",
                "Cyngor i Ysgrifennydd y Cabinet",
                CHAIR,
                None,
                15,
                "The Group agreed that the proposals were coherent across the three workstreams, "
                "subject to the points raised on capacity and resourcing. The Chair will write to "
                "the Cabinet Secretary with the Group's advice.",
                "Cytunodd y Grŵp fod y cynigion yn gydlynus ar draws y tair ffrwd waith, yn "
                "amodol ar y pwyntiau a godwyd am gapasiti ac adnoddau. Bydd y Cadeirydd yn "
                "ysgrifennu at Ysgrifennydd y Cabinet gyda chyngor y Grŵp.",
                None,
            ),
        ],
        # (person, item number, the interest as recorded, the sentence in English and Welsh).
        "declaration": (
            "stephen.vickers",
            4,
            "Chief Executive of two local authorities covered by the partnership proposals",
            "Stephen Vickers declared an interest in item 4 as Chief Executive of two local "
            "authorities covered by the partnership proposals.",
            "Datganodd Stephen Vickers fuddiant yn eitem 4 fel Prif Weithredwr dau awdurdod lleol "
            "y mae'r cynigion partneriaeth yn berthnasol iddynt.",
        ),
        "actions": [
            (
                "kirsty.williams",
                "Write to the Cabinet Secretary with the Group's advice on the design proposals",
                17,
                14,
            ),
            (
                "chris.llewellyn",
                "Share local authorities' views on how the local role should be resourced",
                100,
                95,
            ),
        ],
    },
    datetime.date(2025, 3, 11): {
        "items": [
            "welcome",
            "minutes",
            (
                *PAPERS["national"]["title"],
                OFFICIALS,
                3,
                35,
                "Officials presented the final design for the national workstream, including a new "
                "national body for professional learning and leadership. Members welcomed the "
                "clarity this would bring and asked how the body would work with local authorities "
                "and partnerships.",
                "Cyflwynodd y swyddogion y dyluniad terfynol ar gyfer y ffrwd waith genedlaethol, "
                "gan gynnwys corff cenedlaethol newydd ar gyfer dysgu proffesiynol ac "
                "arweinyddiaeth. Croesawodd yr aelodau'r eglurder a ddaw yn sgil hyn a gofyn sut y "
                "byddai'r corff yn gweithio gydag awdurdodau lleol a phartneriaethau.",
                "national",
            ),
            (
                "Coherence of the design across the three workstreams",
                "Cydlyniant y dyluniad ar draws y tair ffrwd waith",
                CHAIR,
                None,
                30,
                "The Group tested whether the totality of change for the Welsh Government, Estyn, "
                "local authorities and partnerships was coherent at a whole-system level. Members "
                "agreed that it was, and that the remaining risk lay in roles, responsibilities and "
                "accountability, which must be set out clearly before September 2025.",
                "Profodd y Grŵp a oedd cyfanswm y newid i Lywodraeth Cymru, Estyn, awdurdodau lleol "
                "a phartneriaethau yn gydlynus ar lefel y system gyfan. Cytunodd yr aelodau ei fod, "
                "a bod y risg a oedd yn weddill yn ymwneud â rolau, cyfrifoldebau ac atebolrwydd, "
                "y mae'n rhaid eu nodi'n glir cyn mis Medi 2025.",
                None,
            ),
            (
                "Planning the transition phase",
                "Cynllunio'r cam pontio",
                OFFICIALS,
                None,
                25,
                "Officials described the plan for the transition phase from April 2025, with the "
                "new arrangements in place for September 2025. Members stressed the need to keep "
                "staff and schools informed throughout.",
                "Disgrifiodd y swyddogion y cynllun ar gyfer y cam pontio o fis Ebrill 2025, gyda'r "
                "trefniadau newydd ar waith erbyn mis Medi 2025. Pwysleisiodd yr aelodau yr angen "
                "i gadw staff ac ysgolion yn wybodus drwy gydol y cyfnod.",
                None,
            ),
        ],
        "actions": [
            (
                "kirsty.williams",
                "Write to the Cabinet Secretary with the Group's view on the "
                "coherence of the final design",
                14,
                10,
            ),
            (
                "owen.evans",
                "Brief the summer meeting on how inspection will reflect the new arrangements",
                98,
                98,
            ),
        ],
    },
    datetime.date(2025, 6, 17): {
        "items": [
            "welcome",
            "minutes",
            (
                *PAPERS["transition"]["title"],
                WLGA,
                2,
                35,
                "The Welsh Local Government Association and the Association of Directors of "
                "Education in Wales reported good progress towards having the new arrangements in "
                "place for September 2025. Members noted that authorities were rebuilding services "
                "in different ways and that capacity should be watched closely.",
                "Adroddodd Cymdeithas Llywodraeth Leol Cymru a Chymdeithas Cyfarwyddwyr Addysg "
                "Cymru fod cynnydd da tuag at gael y trefniadau newydd ar waith erbyn mis Medi "
                "2025. Nododd yr aelodau fod awdurdodau'n ailadeiladu gwasanaethau mewn ffyrdd "
                "gwahanol ac y dylid cadw llygad barcud ar gapasiti.",
                "transition",
            ),
            (
                "Roles, responsibilities and accountability",
                "Rolau, cyfrifoldebau ac atebolrwydd",
                OFFICIALS,
                3,
                30,
                "Officials presented a draft statement of the roles and responsibilities of the "
                "Welsh Government, Estyn, local authorities and partnerships. Members welcomed it "
                "and asked that it also say clearly who is accountable when support for a school "
                "is not working.",
                "Cyflwynodd y swyddogion ddatganiad drafft o rolau a chyfrifoldebau Llywodraeth "
                "Cymru, Estyn, awdurdodau lleol a phartneriaethau. Croesawodd yr aelodau'r "
                "datganiad a gofyn iddo hefyd nodi'n glir pwy sy'n atebol pan nad yw'r cymorth i "
                "ysgol yn gweithio.",
                None,
            ),
            (
                "Using data for school improvement",
                "Defnyddio data ar gyfer gwella ysgolion",
                CHAIR,
                1,
                25,
                "Members discussed the place of data in the new arrangements. They agreed that data "
                "should support school improvement and an understanding of the system, not serve as "
                "an accountability measure for individual teachers or schools.",
                "Trafododd yr aelodau le data yn y trefniadau newydd. Cytunwyd y dylai data gefnogi "
                "gwella ysgolion a dealltwriaeth o'r system, ac na ddylid ei ddefnyddio fel mesur "
                "atebolrwydd ar gyfer athrawon neu ysgolion unigol.",
                None,
            ),
        ],
        "actions": [
            (
                "claire.homard",
                "Send the secretariat comments on the draft statement of roles and "
                "responsibilities",
                17,
                16,
            ),
            (
                "chris.llewellyn",
                "Gather local authorities' views on capacity in school improvement "
                "services during the transition",
                120,
                110,
            ),
        ],
    },
    # The meeting seed 001 reports.
    datetime.date(2025, 11, 3): {
        "items": [
            "welcome",
            "minutes",
            (
                *PAPERS["progress"]["title"],
                OFFICIALS,
                1,
                35,
                "Officials updated the Group on the transition across Wales. A significant amount "
                "of work by the Welsh Government and partners had put the structural changes in "
                "place for September 2025, and the overall approach has been welcomed across the "
                "sector. Within the national framework there are differences across Wales based on "
                "local knowledge and need, which partners want to protect. Work remains to ensure "
                "clarity on roles, responsibilities and accountability.\n\n"
                "Members welcomed the ongoing engagement, collectively and one to one, between the "
                "Education Improvement Team and local authorities. Local authorities are rebuilding "
                "services in a different way, and capacity in schools, local authorities and the "
                "Welsh Government needs to be monitored.",
                "Rhoddodd y swyddogion y wybodaeth ddiweddaraf i'r Grŵp am y newid ledled Cymru. "
                "Roedd cryn dipyn o waith gan Lywodraeth Cymru a'i phartneriaid wedi rhoi'r "
                "newidiadau strwythurol ar waith ar gyfer mis Medi 2025, ac mae'r dull cyffredinol "
                "wedi'i groesawu ar draws y sector. O fewn y fframwaith cenedlaethol mae "
                "gwahaniaethau ledled Cymru yn seiliedig ar wybodaeth leol ac angen lleol, ac mae "
                "partneriaid am ddiogelu hynny. Mae gwaith i'w wneud o hyd i sicrhau eglurder "
                "ynghylch rolau, cyfrifoldebau ac atebolrwydd.\n\n"
                "Croesawodd yr aelodau yr ymgysylltu parhaus, ar y cyd ac un i un, rhwng y Tîm "
                "Gwella Addysg ac awdurdodau lleol. Mae awdurdodau lleol yn ailadeiladu "
                "gwasanaethau mewn ffordd wahanol, ac mae angen monitro capasiti mewn ysgolion, "
                "awdurdodau lleol a Llywodraeth Cymru.",
                "progress",
            ),
            (
                "Dysgu: the new professional learning and leadership body",
                "Dysgu: y corff dysgu proffesiynol ac arweinyddiaeth newydd",
                OFFICIALS,
                3,
                20,
                "The Group received an update on the establishment of Dysgu, the new professional "
                "learning and leadership body. Members noted that changing structures alone will "
                "not prevent the issues identified by the Strategic Review from re-emerging: a "
                "collective endeavour across the system is needed to achieve the change in culture "
                "that must underpin the new structures.",
                "Cafodd y Grŵp y wybodaeth ddiweddaraf am sefydlu Dysgu, y corff dysgu proffesiynol "
                "ac arweinyddiaeth newydd. Nododd yr aelodau na fydd newid strwythurau ar eu pen "
                "eu hunain yn atal y problemau a nodwyd gan yr Adolygiad Strategol rhag codi eto: "
                "mae angen ymdrech ar y cyd ar draws y system i sicrhau'r newid diwylliant y mae'n "
                "rhaid iddo fod yn sail i'r strwythurau newydd.",
                None,
            ),
            (
                "Understanding impact: success, data and national priorities",
                "Deall yr effaith: llwyddiant, data a blaenoriaethau cenedlaethol",
                OFFICIALS,
                3,
                25,
                "The Group accepted that there is still work to do to agree how the impact of the "
                "changes will be understood and what success would look like, and that the system "
                "must be allowed time to respond. Members agreed that data should be shared widely "
                "and used to build momentum for school improvement, not as an accountability "
                "measure.\n\n"
                "Officials described a move towards a national discussion cycle on priorities "
                "involving all partners. Members encouraged stability in those priorities over "
                "years to help the school system.",
                "Derbyniodd y Grŵp fod gwaith i'w wneud o hyd i gytuno sut y bydd effaith y "
                "newidiadau'n cael ei deall a sut beth fyddai llwyddiant, a bod yn rhaid rhoi "
                "amser i'r system ymateb. Cytunodd yr aelodau y dylid rhannu data'n eang a'i "
                "ddefnyddio i greu momentwm ar gyfer gwella ysgolion, nid fel mesur atebolrwydd.\n\n"
                "Disgrifiodd y swyddogion symudiad tuag at gylch trafod cenedlaethol ar "
                "flaenoriaethau sy'n cynnwys pob partner. Anogodd yr aelodau sefydlogrwydd yn y "
                "blaenoriaethau hynny dros y blynyddoedd er mwyn helpu'r system ysgolion.",
                "priorities",
            ),
            (
                "Advice to the Cabinet Secretary and closure of the programme's governance",
                "Cyngor i Ysgrifennydd y Cabinet a chau trefniadau llywodraethu'r rhaglen",
                CHAIR,
                None,
                20,
                "The Group agreed the advice to be sent to the Cabinet Secretary for Education: "
                "the building blocks for the new school improvement arrangements are in place, and "
                "the 2025 to 2026 academic year will see them embedded and developed. Clarity of "
                "roles and responsibilities, clear and shared priorities, and good communication "
                "and engagement would go a long way to building a more robust and resilient "
                "system.\n\n"
                "As the programme's formal governance arrangements are being prepared for closure, "
                "with ongoing responsibility passing to business as usual for the Welsh Government "
                "and partners, the Chair thanked members: this was the Group's final meeting under "
                "the programme.",
                "Cytunodd y Grŵp ar y cyngor i'w anfon at Ysgrifennydd y Cabinet dros Addysg: mae "
                "blociau adeiladu'r trefniadau gwella ysgolion newydd yn eu lle, a bydd blwyddyn "
                "academaidd 2025 i 2026 yn eu gweld yn cael eu hymwreiddio a'u datblygu. Byddai "
                "eglurder ynghylch rolau a chyfrifoldebau, blaenoriaethau clir a rennir, a "
                "chyfathrebu ac ymgysylltu da yn gwneud llawer i adeiladu system fwy cadarn a "
                "gwydn.\n\n"
                "Gan fod trefniadau llywodraethu ffurfiol y rhaglen yn cael eu paratoi i'w cau, "
                "gyda'r cyfrifoldeb parhaus yn trosglwyddo i waith arferol Llywodraeth Cymru a'i "
                "phartneriaid, diolchodd y Cadeirydd i'r aelodau: hwn oedd cyfarfod olaf y Grŵp o "
                "dan y rhaglen.",
                None,
            ),
        ],
        "actions": [
            (
                "kirsty.williams",
                "Write to the Cabinet Secretary for Education with the Group's "
                "advice on the progress of the new school improvement arrangements",
                4,
                2,
            ),
            # Left open: due a week before the next (review) meeting, see _due_on.
            (
                "claire.homard",
                "Work with the Education Improvement Team on how the impact of the "
                "new arrangements will be understood, and report to the review meeting",
                None,
                None,
            ),
        ],
    },
}

# The upcoming confirmed meeting: an agenda and one paper, no minutes yet.
UPCOMING_ITEMS = [
    "welcome",
    "minutes",
    (
        "Embedding the new arrangements: progress across Wales",
        "Ymwreiddio'r trefniadau newydd: cynnydd ledled Cymru",
        OFFICIALS,
        1,
        35,
    ),
    (
        "Understanding impact and the national discussion cycle on priorities",
        "Deall yr effaith a'r cylch trafod cenedlaethol ar flaenoriaethau",
        ADEW,
        3,
        30,
    ),
    (*PAPERS["handover"]["title"], CHAIR, 3, 25, "", "", "handover"),
    ("Any other business", "Unrhyw fater arall", CHAIR, None, 10),
]
