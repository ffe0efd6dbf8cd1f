"""`manage.py receive_email` runs once per message (a mail server's pipe), so what it imports is
paid on every reply. BeautifulSoup and html2text (about a tenth of a second) are needed only for a
reply without a text part: a fresh process reading a plain-text reply must not import them.
bench/mail.py times the whole start-up."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, email, email.policy
import django
django.setup()
from meetings.management.commands import receive_email  # noqa: F401
from meetings.reply_text import extract_reply
raw = (
    b"From: Owen <owen@example.org>\\r\\nTo: reply@example.org\\r\\nSubject: Re: x\\r\\n"
    b"Content-Type: text/plain; charset=utf-8\\r\\n\\r\\nAgree\\r\\n\\r\\nFine by me.\\r\\n"
)
reply = extract_reply(email.message_from_bytes(raw, policy=email.policy.default))
assert (reply.position, reply.text) == ("agree", "Fine by me."), reply
print(sorted(name for name in ("bs4", "html2text", "soupsieve") if name in sys.modules))
"""


def test_a_plain_text_reply_is_read_without_the_html_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ncg_portal.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
