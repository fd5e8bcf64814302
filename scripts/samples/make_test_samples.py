"""Generate the parser test samples in tests/data/ (German content, fictional company).

    python scripts/samples/make_test_samples.py           # (re)write tests/data/
    python scripts/samples/make_test_samples.py --check   # exit 1 if tests/data/ is stale

The output is deterministic: fixed timestamps in documents and ZIP entries, fixed MIME
boundaries, no random ids. Only the project's runtime dependencies (python-docx, python-pptx
with XlsxWriter and Pillow, pypdfium2) and the two small writers next to this script are used.
The text of the scans is typeset by PDFium (its built-in Helvetica), so no system font is
needed and the pixels are the same on every machine with the same pypdfium2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import zipfile
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path

import docx
import pypdfium2 as pdfium
import xlsxwriter
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt
from PIL import Image, ImageDraw, ImageFont, ImageOps
from pptx import Presentation
from pptx.util import Cm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from msgwriter import Attachment, build_msg
from pdfwriter import PdfWriter

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXED_TIME = dt.datetime(2024, 3, 4, 9, 15, tzinfo=dt.UTC)
FIXED_ZIP_TIME = (2024, 3, 4, 9, 15, 0)
COMPANY = "Müller Maschinenbau GmbH"


# --- helpers ---------------------------------------------------------------------------------


def zip_bytes(members: list[tuple[str, bytes]], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP with fixed timestamps and attributes, members in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.create_system = 3
            info.external_attr = (0o40755 << 16 | 0x10) if name.endswith("/") else 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else compress
            archive.writestr(info, data)
    return buffer.getvalue()


def normalize_zip(data: bytes) -> bytes:
    """Re-pack an Office file with fixed entry timestamps (libraries stamp the current time)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return zip_bytes(members)


# --- PDF ------------------------------------------------------------------------------------


def text_pdf() -> bytes:
    pdf = PdfWriter(title="Wartungsbericht Fräsmaschine FM-200")
    pdf.add_text_page(
        [
            ["Wartungsbericht Fräsmaschine FM-200", COMPANY + ", Werk Heilbronn"],
            [
                "Das Wartungsintervall für die Spindel beträgt 500 Betriebsstunden.",
                "Bei Dauerbetrieb im Dreischichtsystem ist die Wartung monatlich fällig.",
            ],
            [
                "Größe, Übergabe, Maßnahme: alle Arbeiten werden im Wartungsbuch",
                "mit Datum und Unterschrift dokumentiert.",
            ],
        ]
    )
    pdf.add_text_page(
        [
            ["Seite 2: Prüfung der Schutzeinrichtungen"],
            [
                "Lichtschranken und Not-Halt-Taster werden vierteljährlich geprüft.",
                "Mängel sind sofort der Schichtleitung zu melden.",
            ],
        ]
    )
    pdf.add_text_page(
        [
            ["Seite 3: Reisekosten für Serviceeinsätze"],
            ["Kilometerpauschale 0,30 Euro je gefahrenem Kilometer, Verpflegung nach BRKG."],
        ]
    )
    return pdf.to_bytes()


