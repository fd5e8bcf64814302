"""OCR with the real Tesseract program on the scanned samples in tests/data/.

CI installs Tesseract with the German pack; without them these tests fail (not skip), with
the message naming the Debian packages.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from wissenswerk.chunking import StructuredChunker
from wissenswerk.config.settings import OcrSettings
from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.parsing.ocr import (
    OcrError,
    OcrResult,
    TesseractOcr,
    join_lines,
    merge_ocr,
    ocr_pages,
    paragraphs_from_tsv,
)
from wissenswerk.parsing.pdf import _needs_ocr

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = Path(__file__).resolve().parents[2] / "scripts" / "samples"


@pytest.fixture(scope="module")
def settings() -> OcrSettings:
    settings = OcrSettings()
    tesseract = TesseractOcr(settings)
    if not tesseract.available():
        pytest.fail(f"OCR tests need Tesseract: {tesseract.unavailable_reason}")
    return settings


@pytest.fixture(scope="module")
def ocr(registry, settings):
    """Parse a sample, OCR the pages it lists, merge: what the sync engine will do."""
    cache: dict[str, tuple[ParsedDocument, OcrResult]] = {}

    def run(name: str) -> tuple[ParsedDocument, OcrResult]:
        if name not in cache:
            data = (DATA / name).read_bytes()
            parsed = registry.parse_bytes(data, name)
            cache[name] = (parsed, ocr_pages(data, name, parsed.needs_ocr_pages, settings))
        return cache[name]

    return run


def page_text(doc: ParsedDocument, page: int) -> str:
    return "\n".join(b.text for b in doc.blocks if b.page == page)


def test_scanned_pdf_is_recognised_page_by_page(ocr):
    parsed, result = ocr("scan_urlaub.pdf")
    doc = merge_ocr(parsed, result)

    assert parsed.needs_ocr_pages == [1, 2]
    assert doc.needs_ocr_pages == []
    first, second = page_text(doc, 1), page_text(doc, 2)
    for word in ("Urlaubsregelung", "Größe", "Übergabe", "Maßnahme", "Teamleitung", "März"):
        assert word in first
    for word in ("Schlüsselübergabe", "Pförtner", "Feuerlöscher", "Prüfung"):
        assert word in second
    assert "Pförtner" not in first
    assert doc.metadata["ocr_pages"] == "1,2"
    assert doc.metadata["ocr_engine"].startswith("tesseract ")
    assert doc.warnings == []


def test_ocr_paragraphs_and_hyphenation(ocr):
    doc = merge_ocr(*ocr("scan_urlaub.pdf"))

    paragraphs = [b.text for b in doc.blocks if b.page == 1]
    assert paragraphs[0] == "Urlaubsregelung 2024\nMüller Maschinenbau GmbH, Personalabteilung"
    # "Urlaubs-" at a line end and "antrag" on the next line are one word again.
    assert "Für den Urlaubsantrag gilt" in paragraphs[1]
    assert "Urlaubs-" not in page_text(doc, 1)
    assert paragraphs[2] == "Resturlaub verfällt am 31. März des Folgejahres."


def test_ocr_text_is_chunked_with_page_numbers_for_citations(ocr):
    doc = merge_ocr(*ocr("scan_urlaub.pdf"))

    chunks = StructuredChunker().chunk(doc)

    pages = {chunk.page for chunk in chunks if "Feuerlöscher" in chunk.text}
    assert pages == {2}
    assert {chunk.page for chunk in chunks} == {1, 2}


def test_mixed_pdf_only_the_scanned_page_is_recognised(ocr):
    parsed, result = ocr("scan.pdf")
    doc = merge_ocr(parsed, result)

    assert set(result.pages) == {2}  # page 1 has a text layer, page 3 is blank
    assert [b.page for b in doc.blocks] == [1, 2, 2]
    assert "Eingangsstempel Wareneingang" in page_text(doc, 1)
    assert "LIEFERSCHEIN 4711" in page_text(doc, 2)
    assert "Schraube M8" in page_text(doc, 2)
    assert doc.needs_ocr_pages == []
    assert doc.metadata["ocr_pages"] == "2"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("aushang.png", ["Betriebsferien", "Kantine geschlossen", "Schlüssel beim Pförtner"]),
        ("quittung.jpg", ["Quittung Nr. 0815", "Bürobedarf", "42,50 Euro"]),
    ],
)
def test_images_are_recognised(ocr, name, words):
    doc = merge_ocr(*ocr(name))

    assert doc.needs_ocr_pages == []
    assert {b.page for b in doc.blocks} == {1}
    for word in words:
        assert word in doc.text


def test_multi_page_fax_tiff_keeps_the_frame_as_page(ocr):
    doc = merge_ocr(*ocr("fax_bestellung.tif"))

    assert "Faxbestellung Kühlmittel" in page_text(doc, 1)
    assert "Kühlschmierstoff" in page_text(doc, 1)
    assert "Lieferadresse" in page_text(doc, 2)
    assert "Warenannahme Süd" in page_text(doc, 2)
    assert doc.metadata["ocr_pages"] == "1,2"


@pytest.fixture(scope="module")
def pdfwriter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pdfwriter", SAMPLES / "pdfwriter.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("pdfwriter", module)  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def test_scan_with_a_stamp_line_is_recognised_and_keeps_the_stamp(registry, settings, pdfwriter):
    # A full A4 sheet at 150 dpi with the notice on it, and a mail room's text stamp.
    sheet = Image.new("L", (1240, 1754), 240)
    with Image.open(DATA / "aushang.png") as notice:
        sheet.paste(notice, (0, 0))
    writer = pdfwriter.PdfWriter()
    stamp = "Eingegangen 04.03.2024, Poststelle Müller Maschinenbau"
    writer.add_image_page(sheet.width, sheet.height, sheet.tobytes(), dpi=150, stamp=stamp)
    data = writer.to_bytes()

    parsed = registry.parse_bytes(data, "aushang_gestempelt.pdf")
    doc = merge_ocr(parsed, ocr_pages(data, "aushang_gestempelt.pdf", [1], settings))

    assert parsed.needs_ocr_pages == [1]  # 40 characters of text do not make the page text
    assert [b.text for b in parsed.blocks] == [stamp]
    assert doc.blocks[0].text == stamp  # the text layer first, then the OCR text of the page
    assert "Kantine geschlossen" in doc.text
    assert {b.page for b in doc.blocks} == {1}


@pytest.mark.parametrize(
    ("text", "image_share", "expected"),
    [
        ("Eingegangen 04.03.2024 Poststelle", 0.95, True),  # a stamp on a full-page scan
        ("Eingegangen 04.03.2024 Poststelle", 0.2, False),  # a short page with a logo
        ("Ein ganzer Absatz mit echtem Text. " * 4, 0.95, False),  # a searchable scan
    ],
)
def test_page_mostly_covered_by_an_image_needs_ocr_unless_it_has_real_text(
    text, image_share, expected
):
    assert _needs_ocr([text], True, image_share) is expected


def test_missing_tesseract_is_reported_clearly():
    tesseract = TesseractOcr(OcrSettings(tesseract="/nicht/vorhanden/tesseract"))

    assert not tesseract.available()
    assert tesseract.version is None
    reason = tesseract.unavailable_reason or ""
    assert reason.startswith("tesseract not found (looked for '/nicht/vorhanden/tesseract')")
    assert "tesseract-ocr and tesseract-ocr-deu" in reason


def test_ocr_pages_without_tesseract_raises_the_reason(sample_bytes):
    settings = OcrSettings(tesseract="/nicht/vorhanden/tesseract")

    with pytest.raises(OcrError, match="tesseract not found"):
        ocr_pages(sample_bytes("aushang.png"), "aushang.png", [1], settings)


def test_missing_language_pack_names_the_debian_package(settings):
    tesseract = TesseractOcr(settings.model_copy(update={"languages": "deu+zzz"}))

    assert not tesseract.available()
    reason = tesseract.unavailable_reason or ""
    assert "language pack(s) missing: zzz" in reason
    assert "tesseract-ocr-zzz" in reason
    assert tesseract.version  # the program itself is there


def test_installed_tesseract_reports_its_version(settings):
    tesseract = TesseractOcr(settings)

    assert tesseract.available()
    assert tesseract.unavailable_reason is None
    assert tesseract.engine == f"tesseract {tesseract.version}"


@pytest.mark.parametrize(
    "update",
    [{"languages": "deu; rm -rf /"}, {"dpi": 20}, {"timeout_s": 0}],
)
def test_bad_settings_are_rejected(update):
    with pytest.raises(ValueError, match="OCR"):
        TesseractOcr(OcrSettings().model_copy(update=update))


def test_a_page_over_the_time_limit_is_a_failure_and_stays_listed(registry, settings):
    data = (DATA / "scan_urlaub.pdf").read_bytes()
    parsed = registry.parse_bytes(data, "scan_urlaub.pdf")
    slow = settings.model_copy(update={"timeout_s": 0.001})

    result = ocr_pages(data, "scan_urlaub.pdf", [2], slow)
    doc = merge_ocr(parsed, result)

    assert result.pages == {}
    assert "took longer than 0.001 s" in result.failures[2]
    assert doc.needs_ocr_pages == [1, 2]
    assert doc.warnings == [f"page 2: OCR failed ({result.failures[2]})"]
    assert "ocr_pages" not in doc.metadata


def test_pages_are_reported_as_they_are_done(sample_bytes, settings):
    seen: list[tuple[int, int]] = []

    ocr_pages(
        sample_bytes("fax_bestellung.tif"),
        "fax.tif",
        [2, 1],
        settings,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(1, 2), (2, 2)]


def test_broken_image_is_a_parse_error_not_an_ocr_failure(sample_bytes, settings):
    data = sample_bytes("aushang.png")

    with pytest.raises(ValueError, match="broken image"):
        ocr_pages(data[: len(data) // 2], "aushang.png", [1], settings)


# --- merging and text cleaning, no Tesseract needed -----------------------------------------


def test_merge_puts_ocr_blocks_in_page_order():
    parsed = ParsedDocument(
        blocks=[
            Block("Deckblatt", page=1),
            Block("Stempel", page=3),
            Block("Anhang", page=5),
        ],
        needs_ocr_pages=[2, 3, 4],
        metadata={"pages": "5"},
    )
    result = OcrResult(
        engine="tesseract 5.3.0",
        pages={
            2: [Block("Scan zwei a", page=2), Block("Scan zwei b", page=2)],
            3: [Block("Scan drei", page=3)],
            4: [],
        },
    )

    doc = merge_ocr(parsed, result)

    assert [b.text for b in doc.blocks] == [
        "Deckblatt",
        "Scan zwei a",
        "Scan zwei b",
        "Stempel",
        "Scan drei",
        "Anhang",
    ]
    assert doc.needs_ocr_pages == [4]
    assert doc.warnings == ["page 4: OCR found no text"]
    assert doc.metadata == {"pages": "5", "ocr_pages": "2,3", "ocr_engine": "tesseract 5.3.0"}
    assert parsed.needs_ocr_pages == [2, 3, 4]  # the input is left as it was


def test_merge_in_two_batches_adds_up_the_pages():
    parsed = ParsedDocument(needs_ocr_pages=[1, 2])
    first = merge_ocr(parsed, OcrResult("tesseract 5.3.0", {1: [Block("eins", page=1)]}))
    second = merge_ocr(first, OcrResult("tesseract 5.3.0", {2: [Block("zwei", page=2)]}))

    assert [b.text for b in second.blocks] == ["eins", "zwei"]
    assert second.metadata["ocr_pages"] == "1,2"
    assert second.needs_ocr_pages == []


def test_merge_refuses_pages_that_have_a_text_layer():
    parsed = ParsedDocument(blocks=[Block("Text", page=1)], needs_ocr_pages=[2])

    with pytest.raises(ValueError, match=r"page\(s\) \[1\] that do not need OCR"):
        merge_ocr(parsed, OcrResult("tesseract 5.3.0", {1: [Block("doppelt", page=1)]}))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Der Urlaubs-", "antrag ist gestellt."], "Der Urlaubsantrag ist gestellt."),
        (["Not-", "Halt-Taster prüfen"], "Not-Halt-Taster prüfen"),
        (["Betrag -", "siehe unten"], "Betrag -\nsiehe unten"),
        (["Seite 1-", "2 lesen"], "Seite 1-\n2 lesen"),
        (["eins", "zwei"], "eins\nzwei"),
    ],
)
def test_join_lines(lines, expected):
    assert join_lines(lines) == expected


def tsv(*words: tuple[int, int, int, float, str]) -> str:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
    rows = [header + "\tconf\ttext", "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t"]
    for number, (block, par, line, conf, text) in enumerate(words, start=1):
        rows.append(f"5\t1\t{block}\t{par}\t{line}\t{number}\t0\t0\t10\t10\t{conf}\t{text}")
    return "\n".join(rows) + "\n"


def test_tsv_paragraphs_without_noise():
    output = tsv(
        (1, 1, 1, 96.1, "Hausordnung"),
        (2, 1, 1, 93.0, "Besucher"),
        (2, 1, 1, 95.0, "melden"),
        (2, 1, 1, 3.0, "j1S"),  # a speck read as a word inside a good line
        (2, 1, 1, 96.0, "sich"),
        (2, 1, 2, 92.0, "am"),
        (2, 1, 2, 96.0, "Empfang."),
        (3, 1, 1, 12.8, "a"),  # a signature
        (3, 1, 1, 0.3, "SS"),
        (3, 1, 1, 19.6, "ye"),
        (4, 1, 1, 90.0, "|||"),  # a table rule
        (5, 1, 1, 91.0, "—"),
        (6, 1, 1, 95.0, "2"),  # a page number is kept
    )

    assert paragraphs_from_tsv(output) == [
        "Hausordnung",
        "Besucher melden sich\nam Empfang.",
        "2",
    ]


def test_tsv_of_an_empty_page_is_no_paragraph():
    assert paragraphs_from_tsv(tsv()) == []
    assert paragraphs_from_tsv("") == []


def test_transparent_png_is_flattened_onto_white(settings):
    # Black text on a transparent background: dropping the alpha channel would give black on
    # black, an empty page.
    with Image.open(DATA / "aushang.png") as notice:
        ink = notice.point(lambda v: 255 if v < 128 else 0)
    image = Image.new("LA", ink.size, (0, 0))
    image.putalpha(ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    result = ocr_pages(buffer.getvalue(), "transparent.png", [1], settings)

    assert "Betriebsferien" in "\n".join(b.text for b in result.pages[1])


def test_low_resolution_image_is_scaled_up_for_tesseract(settings):
    # The notice as a 60-dpi screenshot: letters of 8 pixels, too small for Tesseract as is.
    with Image.open(DATA / "aushang.png") as notice:
        small = notice.resize((notice.width * 2 // 5, notice.height * 2 // 5), Image.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", dpi=(60, 60))

    result = ocr_pages(buffer.getvalue(), "screenshot.png", [1], settings)

    text = "\n".join(b.text for b in result.pages[1])
    assert "Kantine geschlossen" in text
    assert "Pförtner" in text
    assert "Betriebsferien" in text
