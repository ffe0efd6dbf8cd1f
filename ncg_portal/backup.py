"""Backup and restore of the whole portal: the database (pg_dump's custom format) and the uploaded
files (a tar of MEDIA_ROOT), with a manifest of checksums. docs/operations.md has the procedure;
`manage.py backup DIR` and `manage.py restore DIR` run it.

The database dump is taken in one snapshot (pg_dump's own guarantee). Files are copied after it,
so a file uploaded while the backup runs may be in the tar without its row: harmless, the row is
what makes a file part of the record. Restore refuses to write into a database or a media folder
that already holds something, unless told to.
"""

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings

DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "MANIFEST.sha256"


class BackupError(Exception):
    pass


def _pg_env(database):
    """Connection settings for the PostgreSQL client tools, from a Django database dict."""
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(key):
            env[var] = str(database[key])
    return env


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def backup(target_dir, *, database=None, media_root=None):
    """Write DUMP, MEDIA and MANIFEST into `target_dir` (created; must be empty)."""
    database = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target / DUMP),
        ],
        _pg_env(database),
    )
    with tarfile.open(target / MEDIA, "w") as tar:
        if media_root.exists():
            tar.add(media_root, arcname=".")
    sums = {name: _sha256(target / name) for name in (DUMP, MEDIA)}
    (target / MANIFEST).write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    return sums


def check_backup(source_dir):
    """Problems with a backup folder: missing files or checksums that differ."""
    source = Path(source_dir)
    if not (source / MANIFEST).exists():
        return [f"no {MANIFEST} in {source}"]
    problems = []
    for line in (source / MANIFEST).read_text().splitlines():
        digest, _, name = line.partition("  ")
        if not (source / name).exists():
            problems.append(f"missing: {name}")
        elif _sha256(source / name) != digest:
            problems.append(f"checksum differs: {name}")
    return problems


def _database_is_empty(env):
    result = subprocess.run(
        ["psql", "-XAtc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"cannot reach the database: {result.stderr.strip()[:500]}")
    return result.stdout.strip() == "0"


def restore(source_dir, *, database=None, media_root=None, force=False):
    """Load a backup into `database` (an existing, empty database) and `media_root`."""
    problems = check_backup(source_dir)
    if problems:
        raise BackupError("the backup is not intact: " + "; ".join(problems))
    database = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    source = Path(source_dir)
    env = _pg_env(database)
    if not force and not _database_is_empty(env):
        raise BackupError(f"the database {database['NAME']} is not empty")
    if not force and media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *(["--clean", "--if-exists"] if force else []),
            "--dbname",
            database["NAME"],
            str(source / DUMP),
        ],
        env,
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA) as tar:
        tar.extractall(media_root, filter="data")  # no absolute paths, no links out of it