def scan_image() -> bytes:
    """Grey pixels of a 'scanned' delivery note: text as pixels, no text layer."""
    image = Image.new("L", (360, 120), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((12, 14), "LIEFERSCHEIN 4711", fill=20, font=font)
    draw.text((12, 44), "Menge 500 Stk. Schraube M8", fill=20, font=font)
    draw.text((12, 74), "Unterschrift: ____________", fill=20, font=font)
    return image.tobytes()


def scanned_pdf() -> bytes:
    pdf = PdfWriter(title="Lieferschein 4711 (Scan)")
    pdf.add_text_page([["Eingangsstempel Wareneingang " + COMPANY, "Lieferschein 4711, Seite 2"]])
    pdf.add_image_page(360, 120, scan_image())
    pdf.add_blank_page()
    return pdf.to_bytes()


def scanned_sheet(paragraphs: list[list[str]], *, dpi: int, seed: int) -> Image.Image:
    """A sheet of text as a scanner sees it: greyish paper, dark grey ink, a few specks.

    Only the part of the A4 width down to the last line is kept, which keeps the files small.
    """
    typeset = PdfWriter()
    typeset.add_text_page(paragraphs, size=13)
    pdf = pdfium.PdfDocument(typeset.to_bytes())
    try:
        page = pdf[0]
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        sheet = bitmap.to_pil().convert("L")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    bottom = (ImageOps.invert(sheet).getbbox() or (0, 0, 0, sheet.height))[3]
    sheet = sheet.crop((0, 0, sheet.width, min(sheet.height, bottom + dpi // 3)))
    sheet = sheet.point([40 + value * 200 // 255 for value in range(256)])  # paper and ink
    rng = random.Random(seed)
    draw = ImageDraw.Draw(sheet)
    for _ in range(60):
        draw.point((rng.randrange(sheet.width), rng.randrange(sheet.height)), fill=150)
    return sheet


URLAUB_SCAN = [
    [
        [
            "Urlaubsregelung 2024",
            COMPANY + ", Personalabteilung",
        ],
        [
            "Der Urlaubsantrag wird spätestens vier Wochen vorher gestellt. Für den Urlaubs-",
            "antrag gilt: Größe des Teams, Übergabe der Aufgaben und jede offene Maßnahme",
            "werden mit der Teamleitung abgestimmt.",
        ],
        ["Resturlaub verfällt am 31. März des Folgejahres."],
    ],
    [
        ["Seite 2: Schlüsselübergabe und Prüfung"],
        [
            "Vor dem Urlaub werden Schlüssel beim Pförtner abgegeben.",
            "Die Prüfung der Feuerlöscher übernimmt die Vertretung.",
        ],
    ],
]


def scanned_pages_pdf() -> bytes:
    """Two scanned pages, no text layer at all: both need OCR."""
    pdf = PdfWriter(title="Scan Urlaubsregelung")
    for number, paragraphs in enumerate(URLAUB_SCAN):
        sheet = scanned_sheet(paragraphs, dpi=150, seed=number)
        pdf.add_image_page(sheet.width, sheet.height, sheet.tobytes(), dpi=150)
    return pdf.to_bytes()


def notice_png() -> bytes:
    sheet = scanned_sheet(
        [
            ["Aushang Betriebsferien"],
            ["Vom 23.12. bis 02.01. bleibt die Kantine geschlossen.", "Schlüssel beim Pförtner."],
        ],
        dpi=150,
        seed=10,
    )
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", dpi=(150, 150), optimize=True)
    return buffer.getvalue()


def receipt_jpeg() -> bytes:
    sheet = scanned_sheet(
        [
            ["Quittung Nr. 0815"],
            ["Bürobedarf für die Arbeitsvorbereitung", "Betrag: 42,50 Euro, bar erhalten."],
        ],
        dpi=150,
        seed=11,
    )
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", dpi=(150, 150), quality=60)
    return buffer.getvalue()


def fax_tiff() -> bytes:
    """A two-page fax: bilevel, CCITT group 4, 200 dpi, as fax servers store them."""
    pages = [
        scanned_sheet(
            [["Faxbestellung Kühlmittel"], ["Bitte liefern Sie 200 Liter Kühlschmierstoff."]],
            dpi=200,
            seed=12,
        ),
        scanned_sheet(
            [["Seite 2: Lieferadresse"], ["Werk Heilbronn, Tor 3, Warenannahme Süd"]],
            dpi=200,
            seed=13,
        ),
    ]
    bilevel = [page.point(lambda value: 255 if value > 140 else 0).convert("1") for page in pages]
    buffer = io.BytesIO()
    bilevel[0].save(
        buffer,
        format="TIFF",
        save_all=True,
        append_images=bilevel[1:],
        compression="group4",
        dpi=(200, 200),
    )
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    pdf = PdfWriter(title="Gehaltsliste 2024")
    pdf.add_text_page([["Vertraulich: Gehaltsliste 2024"]])
    return pdf.to_bytes(user_password="geheim")


def corrupt_pdf() -> bytes:
    """Starts like a PDF, then nothing a reader can use (a failed download)."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"<html><body>Fehler 502 Bad Gateway</body></html>\n"


# --- DOCX -----------------------------------------------------------------------------------


def handbook_docx() -> bytes:
    document = docx.Document()
    properties = document.core_properties
    properties.title = "Betriebshandbuch Fräsmaschine FM-200"
    properties.author = "Technische Dokumentation"
    properties.last_modified_by = "Technische Dokumentation"
    properties.created = properties.modified = FIXED_TIME.replace(tzinfo=None)
    properties.revision = 1

    styles = document.styles
    chapter = styles.add_style("Kapitel", WD_STYLE_TYPE.PARAGRAPH)
    chapter.base_style = styles["Heading 1"]  # a heading by inheritance only
    german = styles.add_style("Überschrift 2", WD_STYLE_TYPE.PARAGRAPH)  # localized name
    german.font.size = Pt(13)

    document.add_paragraph("Betriebshandbuch FM-200", style="Title")
    document.add_paragraph(f"Herausgeber: {COMPANY}")
    document.add_heading("Wartung", level=1)
    document.add_paragraph("Regelmäßige Wartung verlängert die Lebensdauer der Maschine.")
    document.add_heading("Wartungsintervall", level=2)
    document.add_paragraph(
        "Das Wartungsintervall beträgt 500 Betriebsstunden. Größe, Übergabe und jede "
        "Maßnahme werden im Wartungsbuch festgehalten."
    )
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(
        table.rows[0].cells, ("Bauteil", "Intervall", "Verantwortlich"), strict=True
    ):
        cell.text = text
    for row in (
        ("Spindellager", "500 Betriebsstunden", "Instandhaltung"),
        ("Kühlmittelfilter", "wöchentlich", "Maschinenbediener"),
        ("Führungsbahnen", "monatlich", "Instandhaltung"),
    ):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    merged = table.add_row().cells
    merged[0].merge(merged[2]).text = "Elektrische Prüfung nach DGUV V3: jährlich"
    document.add_paragraph("Urlaubsantrag und Schichtplanung", style="Kapitel")
    document.add_paragraph("Der Urlaubsantrag wird im Personalportal gestellt.")
    document.add_paragraph("Fristen", style="Überschrift 2")
    document.add_paragraph("Anträge für den Sommer bis zum 31. März einreichen.")
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def truncated_docx(complete: bytes) -> bytes:
    return complete[: len(complete) * 2 // 3]


# --- XLSX / CSV -----------------------------------------------------------------------------


def prices_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"title": "Preisliste 2024", "author": COMPANY, "created": FIXED_TIME})
    money = workbook.add_format({"num_format": "#,##0.00"})
    price = workbook.add_format({"num_format": "0.00"})
    date = workbook.add_format({"num_format": "dd.mm.yyyy"})

    sheet = workbook.add_worksheet("Preisliste")
    sheet.write_row(0, 0, ("Artikel", "Preis", "Menge", "Summe"))
    items = (("Schraube M8", 0.12, 500), ("Mutter M8", 0.05, 500), ("Unterlegscheibe", 0.02, 1000))
    for row, (name, unit_price, amount) in enumerate(items, start=1):
        sheet.write_string(row, 0, name)
        sheet.write_number(row, 1, unit_price, price)
        sheet.write_number(row, 2, amount)
        # XlsxWriter stores the formula together with its cached result, as Excel does.
        sheet.write_formula(row, 3, f"=B{row + 1}*C{row + 1}", money, round(unit_price * amount, 2))
    total = round(sum(p * a for _, p, a in items), 2)
    sheet.write_string(4, 0, "Gesamt")
    sheet.write_formula(4, 3, "=SUM(D2:D4)", money, total)

    stock = workbook.add_worksheet("Lager")
    stock.write_row(0, 0, ("Lagerplatz", "Artikel", "Bestand", "Letzte Inventur"))
    for index in range(120):
        row = index + 1
        stock.write_string(row, 0, f"R{index // 10 + 1:02d}-F{index % 10 + 1:02d}")
        stock.write_string(row, 1, f"Artikel {row:03d}")
        stock.write_number(row, 2, (index * 37) % 250)
        stock.write_datetime(row, 3, dt.datetime(2024, 1, 2) + dt.timedelta(days=index), date)
    workbook.close()
    return normalize_zip(buffer.getvalue())


def travel_csv() -> bytes:
    """Excel-style German CSV: semicolons, decimal commas, Windows-1252."""
    rows = [
        "Datum;Mitarbeiter;Reiseziel;Kilometer;Betrag",
        "04.03.2024;Jörg Weber;Stuttgart;112;33,60",
        "05.03.2024;Anna Schmidt;München;245;73,50",
        "07.03.2024;Jörg Weber;Würzburg;98;29,40",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def contacts_csv() -> bytes:
    rows = [
        "Name,Abteilung,Telefon,Notiz",
        'Jörg Weber,Instandhaltung,07131 4711-12,"Bereitschaft, Wochenende"',
        'Anna Schmidt,Personal,07131 4711-30,"Urlaubsanträge, Reisekosten"',
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


# --- PPTX -----------------------------------------------------------------------------------


def training_pptx() -> bytes:
    presentation = Presentation()
    properties = presentation.core_properties
    properties.title = "Schulung Arbeitssicherheit 2024"
    properties.author = COMPANY
    properties.last_modified_by = COMPANY
    properties.created = properties.modified = FIXED_TIME.replace(tzinfo=None)
    properties.revision = 1
    layouts = presentation.slide_layouts

    slide = presentation.slides.add_slide(layouts[0])
    slide.shapes.title.text = "Schulung Arbeitssicherheit"
    slide.placeholders[1].text = f"{COMPANY} – Unterweisung Oktober 2024"
    slide.notes_slide.notes_text_frame.text = (
        "Begrüßung der neuen Mitarbeitenden, Anwesenheitsliste."
    )

    slide = presentation.slides.add_slide(layouts[1])
    slide.shapes.title.text = "Persönliche Schutzausrüstung"
    body = slide.placeholders[1].text_frame
    body.text = "Sicherheitsschuhe S3 in der Fertigung"
    body.add_paragraph().text = "Schutzbrille an allen Fräsmaschinen"
    body.add_paragraph().text = "Gehörschutz ab 85 dB(A)"
    slide.notes_slide.notes_text_frame.text = (
        "Hinweis: Gehörschutz wird kostenlos an der Ausgabe im Lager gestellt."
    )

    slide = presentation.slides.add_slide(layouts[5])
    slide.shapes.title.text = "Prüffristen"
    rows = (("Gerät", "Prüffrist"), ("Leiter", "jährlich"), ("Feuerlöscher", "alle 2 Jahre"))
    table = slide.shapes.add_table(3, 2, Cm(2), Cm(5), Cm(16), Cm(4)).table
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            table.cell(r, c).text = text

    slide = presentation.slides.add_slide(layouts[6])  # blank: no title placeholder
    group = slide.shapes.add_group_shape()
    box = group.shapes.add_textbox(Cm(2), Cm(2), Cm(10), Cm(2))
    box.text_frame.text = "Notruf: 112 – Ersthelfer: Halle 3"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return normalize_zip(buffer.getvalue())


# --- HTML / Markdown / text -----------------------------------------------------------------

INTRANET_HTML = """<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>Reisekostenrichtlinie – Intranet Müller Maschinenbau</title>
  <style>body { font-family: sans-serif; }</style>
  <script>var tracking = "Seitenaufruf zählen";</script>
</head>
<body>
  <a class="skip-link" href="#inhalt">Zum Inhalt springen</a>
  <header class="site-header"><img src="logo.png" alt="Logo"> Intranet Startseite</header>
  <nav><ul><li><a href="/">Startseite</a></li>
    <li><a href="/hr">Personalabteilung</a></li></ul></nav>
  <div class="cookie-banner">Wir verwenden Cookies. <button>Akzeptieren</button></div>
  <main id="inhalt">
    <article>
      <header><h1>Reisekostenrichtlinie</h1><p>Stand: März 2024</p></header>
      <p>Diese Richtlinie regelt die Erstattung von <b>Reisekosten</b> für Dienstreisen.</p>
      <h2>Fahrtkosten</h2>
      <p>Für Fahrten mit dem Privatwagen gilt eine Pauschale von 0,30&nbsp;€ je Kilometer.<br>
         Bahnfahrten werden in der 2. Klasse erstattet.</p>
      <ul>
        <li>Belege im Original einreichen</li>
        <li>Abrechnung innerhalb von 6 Monaten</li>
      </ul>
      <h2>Verpflegungsmehraufwand</h2>
      <table>
        <thead><tr><th>Abwesenheit</th><th>Pauschale</th></tr></thead>
        <tbody>
          <tr><td>mehr als 8 Stunden</td><td>14 €</td></tr>
          <tr><td>24 Stunden</td><td>28 €</td></tr>
        </tbody>
      </table>
      <h3>Hinweise</h3>
      <p>Fragen beantwortet die Personalabteilung.</p>
    </article>
    <aside>Beliebte Seiten: Kantine, Parkplätze</aside>
  </main>
  <footer>© 2024 Müller Maschinenbau GmbH · Impressum · Datenschutz</footer>
</body>
</html>
"""

GUIDE_MD = """# Leitfaden Urlaubsantrag

Dieser Leitfaden erklärt den **Urlaubsantrag** im Personalportal.

## Ablauf

1. Antrag im Portal anlegen
2. Vertretung eintragen
   - Vertretung muss zustimmen
3. Freigabe durch die Teamleitung

## Resturlaub

| Jahr | Resturlaub | Verfällt am |
|------|-----------:|-------------|
| 2023 | 5 Tage     | 31.03.2024  |
| 2024 | 30 Tage    | 31.03.2025  |

### Export aus dem Portal

```
GET /api/urlaub?jahr=2024
```

> Hinweis: Resturlaub verfällt nicht bei Krankheit.
"""

NOTE_TEXT = """Notiz zur Übergabe der Fräsmaschine FM-200

Größe, Übergabe, Maßnahme: Die Übergabe an die Spätschicht erfolgt um 14:00 Uhr.
Offene Maßnahmen stehen im Schichtbuch.

Rückfragen an Jörg Weber (Durchwahl 12).
"""


def note_utf8() -> bytes:
    return NOTE_TEXT.encode("utf-8")


def note_utf16() -> bytes:
    return NOTE_TEXT.replace("\n", "\r\n").encode("utf-16")  # with BOM, little endian


def note_cp1252() -> bytes:
    return NOTE_TEXT.replace("\n", "\r\n").encode("cp1252")


# --- e-mail ---------------------------------------------------------------------------------


def inquiry_eml(pdf: bytes, handbook: bytes) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Jörg Weber <j.weber@mueller-maschinenbau.example>"
    message["To"] = "Anna Schmidt <a.schmidt@mueller-maschinenbau.example>"
    message["Date"] = "Mon, 04 Mar 2024 10:15:00 +0100"
    message["Subject"] = "Wartungsbericht FM-200 und Übergabeprotokoll"
    message["Message-ID"] = "<wartung-fm200-2024@mueller-maschinenbau.example>"
    message.set_content(
        "Hallo Anna,\n\nanbei der Wartungsbericht der Fräsmaschine FM-200 und das "
        "Handbuch.\n\nDie nächste Wartung ist in 500 Betriebsstunden fällig.\n\nGruß\nJörg\n"
    )
    message.add_alternative(
        "<html><body><p>Hallo Anna,</p><p>anbei der <b>Wartungsbericht</b>.</p></body></html>",
        subtype="html",
    )
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename="wartungsbericht.pdf"
    )
    message.add_attachment(
        handbook,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="Übergabe Handbuch.docx",
    )
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"==grenze-{number}==")
    return message.as_bytes()


def circular_msg(handbook: bytes, csv: bytes) -> bytes:
    return build_msg(
        subject="Rundmail: Neue Wartungsintervalle ab April",
        body=(
            "Liebe Kolleginnen und Kollegen,\r\n\r\nab April gilt für die Fräsmaschinen ein "
            "Wartungsintervall von 500 Betriebsstunden.\r\n\r\nDetails im angehängten Handbuch."
        ),
        sender_name="Jörg Weber (Instandhaltung, Büro Süd)",
        sender_email="j.weber@mueller-maschinenbau.example",
        to="Alle Mitarbeitenden Fertigung",
        sent=FIXED_TIME,
        attachments=(
            Attachment("handbuch.docx", handbook, "application/vnd.openxmlformats"),
            Attachment("reisekosten.csv", csv, "text/csv"),
        ),
    )


def html_msg() -> bytes:
    html = (
        "<html><head><meta charset='windows-1252'></head><body><h1>Betriebsausflug</h1>"
        "<p>Der Betriebsausflug führt dieses Jahr nach Würzburg.</p></body></html>"
    )
    return build_msg(
        subject="Einladung Betriebsausflug",
        body="",
        sender_name="Personalabteilung",
        sender_email="personal@mueller-maschinenbau.example",
        to="Alle",
        sent=FIXED_TIME,
        html=html.encode("cp1252"),
    )


# --- archives -------------------------------------------------------------------------------


def project_zip(handbook: bytes, prices: bytes) -> bytes:
    """Nested archive with the usual clutter: a folder entry, macOS junk, an image, and an
    encrypted member (the stdlib cannot encrypt, so only the flag is set: readers must skip
    the member without trying to decrypt it)."""
    png = io.BytesIO()
    Image.new("L", (4, 4), 128).save(png, format="PNG")
    note = "Projektordner Wartung FM-200. Ansprechpartner: Jörg Weber.\n".encode()
    archive = zip_bytes(
        [
            ("handbuch.docx", handbook),
            ("Notizen/", b""),
            ("Notizen/liesmich.txt", note),
            ("anhang.zip", zip_bytes([("preise.xlsx", prices)])),
            ("skizze.png", png.getvalue()),
            ("__MACOSX/._handbuch.docx", b"\x00\x05\x16\x07"),
            ("geheim.txt", bytes(range(48))),
        ]
    )
    return _mark_encrypted(archive, "geheim.txt")


def _mark_encrypted(archive: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of one member (the stdlib cannot write encrypted members)."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, flag_offset, name_offset in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_offset : start + name_offset + len(encoded)] == encoded:
                data[start + flag_offset] |= 0x01
            start += 4
    return bytes(data)


def bomb_zip() -> bytes:
    """20 MiB of zeros in about 20 KB: a ratio of 1000:1, far beyond the limit of 100:1."""
    return zip_bytes([("nullen.txt", bytes(20 * 1024 * 1024))])


# --- main -----------------------------------------------------------------------------------


def samples() -> dict[str, bytes]:
    pdf = text_pdf()
    handbook = handbook_docx()
    prices = prices_xlsx()
    travel = travel_csv()
    builders: dict[str, Callable[[], bytes]] = {
        "bericht.pdf": lambda: pdf,
        "scan.pdf": scanned_pdf,
        "scan_urlaub.pdf": scanned_pages_pdf,
        "aushang.png": notice_png,
        "quittung.jpg": receipt_jpeg,
        "fax_bestellung.tif": fax_tiff,
        "verschluesselt.pdf": encrypted_pdf,
        "kaputt.pdf": corrupt_pdf,
        "handbuch.docx": lambda: handbook,
        "abgeschnitten.docx": lambda: truncated_docx(handbook),
        "preise.xlsx": lambda: prices,
        "reisekosten.csv": lambda: travel,
        "kontakte.csv": contacts_csv,
        "schulung.pptx": training_pptx,
        "intranet.html": lambda: INTRANET_HTML.encode("utf-8"),
        "leitfaden.md": lambda: GUIDE_MD.encode("utf-8"),
        "notiz_utf8.txt": note_utf8,
        "notiz_utf16.txt": note_utf16,
        "notiz_cp1252.txt": note_cp1252,
        "anfrage.eml": lambda: inquiry_eml(pdf, handbook),
        "rundmail.msg": lambda: circular_msg(handbook, travel),
        "html_mail.msg": html_msg,
        "projekt.zip": lambda: project_zip(handbook, prices),
        "bombe.zip": bomb_zip,
    }
    return {name: build() for name, build in builders.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with tests/data/")
    parser.add_argument("--out", type=Path, default=DATA, help="output folder")
    args = parser.parse_args(argv)
    stale = []
    for name, data in samples().items():
        if len(data) > 60 * 1024:
            raise SystemExit(f"{name} is {len(data)} bytes; keep samples under 60 KB")
        target = args.out / name
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(
            f"{len(data):>7}  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
        )
    if stale:
        print("stale samples (run scripts/samples/make_test_samples.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
