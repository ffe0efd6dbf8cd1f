"""A letter's PDF is kept: a repeated export of an unchanged letter gives the same bytes without
WeasyPrint, and every change to what the PDF shows gives a new, correct PDF (never a stale one).

Renders are counted by wrapping ncg_portal.pdf._write_pdf, WeasyPrint's part (the real one runs).
Each test's letter carries words of its own, so no entry left by another test can answer for it."""

import io
import subprocess
import uuid

import pikepdf
import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

import ncg_portal.pdf
from advice import services
from advice.models import Letter
from advice.pdf import letter_pdf
from members.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class Renders:
    """Wraps WeasyPrint's part of ncg_portal.pdf and remembers each call."""

    def __init__(self, monkeypatch):
        self.calls = []
        real = ncg_portal.pdf._write_pdf

        def counted(html, sheets):
            self.calls.append((html, sheets))
            return real(html, sheets)

        monkeypatch.setattr(ncg_portal.pdf, "_write_pdf", counted)

    def since(self, before):
        return len(self.calls) - before


@pytest.fixture
def renders(monkeypatch):
    return Renders(monkeypatch)


@pytest.fixture
def letter(ncg, chair, secretariat):
    marker = uuid.uuid4().hex[:12]
    return services.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={
            "title_en": "Advice on school improvement",
            "salutation_en": "Dear Cabinet Secretary,",
            "body_en": f"First words {marker}.",
            "closing_en": "Yours sincerely,",
            "title_cy": "Cyngor ar wella ysgolion",
            "salutation_cy": "Annwyl Ysgrifennydd y Cabinet,",
            "body_cy": f"Geiriau cyntaf {marker}.",
            "closing_cy": "Yn gywir,",
        },
    )


def fresh(letter):
    return Letter.objects.select_related("group").get(pk=letter.pk)


def text_of(data):
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def image_widths(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return sorted(
            int(image.Width) for page in pdf.pages for image in page.get_images().values()
        )


def png(width, height):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return SimpleUploadedFile("signature.png", out.getvalue(), "image/png")


def test_a_repeated_export_is_the_kept_file_until_a_file_it_used_changes(letter, renders):
    first = letter_pdf(letter, "en")
    assert renders.since(0) == 1
    again = letter_pdf(fresh(letter), "en")
    assert again == first
    assert renders.since(0) == 1  # from the cache, not WeasyPrint

    # The entry records the fonts WeasyPrint fetched; a changed file makes it stale, and it is
    # not used: the PDF is made again.
    html, sheets = renders.calls[0]
    cache = caches[ncg_portal.pdf.CACHE_ALIAS]
    key = ncg_portal.pdf.pdf_cache_key(html, language="en-GB", sheets=sheets)
    entry = cache.get(key)
    assert entry["pdf"] == first
    fonts = [path for path, _ in entry["files"] if path.endswith("SourceSans3-Regular.ttf")]
    assert fonts, entry["files"]
    files = tuple((path, "0" * 64 if path in fonts else digest) for path, digest in entry["files"])
    cache.set(key, {**entry, "files": files})
    assert letter_pdf(letter, "en") == first
    assert renders.since(0) == 2
    assert cache.get(key)["files"] == entry["files"]  # kept again, as the files now are


def test_every_change_to_what_the_letter_shows_gives_a_new_correct_pdf(
    letter, renders, chair, secretariat
):
    def export(language="en"):
        before = len(renders.calls)
        data = letter_pdf(fresh(letter), language)
        assert renders.since(before) == 1, "a changed letter must be rendered again"
        assert letter_pdf(fresh(letter), language) == data
        assert renders.since(before) == 1, "an unchanged letter must come from the cache"
        return data, text_of(data)

    first, text = export()
    assert "First words" in text and "DRAFT" in text
    assert "Cabinet Secretary for Education" in text and "National Coherence Group" in text
    seen = {first}

    def changed(data):
        assert data not in seen
        seen.add(data)

    # The words: a new version.
    services.save_letter(letter=letter, saved_by=chair, texts={"body_en": "Second words."})
    data, text = export()
    changed(data)
    assert "Second words." in text and "First words" not in text

    # The addressee.
    services.set_letter_details(letter=letter, by=secretariat, addressee_en="Minister for Wales")
    data, text = export()
    changed(data)
    assert "Minister for Wales" in text and "Cabinet Secretary for Education" not in text

    # The group's name (the letterhead).
    Group.objects.filter(pk=letter.group_id).update(name_en="National Coherence Board")
    data, text = export()
    changed(data)
    assert text.startswith("National Coherence Board")

    # The signature: added, then replaced by another image.
    services.set_letter_details(letter=letter, by=secretariat, signature=png(240, 60))
    data, _ = export()
    changed(data)
    assert image_widths(data) == [240]
    services.set_letter_details(letter=letter, by=secretariat, signature=png(120, 30))
    data, _ = export()
    changed(data)
    assert image_widths(data) == [120]

    # Approved: the DRAFT mark goes, the words stay.
    services.approve_letter(letter=fresh(letter), approved_by=chair)
    data, text = export()
    changed(data)
    assert "DRAFT" not in text and "Second words." in text

    # The other language.
    data, text = export("cy")
    changed(data)
    assert "Cyngor ar wella ysgolion" in text and "Geiriau cyntaf" in text
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "cy"
