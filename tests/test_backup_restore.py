"""Backup and restore round trip (docs/operations.md): dump the database and the uploaded files,
restore them into a fresh database and a fresh media folder, and every record and file is the same.
Real pg_dump and pg_restore against the test database, which is why the data is committed here."""

import hashlib
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from advice import services as letters
from meetings.models import Paper
from meetings.uploads import create_paper
from ncg_portal.backup import MANIFEST
from tests.advice.test_letters import TEXTS, WELSH
from tests.meetings.test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db(transaction=True)


def _tables_digest(dbname):
    """{table: md5 of all its rows in a fixed order} for every table in the public schema."""
    params = {**connection.get_connection_params(), "dbname": dbname}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    out = {}
    with psycopg.connect(**params) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        for (table,) in cur.fetchall():
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
            )
            out[table] = cur.fetchone()
    return out


def _files(root):
    root = Path(root)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def restored_db():
    name = f"{connection.settings_dict['NAME']}_restored"
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_gives_the_same_records_and_files(
    settings, tmp_path, ncg, chair, secretariat, restored_db
):
    settings.MEDIA_ROOT = tmp_path / "media"
    create_paper(
        group=ncg,
        title_en="Papur",
        title_cy="Papur ŵ ŷ",
        classification=Paper.Classification.OFFICIAL,
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("paper.pdf", MINIMAL_PDF, "application/pdf"),
    )
    letter = letters.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
    letters.approve_letter(letter=letter, approved_by=chair)

    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    assert (backup_dir / MANIFEST).exists()

    db = connection.settings_dict
    url = (
        f"postgres://{db['USER'] or ''}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
        f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{restored_db}"
    )
    restored_media = tmp_path / "restored-media"
    call_command(
        "restore", str(backup_dir), "--database-url", url, "--media-root", str(restored_media)
    )
    original = _tables_digest(db["NAME"])
    copy = _tables_digest(restored_db)
    assert set(original) == set(copy)
    assert original["advice_letter"][0] == 1 and original["meetings_paperversion"][0] == 1
    for table in original:
        assert copy[table] == original[table], table
    assert _files(restored_media) == _files(settings.MEDIA_ROOT)
    assert len(_files(restored_media)) >= 1

    # History stays append-only in the copy: the triggers came with the schema.
    params = {**connection.get_connection_params(), "dbname": restored_db}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("DELETE FROM members_historicalgroup")

    # Restoring over what is there is refused; a damaged backup is refused.
    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "restore", str(backup_dir), "--database-url", url, "--media-root", str(restored_media)
        )
    with (backup_dir / "media.tar").open("ab") as tar:
        tar.write(b"damage")
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("restore", str(backup_dir), "--database-url", url, "--force")
