"""python manage.py make_bench_data --scale N: the benchmark's data set, in its own database.

Makes (or remakes) the database `ncg_bench_<scale>` on the same server as DATABASE_URL, with its
uploaded files under `.bench/<database>/media`, migrates it, fills it (ncg_portal/bench_data.py)
and writes `.bench/<database>/manifest.json`: how to reach it, and whom and what the benchmark
visits. The portal's own database is never touched.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.report import bench_database_name

ROOT = Path(settings.BASE_DIR)


def bench_dir(name):
    return ROOT / ".bench" / name


def database_url(name):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class Command(BaseCommand):
    help = "Build the benchmark data set (100 groups, 3,000 people, ten years at scale 1)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 is 100 groups; 0.1 is 10")
        parser.add_argument("--database", help="the database to (re)make; ncg_bench_<scale>")
        # Internal: the child process that fills the database it is pointed at.
        parser.add_argument("--fill", action="store_true", help="fill the current database")

    def handle(self, *args, scale, database, fill, **options):
        if scale <= 0 or scale > 20:
            raise CommandError("--scale must be above 0 and at most 20.")
        if fill:
            return self.fill(scale)
        name = database or bench_database_name(scale)
        if name == connection.settings_dict["NAME"]:
            raise CommandError(f"{name} is the portal's own database: pick another name.")
        folder = bench_dir(name)
        started = time.monotonic()
        self.remake_database(name)
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "media").mkdir(parents=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(name),
            "MEDIA_ROOT": str(folder / "media"),
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        steps = (
            ["migrate", "--no-input", "-v0"],
            ["createcachetable"],
            ["make_bench_data", "--scale", str(scale), "--fill"],
        )
        for step in steps:
            if subprocess.run(manage + step, env=env).returncode:
                raise CommandError(f"{' '.join(step[:1])} failed on {name}; see above.")
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest.update(
            database=name, database_url=env["DATABASE_URL"], media_root=env["MEDIA_ROOT"]
        )
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        self.stdout.write(
            f"Database {name} ready in {time.monotonic() - started:.0f} s.\n"
            f"Use it with: DATABASE_URL={env['DATABASE_URL']} MEDIA_ROOT={env['MEDIA_ROOT']}"
        )

    def remake_database(self, name):
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=int(db["PORT"] or 5432),
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')
            admin.execute(f'create database "{name}"')

    def fill(self, scale):
        from ncg_portal.bench_data import Builder

        started = time.monotonic()
        builder = Builder(scale, out=self.stdout.write)
        made = builder.build()
        frozen = builder.freeze_minutes()
        elapsed = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute("analyze")
            cursor.execute("select pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        sizes = builder.sizes
        self.stdout.write(
            f"Scale {scale:g}: {sizes.groups} groups, {sizes.people} people, {sizes.years} years."
        )
        width = max(len(name) for name in made.counts)
        for name, count in made.counts.items():
            self.stdout.write(f"  {name:<{width}}  {count:>9,}")
        self.stdout.write(f"  {'minutes records frozen':<{width}}  {frozen:>9,}")
        self.stdout.write(f"  database size {size / 2**20:,.0f} MiB; filled in {elapsed:.0f} s")
        folder = Path(settings.MEDIA_ROOT).parent
        manifest = {
            "scale": scale,
            "counts": made.counts,
            "seconds": round(elapsed),
            **made.manifest,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
