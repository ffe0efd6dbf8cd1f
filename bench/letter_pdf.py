"""Benchmark: median time to export a two-page advice letter as a tagged PDF (not a test).

    source scripts/env.sh && .venv/bin/python bench/letter_pdf.py [--runs 20] [--no-write]

Builds the letter from unsaved objects (no database rows), renders once to warm up (fonts, the
import of WeasyPrint), then times N exports in English and writes the result into
docs/benchmarks.md, in the section between the markers below.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncg_portal.settings")

import django  # noqa: E402

django.setup()

from advice.models import Letter, LetterVersion  # noqa: E402
from advice.pdf import letter_pdf  # noqa: E402
from members.models import Group  # noqa: E402

START, END = "<!-- bench:letter_pdf -->", "<!-- /bench:letter_pdf -->"

PARAGRAPH = (
    "The Group received helpful updates on the transition to new school improvement arrangements "
    "across Wales and the establishment of the new professional learning and leadership body, "
    "Dysgu. There has been a significant amount of work by the Welsh Government and partners in "
    "putting these structural changes in place for September 2025."
)
PARAGRAPH_CY = (
    "Cafodd y Grŵp ddiweddariadau defnyddiol ar y newid i drefniadau gwella ysgolion newydd ledled "
    "Cymru a sefydlu'r corff dysgu proffesiynol ac arweinyddiaeth newydd, Dysgu. Mae llawer o waith "
    "wedi'i wneud gan Lywodraeth Cymru a'i phartneriaid i roi'r newidiadau hyn ar waith erbyn mis "
    "Medi 2025. Ŵ ŷ."
)


def two_page_letter(paragraphs=11):
    group = Group(
        slug="ncg",
        short_name="NCG",
        name_en="National Coherence Group",
        name_cy="Grŵp Cydlyniant Cenedlaethol",
    )
    letter = Letter(
        group=group,
        status=Letter.Status.APPROVED,
        letter_date=datetime.date(2025, 11, 5),
        addressee_en="Cabinet Secretary for Education",
        addressee_cy="Ysgrifennydd y Cabinet dros Addysg",
        signatory_name="Kirsty Williams CBE",
        signatory_role_en="Chair, National Coherence Group",
        signatory_role_cy="Cadeirydd, Grŵp Cydlyniant Cenedlaethol",
    )
    version = LetterVersion(
        letter=letter,
        number=1,
        title_en="Reflections on the progress of new school improvement arrangements",
        title_cy="Myfyrdodau ar gynnydd y trefniadau gwella ysgolion newydd",
        salutation_en="Dear Cabinet Secretary,",
        salutation_cy="Annwyl Ysgrifennydd y Cabinet,",
        body_en="\n\n".join([PARAGRAPH] * paragraphs),
        body_cy="\n\n".join([PARAGRAPH_CY] * paragraphs),
        closing_en="Yours sincerely,",
        closing_cy="Yn gywir,",
    )
    return letter, version


def page_count(data):
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_section(text):
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{START}\n{text.rstrip()}\n{END}"
    if START in current and END in current:
        current = re.sub(
            re.escape(START) + ".*?" + re.escape(END), lambda _: section, current, flags=re.S
        )
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only; leave the docs alone")
    args = parser.parse_args()

    letter, version = two_page_letter()
    warm = letter_pdf(letter, "en", version=version)  # warm-up: import, fonts, caches
    pages = page_count(warm)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        letter_pdf(letter, "en", version=version)
        times.append(time.perf_counter() - start)
    median_ms = statistics.median(times) * 1000
    welsh_pages = page_count(letter_pdf(letter, "cy", version=version))

    import weasyprint

    machine = (
        f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}"
    )
    result = (
        f"## Letter PDF export (`bench/letter_pdf.py`)\n\n"
        f"Median time to export a {pages}-page advice letter (English, tagged PDF/UA-1) with "
        f"`advice.pdf.letter_pdf`, over {args.runs} runs after one warm-up render.\n\n"
        f"| date | machine | pages (en / cy) | median | min | max |\n"
        f"| --- | --- | --- | --- | --- | --- |\n"
        f"| {datetime.date.today().isoformat()} | {machine} | {pages} / {welsh_pages} | "
        f"{median_ms:.0f} ms | {min(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |\n"
    )
    print(result)
    if pages != 2:
        print(f"warning: the letter has {pages} pages, not 2", file=sys.stderr)
    if not args.no_write:
        write_section(result)


if __name__ == "__main__":
    main()
