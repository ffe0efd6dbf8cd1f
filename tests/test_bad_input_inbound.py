"""Bad input through the inbound email parser (issue 7): property-based tests with hypothesis.

Whatever bytes arrive (random bytes; real replies with random headers, broken MIME, odd or
unknown charsets and transfer encodings, nested multiparts, attachments with hostile names,
encoded words hiding line breaks, very long headers), `receive_message`:
- returns, never raises;
- has stored the raw bytes, whole, before reading them;
- ends the message in a final state (accepted, held with a reason, duplicate, bounce, automatic
  reply) through one of the documented refusals, never through its last-resort "could not be
  read" (which would mean the parser fell over);
- writes no comment for a message it does not accept, and nothing it stores holds a line break
  or a NUL byte where one header value is expected.

The reply-text functions (meetings/reply_text.py) are checked on their own too: plain text and
HTML of any shape give text, without NUL bytes, and never raise.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.inbound import receive_message
from meetings.models import (
    Circulation,
    CirculationRecipient,
    Comment,
    CommentAttachment,
    InboundMessage,
    Position,
)
from meetings.reply_text import html_to_text, reply_from_text
from meetings.reply_tokens import reply_address
from tests.test_bad_input_forms import SCALE, nasty_text

pytestmark = pytest.mark.django_db

Status = InboundMessage.Status
FINAL = {Status.ACCEPTED, Status.HELD, Status.DUPLICATE, Status.BOUNCE, Status.AUTO_REPLY}

inbound_settings = settings(
    max_examples=30 * SCALE,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def circulation(ncg, secretariat, member, welsh_member):
    circulation = Circulation.objects.create(
        group=ncg,
        subject_en="Papers for comment",
        subject_cy="Papurau i roi sylwadau",
        message_en="Please comment.",
        message_cy="Rhowch sylwadau.",
        deadline=timezone.now() + datetime.timedelta(days=7),
        status=Circulation.Status.OPEN,
        opened_at=timezone.now() - datetime.timedelta(days=1),
        created_by=secretariat,
    )
    for person in (member, welsh_member):
        CirculationRecipient.objects.create(
            circulation=circulation, person=person, sent_at=circulation.opened_at
        )
    return circulation


# --- Messages -----------------------------------------------------------------------------------


def _b(text):
    return text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text


raw_text = st.one_of(nasty_text.map(_b), st.binary(max_size=60))
CHARSETS = [
    "utf-8",
    "UTF-8",
    "iso-8859-1",
    "windows-1252",
    "us-ascii",
    "utf-16",
    "utf-7",
    "x-unknown",
    "",
    "utf-8\x00",
    '"; boundary="x',
    "iso-2022-jp",
    "cp1251",
]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "nonsense", ""]
TEXT_TYPES = ["text/plain", "text/html", "text/enriched", "TEXT/PLAIN", "text/"]
OTHER_TYPES = [
    "application/pdf",
    "application/octet-stream",
    "image/png",
    "message/rfc822",
    "message/delivery-status",
    "multipart/report; report-type=delivery-status",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "nonsense",
    "/",
]
FILENAMES = [
    "paper.pdf",
    "../../etc/passwd",
    "a\\b.pdf",
    "nul\x00.pdf",
    "evil\u202efdp.exe",
    "line\r\nbreak.pdf",
    "ŵŷ.txt",
    "=?utf-7?q?+2AA-.pdf?=",
    "",
    "x" * 300 + ".pdf",
]


def _encoded_word(text):
    """RFC 2047 forms: good, with an unknown charset, broken base64, hiding a line break."""
    import base64

    payload = _b(text)
    return st.sampled_from(
        [
            b"=?utf-8?b?" + base64.b64encode(payload) + b"?=",
            b"=?utf-8?q?" + payload.replace(b" ", b"_").replace(b"?", b"=3F") + b"?=",
            b"=?x-unknown?b?" + base64.b64encode(payload) + b"?=",
            b"=?utf-8?b?!!not base64!!?=",
            b"=?utf-8?q?Hello=0D=0ABcc=3A_evil=40example=2Eorg?=",
            b"=?utf-8*cy?q?Diolch?=",
            b"=?utf-7?q?+2AA-?=",  # a lone surrogate once decoded
            b"=?utf-8?B?" + base64.b64encode(payload)[:-1] + b"?=",
        ]
    )


header_values = st.one_of(
    raw_text,
    nasty_text.flatmap(_encoded_word),
    st.builds(lambda a, b: a + b"\r\n " + b, raw_text, raw_text),  # folded
    st.builds(lambda a, b: a + b"\r\n" + b, raw_text, raw_text),  # a line break, unfolded
    st.builds(lambda n: b"x" * n, st.sampled_from([998, 1000, 20_000, 300_000])),
)
HEADER_NAMES = [
    b"From",
    b"To",
    b"Cc",
    b"Sender",
    b"Reply-To",
    b"Subject",
    b"Message-ID",
    b"Date",
    b"References",
    b"In-Reply-To",
    b"Delivered-To",
    b"X-Original-To",
    b"Envelope-To",
    b"Auto-Submitted",
    b"Precedence",
    b"X-Autoreply",
    b"Authentication-Results",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"Content-Disposition",
    b"MIME-Version",
    b"Return-Path",
]
extra_headers = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(HEADER_NAMES), st.binary(min_size=1, max_size=12)),
        header_values,
    ),
    max_size=4,
)


def _encode_body(data, encoding):
    import base64
    import quopri

    if encoding == "base64":
        return base64.encodebytes(data)
    if encoding == "quoted-printable":
        return quopri.encodestring(data)
    return data


def _text_part(content_type, charset, encoding, body, *, broken_encoding):
    data = _encode_body(body, encoding)
    if broken_encoding:
        data = data[: len(data) // 2] + b"=\r\n=ZZ===" + data[len(data) // 2 :]
    head = f'Content-Type: {content_type}; charset="{charset}"\r\n'.encode(
        "utf-8", "surrogateescape"
    )
    if encoding:
        head += f"Content-Transfer-Encoding: {encoding}\r\n".encode()
    return head + b"\r\n" + data


@st.composite
def leaf_parts(draw):
    if draw(st.booleans()):
        body = draw(
            st.one_of(
                nasty_text.map(lambda t: t.encode("utf-8")),
                st.sampled_from(
                    [
                        b"Agree\r\n\r\nOn Mon, 3 Nov 2025, NCG wrote:\r\n> quoted\r\n",
                        b"<html><body><p>Cytuno</p><blockquote type=cite>x</blockquote>",
                        b"<div>" * 3000 + b"deep" + b"</div>" * 3000,
                        b"<a href='javascript:alert(1)'>x</a><script>alert(1)</script>",
                        "Diolch, ŵ ŷ\r\n-- \r\nSig".encode(),
                        b"\xff\xfe\x00\x00broken utf-16",
                    ]
                ),
                st.binary(max_size=300),
            )
        )
        return _text_part(
            draw(st.sampled_from(TEXT_TYPES)),
            draw(st.sampled_from(CHARSETS)),
            draw(st.sampled_from(ENCODINGS)),
            body,
            broken_encoding=draw(st.booleans()),
        )
    content_type = draw(st.sampled_from(OTHER_TYPES))
    name = draw(st.one_of(st.sampled_from(FILENAMES), nasty_text)).encode("utf-8")
    encoding = draw(st.sampled_from(ENCODINGS))
    content = draw(
        st.one_of(
            st.sampled_from([b"%PDF-1.4\n%%EOF\n", b"", b"From: x\r\n\r\nInner message\r\n"]),
            st.binary(max_size=200),
        )
    )
    disposition = draw(
        st.sampled_from(
            [
                b'attachment; filename="' + name + b'"',
                b"attachment; filename*=utf-8''" + name.replace(b" ", b"%20"),
                b"inline",
                b"attachment; filename*0*=utf-8''a; filename*1=" + name,
                b"nonsense;;;=",
            ]
        )
    )
    return (
        b"Content-Type: "
        + content_type.encode()
        + b"\r\nContent-Disposition: "
        + disposition
        + b"\r\nContent-Transfer-Encoding: "
        + encoding.encode()
        + b"\r\n\r\n"
        + _encode_body(content, encoding)
    )


def multipart(children, draw):
    boundary = draw(st.sampled_from([b"b1", b"=_boundary_=", b"", b"x" * 80, b"b1\x00"]))
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"report", b"x"]))
    style = draw(st.sampled_from(["good", "no end", "no start", "wrong boundary", "no boundary"]))
    head = b"Content-Type: multipart/" + subtype
    if style != "no boundary":
        head += b'; boundary="' + boundary + b'"'
    body = b"preamble\r\n"
    marker = b"--" + (b"other" if style == "wrong boundary" else boundary)
    for index, child in enumerate(children):
        if style == "no start" and index == 0:
            body += child + b"\r\n"
            continue
        body += marker + b"\r\n" + child + b"\r\n"
    if style != "no end":
        body += marker + b"--\r\nepilogue\r\n"
    return head + b"\r\n\r\n" + body


@st.composite
def mime_parts(draw, depth=0):
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(leaf_parts())
    children = draw(st.lists(mime_parts(depth=depth + 1), min_size=0, max_size=3))
    return multipart(children, draw)


def _one_line(value):
    return value.replace(b"\r", b"").replace(b"\n", b"")


@st.composite
def replies(draw, circulation, person):
    """A reply from the member to their reply address, with anything in it. Half of them have
    headers a mail server would pass (so the body and attachments are read); the others have
    anything at all in their headers too."""
    address = reply_address(circulation, person)
    well_formed = draw(st.booleans())
    senders = [f"{person.full_name} <{person.email}>", person.email]
    recipients = [address, f"NCG <{address}>"]
    if not well_formed:
        senders += [
            f'"Evil\r\n" <{person.email}>',
            f"=?utf-8?q?Owen_=0D=0A?= <{person.email}>",
            "nobody@example.net",
            "",
            f"{person.email}, other@example.org",
        ]
        recipients += [
            address[:-3] + "xyz",
            "reply+nonsense@replies.example.org",
            "someone@example.org",
        ]
    subject = draw(header_values)
    extra = draw(extra_headers)
    if well_formed:
        subject = _one_line(draw(raw_text))
        extra = [
            (_one_line(name), _one_line(value))
            for name, value in extra
            if name in HEADER_NAMES
            and name.lower() not in (b"from", b"to", b"cc", b"sender", b"content-type")
        ]
    headers = [
        (b"From", draw(st.sampled_from(senders)).encode()),
        (b"To", draw(st.sampled_from(recipients)).encode()),
        (b"Subject", subject),
        (b"Message-ID", draw(st.sampled_from([b"<a@example.org>", b"", b"<\x00>"]) | raw_text)),
        (b"MIME-Version", b"1.0"),
        *extra,
    ]
    if well_formed:
        headers[3] = (b"Message-ID", b"<%d@example.org>" % draw(st.integers(0, 10**6)))
    order = draw(st.permutations(range(len(headers))))
    head = b"".join(headers[i][0] + b": " + headers[i][1] + b"\r\n" for i in order)
    body = draw(mime_parts())
    if well_formed:
        return head + body
    eol = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    return (head + body).replace(b"\r\n", eol)


# --- The properties -----------------------------------------------------------------------------


def _check_received(raw):
    comments = Comment.objects.count()
    attachments = CommentAttachment.objects.count()
    message = receive_message(raw, source=InboundMessage.Source.PIPE)
    message = InboundMessage.objects.get(pk=message.pk)
    assert bytes(message.raw) == raw and message.size == len(raw)
    assert message.status in FINAL, message.status
    assert not message.hold_reason.startswith("could not be read"), message.hold_reason
    if message.status == Status.HELD:
        assert message.hold_reason
    if message.status != Status.ACCEPTED:
        assert Comment.objects.count() == comments
        assert CommentAttachment.objects.count() == attachments
    for value in (message.message_id, message.from_address, message.to_address, message.subject):
        assert not set(value) & {"\r", "\n", "\x00"}, value
    assert message.history.count() >= 2  # received, then read
    return message


def test_random_bytes_are_stored_and_held(circulation):
    @inbound_settings
    @given(raw=st.binary(max_size=2000))
    def check(raw):
        with transaction.atomic():
            _check_received(raw)
            transaction.set_rollback(True)

    check()


def test_replies_with_anything_in_them_end_in_a_documented_state(circulation, member):
    @inbound_settings
    @given(raw=replies(circulation, member))
    def check(raw):
        with transaction.atomic():
            message = _check_received(raw)
            if message.status == Status.ACCEPTED:
                comment = Comment.objects.filter(inbound_message=message).get()
                assert "\x00" not in comment.body
                for attachment in comment.attachments.all():
                    assert "/" not in attachment.original_name
                    assert "\\" not in attachment.original_name
                    assert "\x00" not in attachment.original_name
            transaction.set_rollback(True)

    check()


@pytest.mark.parametrize(
    "case",
    [
        "deep multipart",
        "huge header",
        "many headers",
        "many parts",
        "deep html",
        "nul in body",
        "nested message",
        "rfc 2231 parameters",
        "nul in charset",
        "related without boundary",
        "nul in an attachment's name",
        "8-bit headers",
        "utf-7 surrogates",
    ],
)
def test_extreme_messages_end_in_a_documented_state(case, circulation, member):
    """The shapes hypothesis is unlikely to reach: thousands of levels, lines or parts."""
    head = (
        f"From: {member.email}\r\nTo: {reply_address(circulation, member)}\r\n"
        "Subject: Re: papers\r\nMessage-ID: <x@example.org>\r\nMIME-Version: 1.0\r\n"
    ).encode()
    text = b"Content-Type: text/plain; charset=utf-8\r\n\r\nI agree.\r\n"
    if case == "deep multipart":
        body = text
        for level in range(400):  # past the parser's recursion limit
            boundary = f"b{level}".encode()
            body = (
                b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
                + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
            )  # fmt: skip
        raw = head + body
    elif case == "huge header":
        raw = head.replace(
            b"Subject: Re: papers", b"Subject: " + "ŵ".encode().join([b"x"] * 500_000)
        )
        raw += text
    elif case == "many headers":
        raw = head + b"".join(b"X-H%d: v\r\n" % i for i in range(50_000)) + text
    elif case == "many parts":
        part = b"--b\r\n" + text
        raw = (
            head + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + part * 5000 + b"--b--\r\n"
        )
    elif case == "deep html":
        html = b"<div>" * 20_000 + b"Cytuno" + b"</div>" * 20_000
        raw = head + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html
    elif case == "nul in body":
        raw = head + b"Content-Type: text/plain; charset=utf-8\r\n\r\nI\x00 agree\x00.\r\n"
    elif case == "rfc 2231 parameters":
        raw = head + (
            b"Content-Type: multipart/report; report-type*=utf-8''delivery-status; boundary=b\r\n"
            b"\r\n--b\r\nContent-Type: text/plain; format*=utf-8''flowed; delsp*=''yes\r\n\r\n"
            b"I agree \r\nwith it.\r\n--b--\r\n"
        )
    elif case == "nul in charset":
        raw = head + b'Content-Type: text/plain; charset="utf-8\x00"\r\n\r\nI agree.\r\n'
    elif case == "related without boundary":
        raw = head + (
            b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: multipart/related\r\n\r\nI agree.\r\n--b--\r\n"
        )
    elif case == "nul in an attachment's name":
        raw = head + (
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' + text + b"--b\r\n"
            b"Content-Type: application/pdf\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''evil%00%0D%0A.exe\r\n\r\n"
            b"MZ\r\n--b--\r\n"
        )
    elif case == "8-bit headers":
        raw = head.replace(b"Subject: Re: papers", b"Subject: Diolch \xe2\x80\xae \xff\xfe ok")
        raw = raw.replace(b"MIME-Version", b"Sender: \xe2\x80\xaegnp.exe \xff\r\nMIME-Version")
        raw += text
    elif case == "utf-7 surrogates":  # UTF-7 can say a lone surrogate, which UTF-8 cannot
        word = b"=?utf-7?q?+2AA-?="
        raw = head.replace(b"MIME-Version", b"Auto-Submitted: " + word + b"\r\nMIME-Version")
        raw += (
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: text/plain; charset=utf-7\r\n\r\nI agree +2AA- ok\r\n--b\r\n"
            b"Content-Type: application/pdf\r\nContent-ID: " + word + b"\r\n"
            b"Content-Disposition: attachment; filename*=utf-7''%2B2AA-.pdf\r\n\r\n"
            b"%PDF-1.4\n%%EOF\r\n--b--\r\n"
        )
    else:  # a message inside a message inside a message...
        inner = text
        for _ in range(300):
            inner = b"Content-Type: message/rfc822\r\n\r\n" + head + inner
        raw = head + inner
    message = _check_received(raw)
    if case in ("deep multipart", "nested message"):
        assert "nested more than 50 levels deep" in message.hold_reason
    if case == "many parts":
        assert message.hold_reason == "it has more than 1000 parts, so not read"
    if case == "8-bit headers":
        assert message.status == Status.HELD and "not registered" in message.hold_reason
        assert message.subject == "Diolch \u202e \ufffd\ufffd ok"
    if case == "nul in an attachment's name":
        assert message.status == Status.ACCEPTED
        assert message.hold_reason.startswith("attachment evil .exe refused")


def test_a_huge_html_reply_is_read_in_reasonable_time(circulation, member):
    """Only the start of a body is read: a 30 MB HTML reply is not minutes of work."""
    import time

    head = (
        f"From: {member.email}\r\nTo: {reply_address(circulation, member)}\r\n"
        "Subject: Re: papers\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    ).encode()
    started = time.monotonic()
    message = _check_received(head + b"<p>Cytuno</p>" + b"<p>" + b"w" * 30_000_000 + b"</p>")
    assert message.status == Status.ACCEPTED
    assert time.monotonic() - started < 60


# --- The reply text on its own ------------------------------------------------------------------

text_settings = settings(max_examples=50 * SCALE, deadline=None)


@text_settings
@given(text=st.one_of(nasty_text, st.text(max_size=2000)))
def test_reply_text_never_raises_and_holds_no_nul(text):
    reply = reply_from_text(text)
    assert "\x00" not in reply.text
    assert reply.position in ("", *Position.values)


html_pieces = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<blockquote type=cite>",
        "</blockquote>",
        "<div class=gmail_quote>",
        '<div id="divRplyFwdMsg">',
        '<div style="border-top:solid #E1E1E1 1.0pt">From: x</div>',
        "<p>",
        "<br>",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="mailto:owen@example.org">Owen</a>',
        "<img src=cid:logo>",
        "<table><tr><td>",
        "<!--",
        "-->",
        "<![CDATA[",
        "&#0;",
        "&amp;",
        "\x00",
        "Cytuno",
        "ŵ ŷ",
        "<",
        ">",
        "<html><head><title>t</title></head><body>",
    ]
)


@text_settings
@given(html=st.lists(st.one_of(html_pieces, nasty_text), max_size=40).map("".join))
def test_html_reply_text_never_raises(html):
    text = html_to_text(html)
    assert isinstance(text, str)
    assert "\x00" not in reply_from_text(text).text


def test_a_message_too_deep_to_read_is_held_with_its_headers_and_cannot_be_released(
    circulation, member, secretariat, monkeypatch
):
    from meetings import inbound

    head = (
        f"From: {member.full_name} <{member.email}>\r\n"
        f"To: {reply_address(circulation, member)}\r\nSubject: Re: papers\r\n"
        "MIME-Version: 1.0\r\n"
    ).encode()
    inner = b"Content-Type: text/plain\r\n\r\nI agree.\r\n"
    for _ in range(inbound.MAX_PART_DEPTH + 1):
        inner = b"Content-Type: message/rfc822\r\n\r\n" + head + inner
    message = _check_received(head + inner)
    assert message.status == Status.HELD
    assert message.hold_reason == "its parts are nested more than 50 levels deep, so not read"
    assert message.subject == "Re: papers" and message.person == member
    with pytest.raises(inbound.CannotRelease, match="unreadable"):
        inbound.release_held_message(message=message, released_by=secretariat)

    # One the parser fell over on is held too, and releasing it is refused, not a server error.
    def broken(parsed):
        raise RuntimeError("the parser fell over")

    monkeypatch.setattr(inbound, "extract_reply", broken)
    message = receive_message(
        head + inner.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\nYes\r\n", source="pipe"
    )
    message.refresh_from_db()
    assert message.status == Status.HELD and "RuntimeError" in message.hold_reason
    with pytest.raises(inbound.CannotRelease, match="unreadable"):
        inbound.release_held_message(message=message, released_by=secretariat)
    assert not Comment.objects.exists()
