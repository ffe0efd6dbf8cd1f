"""Advice letters as PDFs: tagged PDF/UA-1, language, title, embedded fonts, reading order, the
DRAFT mark, Welsh letters, and the export command writing the download's bytes."""

import datetime
import io
import subprocess

import pikepdf
import pytest
from django.core.management import CommandError, call_command

from advice import services
from advice.pdf import letter_filename, letter_pdf

pytestmark = pytest.mark.django_db

TEXTS = {
    "title_en": "Reflections on new school improvement arrangements",
    "salutation_en": "Dear Cabinet Secretary,",
    "body_en": (
        "The Group met on 3 November to reflect on progress.\n\n"
        "## Data\n\n"
        "Data is important and should be shared widely.\n\n"
        "We thank you for the opportunity to share in the journey."
    ),
    "closing_en": "Yours sincerely,",
    "title_cy": "Myfyrdodau ar drefniadau gwella ysgolion newydd",
    "salutation_cy": "Annwyl Ysgrifennydd y Cabinet,",
    "body_cy": (
        "Cyfarfu'r Grŵp ar 3 Tachwedd i fyfyrio ar y cynnydd.\n\n"
        "## Data\n\n"
        "Mae data'n bwysig a dylid ei rannu'n eang: ŵ ŷ Ŵ Ŷ.\n\n"
        "Diolchwn i chi am y cyfle i rannu yn y daith."
    ),
    "closing_cy": "",  # blank: the English closing stands in, marked lang="en"
}


@pytest.fixture
def letter(ncg, chair, secretariat):
    ncg.short_name = "NCG"
    ncg.save()
    return services.create_letter(
        group=ncg,
        created_by=secretariat,
        texts=TEXTS,
        letter_date=datetime.date(2025, 11, 20),
    )


def text_of(data):
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def assert_in_order(text, *pieces):
    positions = [text.index(piece) for piece in pieces]
    assert positions == sorted(positions), list(zip(pieces, positions, strict=True))


def fonts_of(pdf):
    """(name, embedded) for every font on every page, descendant fonts of Type0 included."""
    found = []
    for page in pdf.pages:
        for _, font in page.Resources.Font.items():
            for each in [font, *font.get("/DescendantFonts", [])]:
                descriptor = each.get("/FontDescriptor")
                if descriptor is None:
                    continue
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found.append((str(each.BaseFont), embedded))
    return found


def test_english_draft_is_tagged_titled_embedded_in_order_and_marked_draft(letter):
    data = letter_pdf(letter, "en")
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.Root.MarkInfo.Marked
    assert "/StructTreeRoot" in pdf.Root
    # Django names the language "en-gb"; BCP 47 tags are case-insensitive (en-GB).
    assert str(pdf.Root.Lang) == "en-GB"
    assert str(pdf.docinfo["/Title"]) == TEXTS["title_en"]
    assert pdf.Root.ViewerPreferences.DisplayDocTitle
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"
    fonts = fonts_of(pdf)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert all("Source-Sans-3" in name for name, _ in fonts), fonts
    assert [float(n) for n in pdf.pages[0].MediaBox[2:]] == pytest.approx(
        [595.28, 841.89], abs=0.5
    )  # A4

    text = text_of(data)
    assert text.lstrip().startswith("National Coherence Group")  # not the DRAFT mark
    assert_in_order(
        text,
        "20 November 2025",
        "Cabinet Secretary for Education",
        TEXTS["title_en"],
        "Dear Cabinet Secretary,",
        "The Group met on 3 November",
        "Data is important",
        "We thank you",
        "Yours sincerely,",
        "Kirsty Williams",
        "Chair, National Coherence Group",
    )
    assert "DRAFT" in text
    assert "Page 1 of 1" in text
    assert letter_filename(letter, "en") == "NCG-letter-2025-11-20-en.pdf"


def test_approved_welsh_letter_keeps_welsh_letters_and_has_no_draft_mark(letter, chair):
    services.save_letter(
        letter=letter, saved_by=chair, texts={"title_cy": "Myfyrdodau terfynol ŵ ŷ"}
    )
    letter = services.approve_letter(letter=letter, approved_by=chair)
    data = letter_pdf(letter, "cy")
    pdf = pikepdf.open(io.BytesIO(data))
    assert str(pdf.Root.Lang) == "cy"
    assert str(pdf.docinfo["/Title"]) == "Myfyrdodau terfynol ŵ ŷ"
    assert all(embedded for _, embedded in fonts_of(pdf))
    text = text_of(data)
    assert "ŵ ŷ Ŵ Ŷ" in text
    assert_in_order(
        text,
        "Grŵp Cydlyniant Cenedlaethol",
        "20 Tachwedd 2025",
        "Ysgrifennydd y Cabinet dros Addysg",
        "Annwyl Ysgrifennydd y Cabinet,",
        "Cyfarfu'r Grŵp",
        "Mae data'n bwysig",
        "Yours sincerely,",  # the blank Welsh closing falls back to the English
        "Kirsty Williams",
        "Cadeirydd, Grŵp Cydlyniant Cenedlaethol",
    )
    assert "Tudalen 1 o 1" in text
    assert "DRAFT" not in text and "DRAFFT" not in text
    assert letter_filename(letter, "cy") == "NCG-letter-2025-11-20-cy.pdf"


def test_export_letter_writes_what_the_download_serves(letter, tmp_path):
    out = tmp_path / "letter.pdf"
    call_command("export_letter", str(letter.pk), "--language", "cy", "--output", str(out))
    # WeasyPrint writes no creation date here, so the same letter gives the same bytes.
    assert out.read_bytes() == letter_pdf(letter, "cy")


def test_export_letter_refuses_an_unknown_letter_or_language(letter, tmp_path):
    with pytest.raises(CommandError, match="No letter"):
        call_command("export_letter", "999999", "--language", "en", "--output", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="Unknown language"):
        call_command("export_letter", str(letter.pk), "--language", "fr")
    assert not list(tmp_path.iterdir())
