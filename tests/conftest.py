"""Named people for every kind of visitor, as healthchecks does: an outsider (member of another
group), an observer, a member, the chair and a secretariat officer of the NCG."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from members.models import Group, Membership, Organisation, Person, Phase, Role, Workstream

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret=TOTP_SECRET):
    """The current code, never one about to expire: allauth allows no tolerance, so a code typed
    in the last seconds of its 30-second step could be checked in the next one."""
    import time

    from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

    if 30 - time.time() % 30 < 4:
        time.sleep(30 - time.time() % 30 + 0.2)
    return f"{hotp_value(secret, next(iter(yield_hotp_counters_from_time()))):06d}"


PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing at production strength costs about half a second a person, and most tests make
    several people. New passwords are hashed fast; hashes made the usual way still check."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *global_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _no_session_refresh_mid_test(settings):
    """A signed-in session's expiry is pushed on at most once a minute (a write, so queries): a
    slow test must not count it where a fast one does not. tests/test_sessions.py covers it."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _no_fragment_cache(settings):
    """Tests change data in a transaction that never commits, so change stamps (which move on
    commit) would not move: fragments are rendered every time, except in tests/test_fragments.py."""
    settings.FRAGMENT_CACHE = False


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """A request leaves its language active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


def make_group(slug, name_en, name_cy, **extra):
    return Group.objects.create(
        slug=slug,
        name_en=name_en,
        name_cy=name_cy,
        terms_of_reference_en=f"The terms of reference of {name_en}.",
        terms_of_reference_cy=f"Cylch gorchwyl {name_cy}.",
        advises_en="Cabinet Secretary for Education",
        advises_cy="Ysgrifennydd y Cabinet dros Addysg",
        starts_on=datetime.date(2024, 1, 31),
        **extra,
    )


def make_person(email, name, *, role=None, group=None, language="en", totp=False, org=None):
    person = Person.objects.create_user(
        email, PASSWORD, full_name=name, preferred_language=language
    )
    if group is not None:
        Membership.objects.create(
            person=person,
            group=group,
            role=role,
            organisation=org,
            starts_on=datetime.date(2024, 1, 31),
        )
    if totp:
        TOTP.activate(person, TOTP_SECRET)
    return person


@pytest.fixture
def ncg(db):
    group = make_group(
        "ncg",
        "National Coherence Group",
        "Grŵp Cydlyniant Cenedlaethol",
        mode_of_operation_en="Meetings may be in person, online or both.",
        mode_of_operation_cy="Gall cyfarfodydd fod wyneb yn wyneb, ar-lein neu'r ddau.",
    )
    Workstream.objects.create(group=group, number=1, title_en="Local", title_cy="Lleol")
    Phase.objects.create(
        group=group,
        name_en="Transition",
        name_cy="Pontio",
        starts_on=datetime.date(2025, 4, 1),
        ends_on=datetime.date(2025, 8, 31),
    )
    return group


@pytest.fixture
def other_group(db):
    return make_group("other", "Other Advisory Group", "Grŵp Cynghori Arall")


@pytest.fixture
def estyn(db):
    return Organisation.objects.create(name_en="Estyn", name_cy="Estyn")


@pytest.fixture
def member(ncg, estyn):
    return make_person("owen@example.org", "Owen Evans", role=Role.MEMBER, group=ncg, org=estyn)


@pytest.fixture
def welsh_member(ncg):
    return make_person(
        "dafydd@example.org", "Dafydd Gibbard", role=Role.MEMBER, group=ncg, language="cy"
    )


@pytest.fixture
def observer(ncg):
    return make_person("observer@example.org", "Olwen Observer", role=Role.OBSERVER, group=ncg)


@pytest.fixture
def chair(ncg):
    return make_person(
        "chair@example.org", "Kirsty Williams", role=Role.CHAIR, group=ncg, totp=True
    )


@pytest.fixture
def secretariat(ncg):
    return make_person(
        "secretariat@example.org", "Rhian Officer", role=Role.SECRETARIAT, group=ncg, totp=True
    )


@pytest.fixture
def outsider(other_group):
    return make_person(
        "outsider@example.org", "Oscar Outsider", role=Role.MEMBER, group=other_group
    )


def client_for(person):
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def as_member(member):
    return client_for(member)


@pytest.fixture
def as_secretariat(secretariat):
    return client_for(secretariat)


@pytest.fixture
def as_chair(chair):
    return client_for(chair)


@pytest.fixture
def as_outsider(outsider):
    return client_for(outsider)


@pytest.fixture
def as_observer(observer):
    return client_for(observer)
