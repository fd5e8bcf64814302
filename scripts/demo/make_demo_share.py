"""Generate the bundled demo file share of the fictional "Hoffmann Antriebstechnik GmbH".

The share lands in ``src/wissenswerk/demo/share/``; ``users.csv``, ``acl.csv`` and
``questions.json`` next to it are hand-written and refer to the paths created here.

Run from the repository root::

    .venv/bin/python scripts/demo/make_demo_share.py

Everything is fixed (dates, metadata, e-mail boundaries, ZIP timestamps, the scan noise
seed), so re-running with the same library versions produces byte-identical files.

PDF and DOCX bodies are written in a small Markdown-like markup (see ``parse_body``); the
other formats take plain Python data (rows, slides, text).

The libraries used here (reportlab, python-docx, openpyxl, python-pptx, Pillow) are
development-only tools for this script; the product does not depend on them at runtime.

The company, its people, customers, products and numbers are invented. Domains use the
reserved ``.example`` top-level domain.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import email.policy
import email.utils
import html
import importlib.util
import io
import os
import random
import re
import shutil
import sys
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import reportlab
from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pptx import Presentation
from pptx.util import Pt as PptPt
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "src" / "wissenswerk" / "demo" / "share"
MSGWRITER = REPO / "scripts" / "samples" / "msgwriter.py"  # another engineer's OLE writer

COMPANY = "Hoffmann Antriebstechnik GmbH"
ADDRESS = "Max-Eyth-Straße 12 · 74613 Öhringen"
PHONE = "07941 6480-0"
DOMAIN = "hoffmann-antrieb.example"

rl_config.invariant = 1  # no random PDF IDs; the date comes from SOURCE_DATE_EPOCH below


# --------------------------------------------------------------------------------------
# Document model shared by the PDF and DOCX writers
# --------------------------------------------------------------------------------------

# PDF and DOCX bodies are written as a tiny Markdown-like text, parsed into blocks:
#   "# Heading" / "## Subheading"        -> ("h1", text) / ("h2", text)
#   "- item"                             -> ("ul", [items])  (consecutive items)
#   "| cell | cell |"                    -> ("table", rows)  (first row is the header)
#   "---"                                -> ("page",)        (page break)
#   anything else                        -> ("p", text)      (blank line ends a paragraph)
# A line starting with whitespace continues the previous item or table row.
Block = tuple


def parse_body(markup: str) -> list[Block]:
    logical: list[str] = []
    for line in markup.strip("\n").splitlines():
        if line[:1].isspace() and line.strip() and logical and logical[-1]:
            logical[-1] += " " + line.strip()
        else:
            logical.append(line.rstrip())
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("p", " ".join(paragraph)))
            paragraph.clear()

    for line in logical:
        if not line or line.startswith(("#", "- ", "|")) or line == "---":
            flush()
        if not line:
            continue
        if line.startswith("## "):
            blocks.append(("h2", line[3:]))
        elif line.startswith("# "):
            blocks.append(("h1", line[2:]))
        elif line == "---":
            blocks.append(("page",))
        elif line.startswith("- "):
            if blocks and blocks[-1][0] == "ul" and not paragraph:
                blocks[-1][1].append(line[2:])
            else:
                blocks.append(("ul", [line[2:]]))
        elif line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].append(cells)
            else:
                blocks.append(("table", [cells]))
        else:
            paragraph.append(line)
    flush()
    return blocks


@dataclass(frozen=True)
class Meta:
    title: str
    author: str
    date: dt.date
    subject: str = ""
    keywords: str = ""
    doc_no: str = ""  # shown in the PDF page header, e.g. "WA-HX-03"

    @property
    def timestamp(self) -> dt.datetime:
        return dt.datetime(self.date.year, self.date.month, self.date.day, 9, 30, 0)


def _nfc(rel: str) -> str:
    return unicodedata.normalize("NFC", rel)


def write_bytes(rel: str, data: bytes) -> None:
    path = SHARE / _nfc(rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def normalize_ooxml(data: bytes, modified: dt.datetime) -> bytes:
    """Rewrite an Office Open XML package with fixed ZIP timestamps and a fixed
    ``dcterms:modified`` (openpyxl and python-pptx stamp "now" into it on save)."""
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    blob,
                )
            member = zipfile.ZipInfo(info.filename, date_time=_zip_time(modified))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, blob)
    return out.getvalue()


# --------------------------------------------------------------------------------------
# One writer per format
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _source_date(when: dt.datetime) -> Iterator[None]:
    """reportlab takes the PDF CreationDate/ModDate (and the ID seed) from this variable."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.replace(tzinfo=dt.UTC).timestamp()))
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def pdf_bytes(meta: Meta, body: str) -> bytes:
    """A text PDF (real text layer, Helvetica/WinAnsi, so äöüß€ work) with header/footer."""
    styles = getSampleStyleSheet()
    text, cell = styles["BodyText"], styles["BodyText"].clone("cell", fontSize=8.5, leading=10.5)
    story: list = [Paragraph(html.escape(meta.title), styles["Title"])]
    for block in parse_body(body):
        kind = block[0]
        if kind == "h1":
            story.append(Paragraph(html.escape(block[1]), styles["Heading1"]))
        elif kind == "h2":
            story.append(Paragraph(html.escape(block[1]), styles["Heading2"]))
        elif kind == "p":
            story.append(Paragraph(html.escape(block[1]), text))
        elif kind == "ul":
            items = [ListItem(Paragraph(html.escape(t), text)) for t in block[1]]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14))
        elif kind == "table":
            rows = [[Paragraph(html.escape(str(c)), cell) for c in row] for row in block[1]]
            table = Table(rows, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 4), table, Spacer(1, 6)]
        elif kind == "page":
            story.append(PageBreak())
        else:
            raise ValueError(f"unknown block {kind!r}")

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#1f3b64"))
        canvas.drawString(2 * cm, A4[1] - 1.3 * cm, COMPANY)
        canvas.drawRightString(A4[0] - 2 * cm, A4[1] - 1.3 * cm, meta.doc_no or meta.title)
        canvas.setFillColor(colors.grey)
        canvas.drawString(2 * cm, 1.2 * cm, f"Stand: {meta.date:%d.%m.%Y} · {ADDRESS}")
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Seite {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    with _source_date(meta.timestamp):
        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            keywords=meta.keywords,
            creator=f"{COMPANY} – Dokumentvorlage",
            topMargin=2.2 * cm,
            bottomMargin=2 * cm,
        )
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def write_pdf(rel: str, meta: Meta, body: str) -> None:
    write_bytes(rel, pdf_bytes(meta, body))


def _scan_font(size: int) -> ImageFont.FreeTypeFont:
    """Bitstream Vera ships with reportlab, so the rendering is the same on every machine."""
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    return ImageFont.truetype(str(vera), size)


SCAN_DPI = 150


def scan_page(lines: Sequence[str], seed: int) -> Image.Image:
    """One A4 page at 150 dpi that looks like a slightly skewed office scan."""
    rng = random.Random(seed)
    width, height = round(8.27 * SCAN_DPI), round(11.69 * SCAN_DPI)
    unit = SCAN_DPI / 100
    page = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(page)
    y = 80 * unit
    for line in lines:
        bold = line.startswith("#")
        text = line.lstrip("# ")
        font = _scan_font(round((26 if bold else 16) * unit))
        draw.text((78 * unit, y), text, fill=35, font=font)
        y += (44 if bold else 24) * unit
    # a hand-written-looking signature stroke under the text, and some speckles
    points = [(520 * unit + i * 9, y + 20 * unit + rng.uniform(-9, 9)) for i in range(30)]
    draw.line(points, fill=60, width=3)
    for _ in range(2000):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=rng.randrange(90, 200))
    page = page.rotate(0.7 if seed % 2 else -0.5, fillcolor=238, resample=Image.BICUBIC)
    return page.filter(ImageFilter.GaussianBlur(0.7))


def write_scan_pdf(rel: str, meta: Meta, pages: Sequence[Sequence[str]], seed: int) -> None:
    """An image-only PDF (no text layer): parsers must report it as needing OCR."""
    images = [scan_page(lines, seed + i) for i, lines in enumerate(pages)]
    stamp = meta.timestamp.timetuple()
    buf = io.BytesIO()
    images[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=float(SCAN_DPI),
        quality=55,
        title=meta.title,
        author=meta.author,
        creator="Canon iR-ADV C5535 (Scan to Folder)",
        producer="Canon iR-ADV C5535",
        creationDate=stamp,
        modDate=stamp,
    )
    write_bytes(rel, buf.getvalue())


def docx_bytes(meta: Meta, body: str) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    header = doc.sections[0].header.paragraphs[0]
    header.text = f"{COMPANY} · {meta.doc_no or meta.title}"
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = f"Stand: {meta.date:%d.%m.%Y} · {ADDRESS}"
    doc.add_heading(meta.title, level=0)
    for block in parse_body(body):
        kind = block[0]
        if kind == "h1":
            doc.add_heading(block[1], level=1)
        elif kind == "h2":
            doc.add_heading(block[1], level=2)
        elif kind == "p":
            doc.add_paragraph(block[1])
        elif kind == "ul":
            for item in block[1]:
                doc.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            rows = block[1]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = str(value)
                    if r == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
        elif kind == "page":
            doc.add_page_break()
        else:
            raise ValueError(f"unknown block {kind!r}")
    props = doc.core_properties
    props.title = meta.title
    props.author = meta.author
    props.last_modified_by = meta.author
    props.subject = meta.subject
    props.keywords = meta.keywords
    props.comments = meta.doc_no
    props.created = meta.timestamp
    props.modified = meta.timestamp
    props.revision = 3
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_ooxml(buf.getvalue(), meta.timestamp)


def write_docx(rel: str, meta: Meta, body: str) -> None:
    write_bytes(rel, docx_bytes(meta, body))


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[list]  # first row is the header
    formats: dict[int, str] | None = None  # column index -> Excel number format


EURO = '#,##0.00 "€"'
EURO0 = '#,##0 "€"'
PERCENT = "0.0%"


def write_xlsx(rel: str, meta: Meta, sheets: Sequence[Sheet]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        for row in spec.rows:
            ws.append(row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE4EE")
        for col, fmt in (spec.formats or {}).items():
            for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                cell.number_format = fmt
        for col in range(1, ws.max_column + 1):
            width = max(len(str(c.value or "")) for c in ws[get_column_letter(col)])
            ws.column_dimensions[get_column_letter(col)].width = min(60, width + 3)
        ws.freeze_panes = "A2"
    props = wb.properties
    props.title = meta.title
    props.creator = meta.author
    props.lastModifiedBy = meta.author
    props.subject = meta.subject
    props.keywords = meta.keywords
    props.created = meta.timestamp
    props.modified = meta.timestamp
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(rel, normalize_ooxml(buf.getvalue(), meta.timestamp))


def write_csv(rel: str, rows: Sequence[Sequence], encoding: str = "utf-8-sig") -> None:
    """Semicolon CSV as German Excel writes it (CRLF, BOM for UTF-8)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    write_bytes(rel, buf.getvalue().encode(encoding))


@dataclass(frozen=True)
class Slide:
    title: str
    bullets: list[str]
    notes: str = ""


def write_pptx(rel: str, meta: Meta, subtitle: str, slides: Sequence[Slide]) -> None:
    prs = Presentation()
    first = prs.slides.add_slide(prs.slide_layouts[0])
    first.shapes.title.text = meta.title
    first.placeholders[1].text = subtitle
    for spec in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = spec.title
        body = slide.placeholders[1].text_frame
        body.text = spec.bullets[0]
        for bullet in spec.bullets[1:]:
            body.add_paragraph().text = bullet
        for paragraph in body.paragraphs:
            for run in paragraph.runs:
                run.font.size = PptPt(20)
        if spec.notes:
            slide.notes_slide.notes_text_frame.text = spec.notes
    props = prs.core_properties
    props.title = meta.title
    props.author = meta.author
    props.last_modified_by = meta.author
    props.subject = meta.subject
    props.keywords = meta.keywords
    props.created = meta.timestamp
    props.modified = meta.timestamp
    props.revision = 2
    buf = io.BytesIO()
    prs.save(buf)
    write_bytes(rel, normalize_ooxml(buf.getvalue(), meta.timestamp))


INTRANET_NAV = [
    ("Start", "/intranet/"),
    ("News", "/intranet/news/"),
    ("Kantine", "/intranet/kantine/"),
    ("IT-Service", "/intranet/it/"),
    ("Personal", "/intranet/personal/"),
    ("Qualität", "/intranet/qm/"),
    ("Telefonbuch", "/intranet/telefon/"),
]


def write_html(rel: str, meta: Meta, body: str) -> None:
    """An intranet page: the real content sits between a lot of navigation boilerplate."""
    nav = "\n".join(
        f'        <li><a href="{href}">{html.escape(label)}</a></li>'
        for label, href in INTRANET_NAV
    )
    page = f"""<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>{html.escape(meta.title)} – HoffNet Intranet</title>
  <meta name="author" content="{html.escape(meta.author)}">
  <meta name="date" content="{meta.date.isoformat()}">
  <link rel="stylesheet" href="/intranet/static/hoffnet.css">
  <script src="/intranet/static/tracking.js"></script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/intranet/"><img src="/intranet/static/logo.svg" alt="HoffNet"></a>
    <form class="search" action="/intranet/suche"><input name="q" placeholder="Suchen …"></form>
    <nav class="main-nav">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <div class="breadcrumb">
    Sie sind hier: <a href="/intranet/">Start</a> › {html.escape(meta.title)}
  </div>
  <main id="content">
    <article>
      <h1>{html.escape(meta.title)}</h1>
      <p class="meta">Zuletzt geändert am {meta.date:%d.%m.%Y} von {html.escape(meta.author)}</p>
{body}
    </article>
  </main>
  <aside class="sidebar">
    <h2>Schnellzugriff</h2>
    <ul>
      <li><a href="/intranet/telefon/">Telefonliste</a></li>
      <li><a href="/intranet/kantine/">Speiseplan</a></li>
      <li><a href="https://zeiterfassung.{DOMAIN}/">Zeiterfassung</a></li>
    </ul>
  </aside>
  <footer class="site-footer">
    <p>© 2025 {COMPANY} · {ADDRESS} · Tel. {PHONE}</p>
    <p><a href="/intranet/impressum">Impressum</a> · <a href="/intranet/datenschutz">Datenschutz</a>
       · IT-Hotline Durchwahl 230</p>
  </footer>
</body>
</html>
"""
    write_bytes(rel, page.encode("utf-8"))


def write_text(rel: str, text: str, encoding: str = "utf-8", crlf: bool = False) -> None:
    """Plain text / Markdown. ``encoding="utf-16"`` writes little-endian with a BOM."""
    if crlf:
        text = text.replace("\n", "\r\n")
    if encoding == "utf-16":  # explicit byte order, so the bytes are the same everywhere
        write_bytes(rel, b"\xff\xfe" + text.encode("utf-16-le"))
    else:
        write_bytes(rel, text.encode(encoding))


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # "application/pdf"


def eml_bytes(
    headers: dict[str, str],
    when: dt.datetime,
    body: str,
    attachments: Sequence[Attachment] = (),
    boundary: str = "",
) -> bytes:
    msg = EmailMessage()
    for key, value in headers.items():
        msg[key] = value
    msg["Date"] = email.utils.format_datetime(
        when.replace(tzinfo=dt.timezone(dt.timedelta(hours=1)))
    )
    msg["MIME-Version"] = "1.0"
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg.set_content(body, cte="quoted-printable")
    for att in attachments:
        maintype, subtype = att.mime.split("/")
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    if attachments:
        msg.set_boundary(boundary or "----=_NextPart_000_0001_01DB0000.00000000")
    return msg.as_bytes(policy=email.policy.SMTP)


def write_zip(rel: str, when: dt.datetime, members: Sequence[tuple[str, bytes]]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_zip_time(when))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    write_bytes(rel, buf.getvalue())


def load_msgwriter():
    """``scripts/samples/msgwriter.py`` (written by another engineer), if it exists."""
    if not MSGWRITER.exists():
        return None
    spec = importlib.util.spec_from_file_location("msgwriter", MSGWRITER)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["msgwriter"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------
# The company: people and products every document refers to
# --------------------------------------------------------------------------------------

# name, function, department, extension (Durchwahl)
PEOPLE = [
    ("Dr. Claudia Hoffmann", "Geschäftsführerin", "Geschäftsführung", "100"),
    ("Petra Lang", "Assistenz der Geschäftsführung", "Geschäftsführung", "101"),
    ("Stefan Brandt", "Kaufmännischer Leiter, Prokurist", "Finanzen & Controlling", "110"),
    ("Monika Seidel", "Buchhaltung", "Finanzen & Controlling", "112"),
    ("Markus Weber", "Leiter Personal", "Personal", "120"),
    ("Julia Neumann", "Personalreferentin", "Personal", "121"),
    ("Sabine Wolf", "IT-Administration", "IT", "231"),
    ("Kevin Roth", "IT-Support", "IT", "232"),
    ("Oliver Hahn", "Vertriebsleiter", "Vertrieb", "300"),
    ("Tom Becker", "Key Account Manager Süd", "Vertrieb", "310"),
    ("Lea Yilmaz", "Vertriebsinnendienst", "Vertrieb", "311"),
    ("Henrik Larsen", "Export Sales Nordics", "Vertrieb", "315"),
    ("Anna Schmidt", "Servicetechnikerin, Technischer Service", "Technik", "410"),
    ("Dominik Schäfer", "Konstruktion Getriebe", "Technik", "420"),
    ("Frank Maier", "Fertigungsleiter", "Fertigung", "500"),
    ("Ayşe Demir", "Schichtleiterin Montage", "Fertigung", "510"),
    ("Jürgen Krämer", "Leiter Qualitätsmanagement", "Qualität", "600"),
    ("Nicole Bauer", "Prüffeld / Endprüfung", "Qualität", "610"),
    ("Michael Fischer", "Betriebsratsvorsitzender", "Betriebsrat", "700"),
    ("Empfang / Zentrale", "", "Verwaltung", "0"),
    ("IT-Hotline", "", "IT", "230"),
]


def mail(name: str) -> str:
    first, last = name.replace("Dr. ", "").split(" ", 1)
    ascii_name = f"{first}.{last}".lower()
    for umlaut, repl in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ş", "s")):
        ascii_name = ascii_name.replace(umlaut, repl)
    return f"{ascii_name}@{DOMAIN}"


# article, name, list price in EUR; the HX-200 row is what the price question looks for
PRICE_LIST = {
    "Getriebe": [
        ("HX-100-S", "HX-100 Getriebe (Stirnrad, 500 Nm)", 2980.00),
        ("HX-200-S", "HX-200 Getriebe (Stirnrad, 1.200 Nm)", 4850.00),
        ("HX-300-S", "HX-300 Getriebe (Stirnrad, 2.800 Nm)", 7640.00),
        ("KW-40-K", "KW-40 Kegelradgetriebe (400 Nm)", 3420.00),
        ("KW-60-K", "KW-60 Kegelradgetriebe (950 Nm)", 5190.00),
    ],
    "Motoren": [
        ("SM-1-230", "SM-1 Servomotor 1,1 kW", 1640.00),
        ("SM-3-400", "SM-3 Servomotor 3,0 kW", 2760.00),
        ("SM-ENC-24", "Absolutwertgeber-Option für SM-Baureihe", 385.00),
        ("SM-BR-24", "Haltebremse 24 V DC für SM-Baureihe", 290.00),
    ],
    "Ersatzteile": [
        ("ET-4512", "Radialwellendichtring 45x62x8 FKM (HX-200 Abtrieb)", 18.40),
        ("ET-2210", "Lagersatz HX-200 komplett", 312.00),
        ("ET-2299", "Wartungskit HX-200 (Dichtungen, Entlüfter, Ölschauglas)", 149.00),
        ("ET-9020", "Getriebeöl CLP PG 220 synthetisch, 20 l", 289.00),
        ("ET-9005", "Getriebeöl CLP PG 220 synthetisch, 5 l", 84.50),
        ("ET-6001", "Kupplungsstern 98 Shore A (KW-60)", 27.90),
    ],
}


def _menu_table(days: Sequence[tuple[str, str, str, str]]) -> str:
    head = "<tr><th>Tag</th><th>Menü 1</th><th>Menü 2 (vegetarisch)</th><th>Preis</th></tr>"
    rows = "\n".join(
        "          <tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in day) + "</tr>"
        for day in days
    )
    return (
        f'      <table class="speiseplan">\n        <thead>{head}</thead>\n        <tbody>\n'
        f"{rows}\n        </tbody>\n      </table>"
    )


# --------------------------------------------------------------------------------------
# Allgemein/ – readable by every employee
# --------------------------------------------------------------------------------------


def allgemein() -> None:
    write_pdf(
        "Allgemein/Betriebsvereinbarungen/BV_Arbeitszeit_Gleitzeit_2022.pdf",
        Meta(
            "Betriebsvereinbarung Arbeitszeit und Gleitzeit",
            "Markus Weber",
            dt.date(2022, 7, 1),
            subject="Betriebsvereinbarung Nr. 2022/03",
            keywords="Gleitzeit, Kernarbeitszeit, Arbeitszeitkonto, Betriebsvereinbarung",
            doc_no="BV 2022/03",
        ),
        """
Zwischen der Hoffmann Antriebstechnik GmbH, vertreten durch die Geschäftsführerin Dr. Claudia
Hoffmann, und dem Betriebsrat der Hoffmann Antriebstechnik GmbH, vertreten durch den
Vorsitzenden Michael Fischer, wird folgende Betriebsvereinbarung geschlossen.

# § 1 Geltungsbereich

Diese Betriebsvereinbarung gilt für alle Beschäftigten am Standort Öhringen mit Ausnahme der
leitenden Angestellten im Sinne des § 5 Abs. 3 BetrVG sowie der Beschäftigten im
Drei-Schicht-Betrieb der Fertigung, für die der Schichtplan gemäß Betriebsvereinbarung 2019/02
gilt.

# § 2 Regelmäßige Arbeitszeit

Die regelmäßige wöchentliche Arbeitszeit beträgt 35 Stunden für Vollzeitbeschäftigte im
Geltungsbereich des Tarifvertrags der Metall- und Elektroindustrie Baden-Württemberg. Sie
verteilt sich in der Regel auf die Wochentage Montag bis Freitag.

# § 3 Gleitzeitrahmen und Kernarbeitszeit

Der Gleitzeitrahmen liegt montags bis freitags zwischen 6:00 Uhr und 20:00 Uhr. Die
Kernarbeitszeit liegt montags bis donnerstags von 9:00 Uhr bis 14:30 Uhr und freitags von 9:00
Uhr bis 12:00 Uhr. Während der Kernarbeitszeit ist Anwesenheit Pflicht, sofern keine Abwesenheit
(Urlaub, Dienstreise, mobiles Arbeiten, Gleittag) genehmigt ist.

| Zeitraum | Montag–Donnerstag | Freitag |
| Gleitzeitrahmen | 6:00–20:00 Uhr | 6:00–20:00 Uhr |
| Kernarbeitszeit | 9:00–14:30 Uhr | 9:00–12:00 Uhr |
| Mindestpause | 30 Minuten ab 6 Std. | 30 Minuten ab 6 Std. |

---

# § 4 Arbeitszeitkonto

Für jede Beschäftigte und jeden Beschäftigten wird ein Arbeitszeitkonto geführt. Das Konto darf
höchstens 60 Plusstunden und 20 Minusstunden aufweisen. Übersteigt das Guthaben 40 Stunden,
vereinbaren Führungskraft und Beschäftigte einen Plan zum Abbau (Ampelregelung: grün bis 40,
gelb bis 60, rot darüber).

Pro Kalendermonat kann ein ganzer Gleittag genommen werden, sofern betriebliche Belange nicht
entgegenstehen. Gleittage werden über das Zeiterfassungsportal beantragt.

# § 5 Zeiterfassung

Beginn und Ende der Arbeitszeit werden an den Terminals am Haupteingang und an der Halle 2 mit
dem Werksausweis erfasst. Beim mobilen Arbeiten erfolgt die Erfassung über das
Zeiterfassungsportal im Intranet. Korrekturen sind innerhalb von 14 Tagen über die Führungskraft
einzureichen.

# § 6 Inkrafttreten und Kündigung

Diese Betriebsvereinbarung tritt am 1. Juli 2022 in Kraft. Sie kann mit einer Frist von drei
Monaten zum Jahresende gekündigt werden. Bis zum Abschluss einer neuen Vereinbarung wirkt sie
nach.

Öhringen, den 1. Juli 2022 — Dr. Claudia Hoffmann (Geschäftsführerin) — Michael Fischer
(Vorsitzender des Betriebsrats)
""",
    )

    write_docx(
        "Allgemein/Betriebsvereinbarungen/BV_Mobiles_Arbeiten_2024.docx",
        Meta(
            "Betriebsvereinbarung Mobiles Arbeiten",
            "Markus Weber",
            dt.date(2024, 3, 15),
            subject="Betriebsvereinbarung Nr. 2024/01",
            keywords="mobiles Arbeiten, Homeoffice, Betriebsvereinbarung",
            doc_no="BV 2024/01",
        ),
        """
# 1. Ziel und Geltungsbereich

Mobiles Arbeiten soll die Vereinbarkeit von Beruf und Privatleben verbessern. Die Vereinbarung
gilt für alle Beschäftigten, deren Tätigkeit sich dafür eignet. Tätigkeiten in Fertigung,
Montage, Prüffeld und Lager sind in der Regel nicht mobil ausführbar.

# 2. Umfang

Mobiles Arbeiten ist an bis zu zwei Tagen pro Woche möglich, bei Teilzeit anteilig. Die Tage
werden mit der Führungskraft abgestimmt und im Teamkalender eingetragen. Teamtage mit
Präsenzpflicht legt jede Abteilung selbst fest.

| Beschäftigungsumfang | Mobile Tage pro Woche | Genehmigung durch |
| Vollzeit (35 Std.) | bis zu 2 | direkte Führungskraft |
| Teilzeit ab 20 Std. | bis zu 1 | direkte Führungskraft |
| Ausnahmen (z. B. Pflege) | nach Absprache | Personalabteilung |

# 3. Ausstattung

Das Unternehmen stellt einen Laptop, ein Headset und auf Wunsch einen zweiten Monitor. Der
Zugriff auf Firmendaten erfolgt ausschließlich über den VPN-Zugang (siehe IT-Anleitung im
Intranet). Für Strom und Internet wird eine Pauschale von 20 € pro Monat gezahlt, wenn
mindestens vier mobile Tage im Monat anfallen.

# 4. Arbeitsschutz und Datenschutz

- Vertrauliche Unterlagen dürfen nicht an öffentlichen Orten bearbeitet werden.
- Ausdrucke mit personenbezogenen Daten sind im Homeoffice nicht erlaubt.
- Der Bildschirm ist beim Verlassen des Arbeitsplatzes zu sperren.

# 5. Inkrafttreten

Die Vereinbarung tritt am 1. April 2024 in Kraft und ersetzt die Regelung zum Homeoffice aus dem
Jahr 2020.
""",
    )

    write_docx(
        "Allgemein/Richtlinien/Reisekostenrichtlinie_2023.docx",
        Meta(
            "Reisekostenrichtlinie 2023",
            "Stefan Brandt",
            dt.date(2022, 12, 15),
            subject="Reisekosten, gültig ab 01.01.2023",
            keywords="Reisekosten, Dienstreise, Kilometerpauschale, Übernachtung",
            doc_no="RL-FIN-04 Version 2023",
        ),
        """
Stand: 15.12.2022 · gültig ab 01.01.2023 · verantwortlich: Stefan Brandt

Diese Richtlinie regelt die Beantragung, Durchführung und Abrechnung von Dienstreisen für alle
Beschäftigten der Hoffmann Antriebstechnik GmbH.

# 1. Genehmigung

Dienstreisen sind vor Reiseantritt über das Formular „Dienstreiseantrag“ bei der direkten
Führungskraft zu beantragen. Auslandsreisen genehmigt zusätzlich die Geschäftsführung.

# 2. Erstattungssätze

| Position | Erstattung |
| Kilometerpauschale Privat-PKW | 0,30 € je gefahrenem Kilometer |
| Übernachtung Inland | bis 120 € pro Nacht inkl. Frühstück |
| Verpflegung, Abwesenheit über 8 Stunden | 14 € |
| Verpflegung, 24 Stunden | 28 € |
| Bahn | 2. Klasse; 1. Klasse ab 5 Stunden Fahrzeit |

# 3. Abrechnung

Die Reisekostenabrechnung ist innerhalb von acht Wochen nach Reiseende mit allen Originalbelegen
in der Buchhaltung (Monika Seidel) einzureichen.
""",
    )
    write_docx(
        "Allgemein/Richtlinien/Reisekostenrichtlinie_2025.docx",
        Meta(
            "Reisekostenrichtlinie 2025",
            "Stefan Brandt",
            dt.date(2024, 12, 2),
            subject="Reisekosten, gültig ab 01.01.2025",
            keywords="Reisekosten, Dienstreise, Kilometerpauschale, Übernachtung",
            doc_no="RL-FIN-04 Version 2025",
        ),
        """
Stand: 02.12.2024 · gültig ab 01.01.2025 · verantwortlich: Stefan Brandt · ersetzt die
Reisekostenrichtlinie 2023 (Stand 15.12.2022)

Diese Richtlinie regelt die Beantragung, Durchführung und Abrechnung von Dienstreisen für alle
Beschäftigten der Hoffmann Antriebstechnik GmbH.

# Was ist neu?

- Die Kilometerpauschale steigt von 0,30 € auf 0,35 € je Kilometer.
- Die Obergrenze für Übernachtungen im Inland steigt auf 140 €.
- Die Abrechnung erfolgt digital über das Spesenportal innerhalb von vier Wochen.
- Bahnfahrten in der 1. Klasse sind bereits ab 3 Stunden Fahrzeit erlaubt.

# 1. Genehmigung

Dienstreisen sind vor Reiseantritt im Spesenportal bei der direkten Führungskraft zu beantragen.
Auslandsreisen genehmigt zusätzlich die Geschäftsführung.

# 2. Erstattungssätze

| Position | Erstattung |
| Kilometerpauschale Privat-PKW | 0,35 € je gefahrenem Kilometer |
| Übernachtung Inland | bis 140 € pro Nacht inkl. Frühstück |
| Übernachtung Ausland | nach Länderpauschale des BMF, Überschreitung mit Begründung |
| Verpflegung, Abwesenheit über 8 Stunden | 14 € |
| Verpflegung, 24 Stunden | 28 € |
| Bahn | 2. Klasse; 1. Klasse ab 3 Stunden Fahrzeit |
| Dienstwagen aus dem Pool | Buchung über den Empfang, Tankkarte im Fahrzeug |

# 3. Abrechnung

Belege werden im Spesenportal fotografiert und hochgeladen. Die Abrechnung ist innerhalb von
vier Wochen nach Reiseende einzureichen; Originalbelege sind danach nicht mehr aufzubewahren.

# 4. Nachhaltigkeit

Bei Reisen unter 500 km ist die Bahn dem Flugzeug vorzuziehen. Wer für den Weg zur Dienstreise
das Deutschlandticket nutzt, erhält einen Zuschuss von 50 %.
""",
    )

    write_pdf(
        "Allgemein/Richtlinien/Verhaltenskodex.pdf",
        Meta(
            "Verhaltenskodex (Code of Conduct)",
            "Dr. Claudia Hoffmann",
            dt.date(2023, 5, 10),
            subject="Verhaltenskodex für alle Beschäftigten",
            keywords="Compliance, Code of Conduct, Geschenke, Korruption",
            doc_no="RL-GF-01",
        ),
        """
Unser Ruf als verlässlicher Partner des Maschinenbaus ist seit 1962 unser wichtigstes Kapital.
Dieser Verhaltenskodex beschreibt, was wir von allen Beschäftigten erwarten – und was unsere
Kunden und Lieferanten von uns erwarten dürfen.

# 1. Fairer Wettbewerb

Wir sprechen mit Wettbewerbern weder über Preise noch über Angebote oder Kunden. Informationen
aus Ausschreibungen behandeln wir vertraulich.

# 2. Geschenke und Einladungen

Geschenke und Einladungen dürfen nur angenommen werden, wenn ihr Wert 40 € nicht übersteigt und
keine Gegenleistung erwartet wird. Alles darüber hinaus ist der Compliance-Beauftragten (Petra
Lang) zu melden.

# 3. Umgang miteinander

Wir dulden keine Diskriminierung wegen Herkunft, Geschlecht, Religion, Alter, Behinderung oder
sexueller Identität. Beschwerden nimmt die Personalabteilung oder der Betriebsrat vertraulich
entgegen.

---

# 4. Hinweisgebersystem

Verstöße können anonym über das Hinweisgebersystem nach dem Hinweisgeberschutzgesetz gemeldet
werden. Die Meldestelle ist extern bei einer Rechtsanwaltskanzlei in Heilbronn angesiedelt und
unter der Adresse hinweise@hoffmann-antrieb.example erreichbar.

# 5. Vertraulichkeit

Konstruktionsdaten, Preise, Kundendaten und Personaldaten sind vertraulich. Sie dürfen nur an
Personen weitergegeben werden, die sie für ihre Aufgabe benötigen.

# 6. Umwelt

Wir setzen auf synthetische Langzeitöle, verlängern damit die Ölwechselintervalle unserer
Getriebe und reduzieren Altöl. Seit 2023 beziehen wir 100 % Ökostrom.
""",
    )

    write_text(
        "Allgemein/Richtlinien/Datenschutz_Merkblatt_Mitarbeitende.md",
        """# Datenschutz-Merkblatt für Mitarbeitende

*Stand: September 2024 · Herausgeber: Datenschutzkoordination (Petra Lang)*

## Warum das wichtig ist

Wir verarbeiten täglich personenbezogene Daten: von Kolleginnen und Kollegen, Bewerbern,
Ansprechpartnern bei Kunden und Lieferanten. Die DSGVO und das BDSG gelten für alle.

## Die fünf Grundregeln

1. **Nur was nötig ist.** Erheben und speichern Sie nur Daten, die Sie für Ihre Aufgabe brauchen.
2. **Nur wer es braucht.** Legen Sie Dateien mit Personaldaten nie in `Allgemein/` ab.
3. **Verschlüsselt versenden.** Personaldaten per E-Mail nur als verschlüsseltes ZIP
   (Passwort auf anderem Weg mitteilen).
4. **Aufräumen.** Bewerbungsunterlagen werden sechs Monate nach Abschluss des
   Verfahrens gelöscht.
5. **Melden.** Datenpannen (z. B. verlorener Laptop, falscher E-Mail-Empfänger) sofort
   an die IT-Hotline (Durchwahl 230) **und** an den Datenschutz melden – innerhalb von
   72 Stunden muss ggf. die Aufsichtsbehörde informiert werden.

## Ansprechpartner

| Thema | Ansprechpartner | Kontakt |
|---|---|---|
| Datenschutzkoordination | Petra Lang | Durchwahl 101 |
| Externer Datenschutzbeauftragter | DataProtect Hohenlohe GmbH | dsb@dsb-hohenlohe.example |
| IT-Sicherheit | Sabine Wolf | Durchwahl 231 |

> Tipp: Im Zweifel fragen – lieber einmal zu viel als einmal zu wenig.
""",
    )

    phone_rows = [["Name", "Funktion", "Abteilung", "Durchwahl", "Telefon", "E-Mail"]]
    for name, function, department, ext in PEOPLE:
        address = mail(name) if function else ""
        phone_rows.append([name, function, department, ext, f"07941 6480-{ext}", address])
    write_csv("Allgemein/Telefonliste.csv", phone_rows)

    write_html(
        "Allgemein/Intranet/Startseite.html",
        Meta("Willkommen im HoffNet", "Petra Lang", dt.date(2025, 3, 17)),
        """      <section class="news">
        <h2>Betriebsversammlung am 20. März 2025</h2>
        <p>Die nächste Betriebsversammlung findet am Donnerstag, 20. März 2025, um 13:00 Uhr in
        der Kantine statt. Die Geschäftsführung berichtet über das Geschäftsjahr 2024 und die
        Pläne für 2025. Die Zeit gilt als Arbeitszeit.</p>
        <h2>Hannover Messe 2025</h2>
        <p>Vom 31. März bis 4. April 2025 präsentieren wir die neue SM-3 Servomotorbaureihe und
        das HX-Stirnradgetriebe in Halle 25, Stand C14. Wer Interesse am Standdienst hat, meldet
        sich bei Tom Becker.</p>
        <h2>Neu: Ladesäulen auf dem Parkplatz</h2>
        <p>Die acht neuen Ladepunkte sind in Betrieb. Details zur Parkplatzregelung hängen am
        Schwarzen Brett aus.</p>
      </section>
      <section class="links">
        <h2>Häufig gesucht</h2>
        <ul>
          <li><a href="/intranet/it/vpn">VPN-Anleitung</a></li>
          <li><a href="/intranet/personal/reisekosten">Reisekostenrichtlinie</a></li>
          <li><a href="/intranet/qm/handbuch">QM-Handbuch</a></li>
        </ul>
      </section>""",
    )

    write_html(
        "Allgemein/Intranet/Speiseplan_KW12_2025.html",
        Meta("Speiseplan KW 12 (17.–21.03.2025)", "Kantinenteam", dt.date(2025, 3, 14)),
        _menu_table(
            [
                (
                    "Montag",
                    "Maultaschen mit Kartoffelsalat",
                    "Gemüse-Maultaschen in Brühe",
                    "4,80 €",
                ),
                (
                    "Dienstag",
                    "Schweinebraten mit Spätzle",
                    "Käsespätzle mit Röstzwiebeln",
                    "5,20 €",
                ),
                ("Mittwoch", "Hähnchencurry mit Reis", "Linsen-Dal mit Reis", "4,90 €"),
                ("Donnerstag", "Fleischkäse mit Spiegelei", "Flammkuchen mit Lauch", "4,60 €"),
                ("Freitag", "Seelachsfilet mit Dillkartoffeln", "Ofengemüse mit Feta", "5,10 €"),
            ]
        )
        + "\n      <p>Am Donnerstag schließt die Essensausgabe wegen der Betriebsversammlung "
        "bereits um 12:45 Uhr.</p>",
    )

    write_pptx(
        "Allgemein/Betriebsversammlung_2025-03.pptx",
        Meta(
            "Betriebsversammlung März 2025",
            "Dr. Claudia Hoffmann",
            dt.date(2025, 3, 20),
            subject="Bericht der Geschäftsführung",
        ),
        "Bericht der Geschäftsführung · 20. März 2025 · Kantine",
        [
            Slide(
                "Rückblick 2024",
                [
                    "Umsatz auf Vorjahresniveau trotz schwacher Maschinenbaukonjunktur",
                    "Auftragseingang im vierten Quartal deutlich erholt",
                    "Kein meldepflichtiger Arbeitsunfall seit 412 Tagen",
                ],
                "Danke an alle für das Durchhalten im schwierigen Sommer. Der Auftragseingang im "
                "Q4 lag 11 Prozent über Vorjahr, getragen von Fördertechnik und Verpackung.",
            ),
            Slide(
                "Produkte und Technik",
                [
                    "Serienstart SM-3 Servomotor (3,0 kW) im Februar 2025",
                    "Neuer Getriebeprüfstand in Halle 2 ab Sommer",
                    "Hannover Messe: Halle 25, Stand C14",
                ],
                "Der neue Prüfstand ersetzt den Prüfstand 1 aus dem Jahr 2004. Ziel: 100 Prozent "
                "Dichtheitsprüfung bei allen HX-Getrieben.",
            ),
            Slide(
                "Ausbildung und Personal",
                [
                    "Neue Auszubildende starten im Herbst",
                    "Übernahmequote der Auszubildenden: 100 %",
                    "Betriebliches Gesundheitsmanagement: Fahrrad-Leasing ab April",
                ],
                "Im September 2025 starten neun Auszubildende: vier Industriemechaniker, zwei "
                "Mechatroniker, ein Elektroniker für Betriebstechnik und zwei Industriekaufleute. "
                "Paten aus den Abteilungen bitte bis Ende Mai an Julia Neumann melden.",
            ),
            Slide(
                "Ausblick 2025",
                [
                    "Ziel: Umsatzwachstum im einstelligen Prozentbereich",
                    "Ausbau des Servicegeschäfts (Wartungsverträge)",
                    "Energie: zweite Photovoltaik-Anlage auf Halle 3",
                ],
                "Fragen aus der Belegschaft bitte über den Betriebsrat sammeln; wir "
                "beantworten sie im nächsten Intranet-Beitrag.",
            ),
        ],
    )

    write_text(
        "Allgemein/Aushang_Parkplatzregelung.txt",
        """AUSHANG – Neue Parkplatzregelung ab 01.04.2025
==============================================

Liebe Kolleginnen und Kollegen,

mit der Inbetriebnahme der Ladesäulen ändert sich ab dem 1. April 2025 die Belegung
unserer Parkplätze:

- Parkplatz P1 (vor dem Haupteingang): nur Besucher und Kunden, max. 3 Stunden.
- Parkplatz P2 (Nordseite, Reihe A, Stellplätze 1–8): reserviert für Elektrofahrzeuge
  während des Ladevorgangs. Nach Ende des Ladevorgangs bitte umparken (Ladezeit max. 4 Std.).
- Parkplatz P2, Reihen B–D: Beschäftigte, freie Platzwahl.
- Parkplatz P3 (hinter Halle 3): Schichtbetrieb und Fahrgemeinschaften.
- Fahrräder: überdachte Stellplätze mit Lademöglichkeit für E-Bikes neben dem Werkstor Süd.

Die Ladekarte für die Ladesäulen gibt es am Empfang gegen Unterschrift. Geladen wird zum
Selbstkostenpreis von 0,29 €/kWh, die Abrechnung erfolgt monatlich über die Gehaltsabrechnung.

Bei Fragen: Empfang, Durchwahl 0.

Öhringen, 10.03.2025
Die Geschäftsführung
""",
        encoding="cp1252",
        crlf=True,
    )

    write_text(
        "Allgemein/Notfall_und_Ersthelfer.txt",
        """Notfallplan und Ersthelfer – Standort Öhringen
Stand: Januar 2025 (Export aus dem Sicherheitsportal)

NOTRUF: 112 – danach Empfang informieren (Durchwahl 0), damit der Rettungsdienst
am Werkstor abgeholt wird.

Sammelplatz bei Räumung: Parkplatz P1 vor dem Haupteingang.

Ersthelferinnen und Ersthelfer
Gebäude / Bereich\tName\tDurchwahl
Verwaltung EG\tPetra Lang\t101
Verwaltung 1. OG\tJulia Neumann\t121
Halle 1 (Fertigung)\tAyşe Demir\t510
Halle 2 (Montage, Prüffeld)\tNicole Bauer\t610
Halle 3 (Lager, Versand)\tFrank Maier\t500

Defibrillator (AED): am Empfang und in Halle 2 neben dem Prüfstand.
Verbandkästen: in jeder Halle an den grün markierten Säulen.
Brandschutzhelfer: Liste hängt an jedem Feuerlöscher-Standort aus.
""",
        encoding="utf-16",
        crlf=True,
    )

    write_scan_pdf(
        "Allgemein/Scans/Hausordnung_unterschrieben_2019.pdf",
        Meta("Scan Hausordnung", "scanner", dt.date(2019, 6, 3)),
        [
            [
                "# Hausordnung",
                f"{COMPANY} – Standort Öhringen",
                "",
                "1. Das Betriebsgelände ist werktags von 5:30 bis 22:00 Uhr geöffnet.",
                "2. Besucher melden sich am Empfang an und tragen den Besucherausweis sichtbar.",
                "3. In den Hallen gilt Sicherheitsschuhpflicht (S3).",
                "4. Rauchen ist nur im ausgewiesenen Raucherbereich an Halle 3 erlaubt.",
                "5. Fotografieren in den Fertigungshallen ist nur mit Genehmigung gestattet.",
                "6. Das Befahren des Geländes ist mit Schrittgeschwindigkeit gestattet.",
                "7. Fundsachen werden am Empfang abgegeben.",
                "",
                "Öhringen, 03.06.2019",
                "",
                "Ernst Hoffmann (Geschäftsführer)        Betriebsrat",
            ],
            [
                "# Anlage: Lageplan Sammelplätze",
                "",
                "Sammelplatz A: Parkplatz P1 (Verwaltung, Halle 1)",
                "Sammelplatz B: Wiese an Halle 3 (Halle 2, Halle 3)",
                "",
                "Die Räumungsübung findet einmal jährlich statt.",
            ],
        ],
        seed=2019,
    )


# --------------------------------------------------------------------------------------
# Technik/
# --------------------------------------------------------------------------------------


def technik() -> None:
    write_pdf(
        "Technik/Wartungsanleitungen/Wartungsanleitung_HX-Baureihe.pdf",
        Meta(
            "Wartungsanleitung Stirnradgetriebe Baureihe HX",
            "Dominik Schäfer",
            dt.date(2024, 3, 11),
            subject="Wartung und Instandhaltung HX-100, HX-200, HX-300",
            keywords="Wartung, Wartungsintervall, Ölwechsel, HX-100, HX-200, HX-300",
            doc_no="WA-HX-03 · Rev. 3",
        ),
        """
Dokument WA-HX-03, Revision 3, März 2024. Erstellt: Dominik Schäfer (Konstruktion). Geprüft:
Anna Schmidt (Technischer Service). Freigegeben: Jürgen Krämer (Qualitätsmanagement).

# 1 Geltungsbereich

Diese Anleitung gilt für die Stirnradgetriebe der Baureihe HX in den Baugrößen HX-100, HX-200
und HX-300 in allen Bauformen (Fuß- und Flanschausführung) ab Baujahr 2018. Für Kegelradgetriebe
der Baureihe KW gilt die Anleitung WA-KW-02.

# 2 Sicherheitshinweise

- Vor allen Arbeiten den Antrieb spannungsfrei schalten und gegen Wiedereinschalten sichern.
- Getriebe auf unter 40 °C abkühlen lassen – heißes Öl kann Verbrühungen verursachen.
- Auslaufendes Öl sofort mit Bindemittel aufnehmen und als Altöl entsorgen.
- Nur Originalersatzteile und freigegebene Schmierstoffe verwenden, sonst erlischt die
  Gewährleistung.

# 3 Aufbau

Die HX-Getriebe sind zwei- oder dreistufige Stirnradgetriebe mit schrägverzahnten,
einsatzgehärteten und geschliffenen Zahnrädern. Die Abtriebswelle ist mit einem
Radialwellendichtring aus FKM abgedichtet; der Entlüfter sitzt bauformabhängig oben auf dem
Gehäuse.

---

# 4 Wartungsintervalle

Das Wartungsintervall für Getriebe der Baureihe HX beträgt 2.000 Betriebsstunden, spätestens
jedoch 12 Monate nach der letzten Wartung. Bei Umgebungstemperaturen über 40 °C oder bei stark
staubhaltiger Umgebung halbiert sich das Intervall auf 1.000 Betriebsstunden.

| Tätigkeit | Intervall | Bemerkung |
| Sichtprüfung auf Ölaustritt und Geräusche | wöchentlich | durch Betreiber |
| Ölstand am Schauglas prüfen | monatlich | im Stillstand, Getriebe kalt |
| Wartung nach Checkliste (Abschnitt 5) | 2.000 Bh / 12 Monate | Servicetechniker oder
  geschultes Personal |
| Ölwechsel, synthetisches Öl CLP PG 220 | 10.000 Bh / 3 Jahre | siehe Abschnitt 6 |
| Ölwechsel, Mineralöl CLP 220 | 5.000 Bh / 18 Monate | nur nach Freigabe |
| Radialwellendichtring Abtrieb tauschen | bei Undichtigkeit, spätestens 20.000 Bh | Ersatzteil
  ET-4512 (HX-200) |
| Lager tauschen | 25.000 Bh | Lagersatz ET-2210 (HX-200) |

# 5 Checkliste Wartung

- Gehäuse reinigen, Entlüfter auf Durchgang prüfen, ggf. ersetzen.
- Ölstand und Ölfarbe prüfen; milchiges Öl deutet auf Wassereintrag hin.
- Dichtstellen an An- und Abtriebswelle auf Ölaustritt prüfen.
- Laufgeräusch und Temperatur unter Last messen (max. 80 °C Gehäusetemperatur).
- Befestigungsschrauben mit Drehmomentschlüssel nachziehen (Tabelle 7).
- Wartung im Wartungsnachweis (Anhang A) dokumentieren.

---

# 6 Ölwechsel

Das Öl im betriebswarmen Zustand ablassen, damit Abrieb mit ausgetragen wird. Magnetische
Ablassschraube reinigen und auf Späne prüfen. Neues Öl über die Entlüfterbohrung bis zur Mitte
des Schauglases einfüllen.

| Baugröße | Ölmenge Bauform B3 (Fuß) | Ölmenge Bauform V1 (Flansch) |
| HX-100 | 1,2 l | 1,6 l |
| HX-200 | 2,8 l | 3,5 l |
| HX-300 | 6,5 l | 8,0 l |

# 7 Anzugsmomente

| Schraube | Festigkeitsklasse | Anzugsmoment |
| M10 Gehäusedeckel | 8.8 | 49 Nm |
| M12 Fußbefestigung | 8.8 | 86 Nm |
| M16 Fußbefestigung HX-300 | 8.8 | 210 Nm |
| Ölablassschraube M18x1,5 | – | 35 Nm |

---

# 8 Störungen und Abhilfe

| Störung | Mögliche Ursache | Abhilfe |
| Ölaustritt an der Abtriebswelle | Dichtring verschlissen oder beschädigt | Dichtring tauschen,
  Welle auf Riefen prüfen |
| Erhöhte Temperatur | Zu viel oder zu wenig Öl, Überlast | Ölstand korrigieren, Last prüfen |
| Laufgeräusche | Lagerschaden, Verzahnungsschaden | Technischen Service verständigen |
| Ölaustritt am Entlüfter | Falsche Einbaulage des Entlüfters | Entlüfter gemäß Bauform umsetzen
  |

Technischer Service: Anna Schmidt, Telefon 07941 6480-410, service@hoffmann-antrieb.example.
Außerhalb der Geschäftszeiten: Rufbereitschaft über die Zentrale.
""",
    )

    write_docx(
        "Technik/Wartungsanleitungen/Wartungsanleitung_KW-Kegelradgetriebe.docx",
        Meta(
            "Wartungsanleitung Kegelradgetriebe Baureihe KW",
            "Dominik Schäfer",
            dt.date(2023, 10, 2),
            subject="Wartung KW-40 und KW-60",
            keywords="Wartung, Kegelradgetriebe, KW-40, KW-60",
            doc_no="WA-KW-02",
        ),
        """
# 1 Geltungsbereich

Diese Anleitung gilt für die Kegelradgetriebe KW-40 und KW-60. Die Getriebe sind ab Werk mit
synthetischem Öl CLP PG 220 lebensdauergeschmiert, sofern die Öltemperatur 70 °C nicht dauerhaft
überschreitet.

# 2 Regelmäßige Prüfungen

| Prüfung | KW-40 | KW-60 |
| Sichtprüfung Dichtheit | vierteljährlich | vierteljährlich |
| Prüfung Kupplungsstern | jährlich | jährlich (ET-6001) |
| Zahnflankenspiel messen | alle 3 Jahre | alle 3 Jahre |
| Ölwechsel bei Öltemperatur > 70 °C | alle 15.000 Bh | alle 12.000 Bh |

# 3 Austausch des Kupplungssterns

Motor abbauen, Kupplungshälften auseinanderziehen, Stern ersetzen. Der Kupplungsstern mit 98
Shore A (rot) ist für alle KW-60 mit Servomotor SM-3 vorgeschrieben.

# 4 Einstellen des Zahnflankenspiels

Das Zahnflankenspiel wird über Passscheiben unter dem Ritzellagerdeckel eingestellt. Sollwert
KW-40: 0,06–0,10 mm, KW-60: 0,08–0,12 mm.
""",
    )

    write_text(
        "Technik/Wartungsanleitungen/Checkliste_Inbetriebnahme_HX.txt",
        """Checkliste Inbetriebnahme HX-Getriebe (Technischer Service)
===========================================================
Version 1.2 – Anna Schmidt – Mai 2024

[ ] Typenschild mit Auftragsbestätigung abgleichen (Baugröße, Übersetzung, Bauform)
[ ] Transportschäden? Fotos machen, Spedition sofort informieren
[ ] Verschlussschraube oben gegen mitgelieferten Entlüfter tauschen (!!)
[ ] Ölstand am Schauglas prüfen – Getriebe wird befüllt ausgeliefert
[ ] Ausrichtung Motor/Getriebe prüfen, Kupplung max. 0,1 mm Versatz
[ ] Fundament eben (max. 0,1 mm/100 mm), Schrauben nach Tabelle WA-HX-03 anziehen
[ ] Probelauf 30 min ohne Last, dann 30 min unter Last
[ ] Gehäusetemperatur nach Probelauf messen und eintragen: ______ °C
[ ] Kunden in die Sichtprüfung einweisen, Wartungsanleitung WA-HX-03 übergeben
[ ] Inbetriebnahmeprotokoll vom Kunden unterschreiben lassen

Häufigster Fehler in der Praxis: Der Transportverschluss bleibt drauf statt dem Entlüfter.
Folge: Überdruck im Gehäuse, Öl drückt an der Wellendichtung raus.
""",
    )

    write_pdf(
        "Technik/Produktdatenblätter/Datenblatt_HX-Stirnradgetriebe.pdf",
        Meta(
            "Produktdatenblatt Stirnradgetriebe HX",
            "Dominik Schäfer",
            dt.date(2024, 1, 15),
            subject="Technische Daten HX-100, HX-200, HX-300",
            keywords="Datenblatt, Stirnradgetriebe, HX",
            doc_no="DB-HX-2024",
        ),
        """
Die HX-Baureihe ist unser robustes Stirnradgetriebe für Fördertechnik, Verpackungsmaschinen und
Rührwerke. Gehäuse aus Grauguss EN-GJL-250, Verzahnung einsatzgehärtet und geschliffen,
Wirkungsgrad bis 97 % je Stufe.

# Technische Daten

| Merkmal | HX-100 | HX-200 | HX-300 |
| Nenndrehmoment Abtrieb | 500 Nm | 1.200 Nm | 2.800 Nm |
| Übersetzungsbereich | 3 – 40 | 3 – 56 | 5 – 80 |
| Max. Antriebsdrehzahl | 3.000 1/min | 3.000 1/min | 2.500 1/min |
| Abtriebswelle | Ø 30 mm | Ø 45 mm | Ø 60 mm |
| Gewicht (B3, ohne Öl) | 28 kg | 54 kg | 118 kg |
| Schalldruckpegel | < 68 dB(A) | < 70 dB(A) | < 72 dB(A) |
| Schutzart | IP65 | IP65 | IP65 |

# Optionen

- Hohlwelle mit Schrumpfscheibe
- Lebensmitteltaugliches Öl (NSF H1)
- Rücklaufsperre
- Zustandsüberwachung mit Temperatur- und Schwingungssensor (HX-Connect)

Gewährleistung: 24 Monate ab Lieferung, bei Abschluss eines Wartungsvertrags 36 Monate.
""",
    )

    write_pdf(
        "Technik/Produktdatenblätter/Datenblatt_KW-Kegelradgetriebe.pdf",
        Meta(
            "Produktdatenblatt Kegelradgetriebe KW",
            "Dominik Schäfer",
            dt.date(2024, 1, 15),
            subject="Technische Daten KW-40 und KW-60",
            keywords="Datenblatt, Kegelradgetriebe, KW",
            doc_no="DB-KW-2024",
        ),
        """
Kompakte Kegelradgetriebe mit rechtwinkligem Abtrieb, ideal in Kombination mit unseren
SM-Servomotoren für Positionieraufgaben.

# Technische Daten

| Merkmal | KW-40 | KW-60 |
| Nenndrehmoment Abtrieb | 400 Nm | 950 Nm |
| Übersetzungen | 1:1 bis 1:6 | 1:1 bis 1:8 |
| Verdrehspiel | < 8 arcmin | < 6 arcmin |
| Max. Antriebsdrehzahl | 4.000 1/min | 3.500 1/min |
| Gewicht | 19 kg | 41 kg |

Passende Servomotoren: KW-40 mit SM-1, KW-60 mit SM-3 (Motoradapter im Lieferumfang).
""",
    )

    write_pdf(
        "Technik/Produktdatenblätter/Datasheet_SM-Servomotors_EN.pdf",
        Meta(
            "Datasheet SM Series Servo Motors",
            "Dominik Schäfer",
            dt.date(2025, 2, 3),
            subject="Technical data SM-1 and SM-3",
            keywords="servo motor, datasheet, SM-1, SM-3",
            doc_no="DS-SM-2025-EN",
        ),
        """
The SM series are permanent-magnet synchronous servo motors for positioning and packaging
applications. Series production of the SM-3 started in February 2025.

# Technical data

| Property | SM-1 | SM-3 |
| Rated power | 1.1 kW | 3.0 kW |
| Rated speed | 3,000 rpm | 2,500 rpm |
| Rated torque | 3.5 Nm | 11.5 Nm |
| Peak torque | 10.5 Nm | 34 Nm |
| Supply voltage | 230 V AC (single-phase drive) | 400 V AC (three-phase drive) |
| Protection class | IP65 | IP65 |
| Encoder | single-turn resolver | multi-turn absolute (optional) |

# Options

- 24 V DC holding brake
- Multi-turn absolute encoder with one-cable connection
- Mounting adapter for KW bevel gearboxes

Warranty: 24 months from delivery. Contact: Export Sales Nordics, Henrik Larsen,
henrik.larsen@hoffmann-antrieb.example.
""",
    )

    write_pdf(
        "Technik/Prüfprotokolle/Pruefprotokoll_HX200_SN-HX200-24-0815.pdf",
        Meta(
            "Prüfprotokoll Endprüfung HX-200, SN HX200-24-0815",
            "Nicole Bauer",
            dt.date(2024, 11, 8),
            subject="Endprüfung Getriebe",
            keywords="Prüfprotokoll, Endprüfung, HX-200",
            doc_no="PP-24-3371",
        ),
        """
| Feld | Wert |
| Seriennummer | HX200-24-0815 |
| Typ | HX-200-S, Bauform B3, i = 12,5 |
| Auftrag | 24-1187 (Müller Fördertechnik GmbH) |
| Prüfstand | Prüfstand 1 |
| Prüfdatum | 08.11.2024 |
| Prüferin | Nicole Bauer |

# Messergebnisse

| Prüfung | Sollwert | Istwert | Ergebnis |
| Leerlaufgeräusch | < 70 dB(A) | 66,4 dB(A) | i. O. |
| Gehäusetemperatur nach 60 min | < 80 °C | 61 °C | i. O. |
| Verdrehspiel | < 12 arcmin | 9 arcmin | i. O. |
| Sichtprüfung Dichtheit | kein Ölaustritt | kein Ölaustritt | i. O. |
| Ölfüllung | 2,8 l CLP PG 220 | 2,8 l | i. O. |

Gesamtergebnis: bestanden. Das Getriebe wurde zur Auslieferung freigegeben.
""",
    )

    measurements = [
        [
            "Datum",
            "Seriennummer",
            "Typ",
            "Geräusch dB(A)",
            "Temperatur °C",
            "Verdrehspiel arcmin",
            "Dichtheit",
            "Prüfer",
        ]
    ]
    rng = random.Random(202502)
    for day in range(3, 15):
        if dt.date(2025, 2, day).weekday() >= 5:
            continue
        for k in range(2):
            size = ("HX-100", "HX-200", "HX-300")[(day + k) % 3]
            serial = f"{size.replace('-', '')}-25-{day * 7 + k + 100:04d}"
            noise = f"{63 + rng.random() * 6:.1f}".replace(".", ",")
            measurements.append(
                [
                    f"{day:02d}.02.2025",
                    serial,
                    size,
                    noise,
                    str(55 + rng.randrange(12)),
                    str(7 + rng.randrange(4)),
                    "i. O. (Druckprüfung 0,5 bar)",
                    "N. Bauer",
                ]
            )
    write_csv("Technik/Prüfprotokolle/Pruefstand_Messwerte_2025-02.csv", measurements)

    write_scan_pdf(
        "Technik/Prüfprotokolle/Pruefprotokoll_KW60_handschriftlich_Scan.pdf",
        Meta("Scan Prüfprotokoll KW-60", "scanner", dt.date(2025, 2, 12)),
        [
            [
                "# Prüfprotokoll Kegelradgetriebe",
                "Typ: KW-60     SN: KW60-25-0042     Datum: 12.02.2025",
                "",
                "Zahnflankenspiel gemessen: 0,10 mm   (Soll 0,08 – 0,12)   i.O.",
                "Laufgeräusch: 64 dB(A)   i.O.",
                "Temperatur nach 45 min: 58 °C   i.O.",
                "Kupplungsstern 98 Shore A montiert: ja",
                "",
                "Bemerkung: Prüfstand 2 Drucksensor defekt, Dichtheit manuell geprüft.",
                "",
                "Prüfer: N. Bauer",
            ]
        ],
        seed=4242,
    )

    write_text(
        "Technik/Konstruktion/Konstruktionsrichtlinie_Passungen.md",
        """# Konstruktionsrichtlinie: Passungen und Toleranzen

*Dokument KR-07 · Dominik Schäfer · Stand Juni 2023*

Diese Richtlinie legt die **Standardpassungen** für Wellen, Naben und Lagersitze in allen
Getriebebaureihen (HX, KW) fest. Abweichungen sind in der Zeichnung zu begründen.

## Lagersitze

| Stelle | Passung | Hinweis |
|---|---|---|
| Wälzlager Innenring auf Welle (Umfangslast) | k6 | Standard für Abtriebswellen |
| Wälzlager Außenring im Gehäuse (Punktlast) | H7 | |
| Wälzlager Außenring, Loslager | G7 | axial verschiebbar |

## Welle-Nabe-Verbindungen

- Passfederverbindung Zahnrad/Welle: **H7/m6**
- Kupplungsnabe auf Motorwelle: **H7/k6**
- Schrumpfscheibe (Hohlwelle): Welle **h6**, Bohrung **H7**

## Dichtungssitze

Die Lauffläche für Radialwellendichtringe ist mit **Rz 1–4 µm**, drallfrei geschliffen,
auszuführen. Die Einführfase am Gehäuse beträgt **15–20°** – eine beschädigte oder
fehlende Fase ist eine häufige Ursache für Montageschäden an der Dichtlippe.

## Freigabe

Zeichnungen mit sicherheitsrelevanten Toleranzen gibt die Leitung Konstruktion frei.
""",
    )


# --------------------------------------------------------------------------------------
# Vertrieb/ – Angebote/ is restricted to sales and management
# --------------------------------------------------------------------------------------

REKLAMATION_8D = (
    Meta(
        "8D-Bericht RK-2025-007 – Ölaustritt HX-200, Müller Fördertechnik",
        "Jürgen Krämer",
        dt.date(2025, 2, 5),
        subject="Reklamation RK-2025-007",
        keywords="8D, Reklamation, HX-200, Ölaustritt, Radialwellendichtring",
        doc_no="8D RK-2025-007",
    ),
    """
| Feld | Inhalt |
| Kunde | Müller Fördertechnik GmbH, Heilbronn (Ansprechpartner: Ralf Köhler) |
| Produkt | HX-200-S, Seriennummer HX200-24-0815, Auftrag 24-1187 |
| Reklamation | Ölaustritt an der Abtriebswelle nach ca. 600 Betriebsstunden |
| Eingang | 20.01.2025 |
| Team | Jürgen Krämer (Leitung), Anna Schmidt, Frank Maier, Nicole Bauer, Tom Becker |

# D2 Problembeschreibung

Am Getriebe tritt an der Abtriebswelle Öl aus (ca. 50 ml pro Woche). Das Getriebe treibt einen
Gurtförderer im Zweischichtbetrieb an; Einbaulage, Entlüfter und Ölstand waren bei der Prüfung
vor Ort am 23.01.2025 durch Anna Schmidt in Ordnung.

# D3 Sofortmaßnahmen

Tausch des Radialwellendichtrings vor Ort am 23.01.2025. Sperrung und Prüfung aller HX-200 im
Lager (12 Stück), davon 1 Stück auffällig.

# D4 Grundursache

Die Ursache der Undichtigkeit ist eine bei der Montage beschädigte Dichtlippe des
Radialwellendichtrings. Das Einpresswerkzeug der Montagevorrichtung MV-12 hatte eine
verschlissene Führungsfase; dadurch wurde die Dichtlippe beim Aufschieben über die Passfedernut
eingeschnitten. Der Schaden zeigt sich erst nach einigen hundert Betriebsstunden. Betroffen sind
die HX-200 aus den Montagewochen KW 45 bis KW 47/2024 (37 Getriebe).

Warum wurde der Fehler nicht entdeckt? Die Endprüfung enthielt nur eine Sichtprüfung auf
Ölaustritt, keine Druckprüfung; ein eingeschnittener Dichtring ist im 60-Minuten-Probelauf noch
dicht.

---

# D5/D6 Abstellmaßnahmen

| Maßnahme | Verantwortlich | Termin | Status |
| Einpresswerkzeug MV-12 ersetzt, Fase neu geschliffen | Frank Maier | 27.01.2025 | erledigt |
| Montagehülse über Passfedernut verpflichtend | Frank Maier | 31.01.2025 | erledigt |
| Druckprüfung 0,5 bar für alle HX-Getriebe in der Endprüfung | Nicole Bauer | 03.02.2025 |
  erledigt |
| Werkzeugprüfung MV-12 in Prüfmittelplan (monatlich) | Jürgen Krämer | 28.02.2025 | offen |
| Information der zwei weiteren Kunden mit Getrieben aus KW 45–47 | Tom Becker | 07.02.2025 |
  offen |

# D7 Vorbeugung

Übertragung der Montagehülse auf die Baureihen HX-100 und HX-300. Aufnahme in die FMEA Montage.

# D8 Abschluss

Kulanzregelung: Dichtringtausch und ein Wartungskit ET-2299 ohne Berechnung. Die Wirksamkeit
wird nach 1.000 Betriebsstunden beim Kunden überprüft.
""",
)


def vertrieb() -> None:
    price_rows = {
        sheet: [["Artikelnummer", "Bezeichnung", "Preis", "Preiseinheit", "Lieferzeit"]]
        + [
            [no, name, price, "Stück", "3–4 Wochen" if sheet != "Ersatzteile" else "ab Lager"]
            for no, name, price in rows
        ]
        for sheet, rows in PRICE_LIST.items()
    }
    write_xlsx(
        "Vertrieb/Preislisten/Preisliste_2025.xlsx",
        Meta(
            "Preisliste 2025",
            "Lea Yilmaz",
            dt.date(2024, 12, 10),
            subject="Listenpreise gültig ab 01.01.2025, netto zzgl. MwSt.",
            keywords="Preisliste, Listenpreis, Getriebe, Servomotor, Ersatzteile",
        ),
        [
            *(Sheet(name, rows, {2: EURO}) for name, rows in price_rows.items()),
            Sheet(
                "Konditionen",
                [
                    ["Thema", "Regelung"],
                    ["Gültigkeit", "01.01.2025 bis 31.12.2025"],
                    ["Preise", "netto ab Werk Öhringen, zzgl. gesetzlicher MwSt."],
                    ["Verpackung", "Getriebe ab HX-300: Holzkiste, 85,00 € pauschal"],
                    ["Zahlungsbedingungen", "30 Tage netto, 10 Tage 2 % Skonto"],
                    ["Mindermengenzuschlag", "25,00 € bei Auftragswert unter 250,00 €"],
                ],
            ),
        ],
    )

    write_docx(
        "Vertrieb/Angebote/Angebot_2025-0142_Brenner_Verpackungsmaschinen.docx",
        Meta(
            "Angebot Nr. 2025-0142",
            "Tom Becker",
            dt.date(2025, 2, 18),
            subject="Angebot HX-300 und KW-60 für Brenner Verpackungsmaschinen AG",
            keywords="Angebot, Brenner, HX-300, KW-60",
            doc_no="Angebot 2025-0142",
        ),
        """
Brenner Verpackungsmaschinen AG · z. Hd. Frau Dr. Ingrid Sommer · Industriepark 7 · 86167
Augsburg

Öhringen, 18.02.2025 · Ihre Anfrage vom 10.02.2025 · Ihr Projekt „Kartonierer KL-9“

Sehr geehrte Frau Dr. Sommer, vielen Dank für Ihre Anfrage. Gerne bieten wir Ihnen für die Serie
2025 des Kartonierers KL-9 wie folgt an:

| Pos. | Artikel | Menge | Listenpreis | Rabatt | Gesamtpreis netto |
| 1 | HX-300 Getriebe (Stirnrad, 2.800 Nm), i = 20, Bauform B3 | 24 | 7.640,00 € | 12 % |
  161.356,80 € |
| 2 | KW-60 Kegelradgetriebe (950 Nm), i = 1:4 | 48 | 5.190,00 € | 12 % | 219.225,60 € |
| 3 | Inbetriebnahme-Unterstützung beim Erstmuster (1 Tag) | 1 | 1.150,00 € | – | 1.150,00 € |

Gesamtsumme netto: 381.732,40 € zzgl. MwSt. Der Projektrabatt von 12 % gilt bei Abnahme der
Gesamtmenge bis 31.12.2025 in mindestens zwei Abrufen.

# Lieferbedingungen

- Lieferzeit: Erstmuster 4 Wochen, Serie 6 Wochen nach Abruf
- Lieferung: FCA Öhringen (Incoterms 2020)
- Zahlung: 30 Tage netto
- Angebot gültig bis 31.03.2025

Mit freundlichen Grüßen, Tom Becker, Key Account Manager Süd, Telefon 07941 6480-310
""",
    )

    write_pdf(
        "Vertrieb/Angebote/Quotation_2025-0157_Nordkran_EN.pdf",
        Meta(
            "Quotation No. 2025-0157",
            "Henrik Larsen",
            dt.date(2025, 3, 4),
            subject="Quotation SM-3 servo motors and KW-60 gearboxes for Nordkran A/S",
            keywords="quotation, Nordkran, SM-3, KW-60",
            doc_no="Quotation 2025-0157",
        ),
        """
Nordkran A/S · Attn. Mr Søren Mikkelsen · Havnevej 21 · 8700 Horsens · Denmark

Dear Mr Mikkelsen, thank you for your enquiry of 24 February 2025 regarding drive packages for
your new KX-series gantry cranes. We are pleased to quote as follows:

| Item | Description | Qty | Unit price | Total |
| 1 | SM-3 servo motor 3.0 kW with holding brake and absolute encoder | 40 | 3,228.90 EUR |
  129,156.00 EUR |
| 2 | KW-60 bevel gearbox, ratio 1:6, with motor adapter | 40 | 4,878.60 EUR | 195,144.00 EUR |

Total: 324,300.00 EUR net. Prices include a project discount of 6 % on list prices. Delivery:
DAP Horsens, 8 weeks after order. Payment: 45 days net. Validity: 30 April 2025.

# Technical notes

- Gearboxes filled with synthetic oil CLP PG 220, suitable for ambient temperatures from -20 °C
  to +40 °C.
- Motors with IP65 protection; outdoor installation requires the optional protective cover.

Kind regards, Henrik Larsen, Export Sales Nordics
""",
    )

    write_xlsx(
        "Vertrieb/Angebote/Angebotsverfolgung_2025.xlsx",
        Meta(
            "Angebotsverfolgung 2025",
            "Oliver Hahn",
            dt.date(2025, 3, 14),
            subject="Offene Angebote Q1 2025",
        ),
        [
            Sheet(
                "Angebote",
                [
                    [
                        "Angebot",
                        "Datum",
                        "Kunde",
                        "Verantwortlich",
                        "Volumen netto",
                        "Rabatt",
                        "Status",
                        "Wahrscheinlichkeit",
                    ],
                    [
                        "2025-0118",
                        "28.01.2025",
                        "Schwarz Rührwerke KG",
                        "Tom Becker",
                        42800.00,
                        0.05,
                        "verloren (Preis)",
                        0.0,
                    ],
                    [
                        "2025-0131",
                        "07.02.2025",
                        "Müller Fördertechnik GmbH",
                        "Tom Becker",
                        58200.00,
                        0.08,
                        "offen",
                        0.5,
                    ],
                    [
                        "2025-0142",
                        "18.02.2025",
                        "Brenner Verpackungsmaschinen AG",
                        "Tom Becker",
                        381732.40,
                        0.12,
                        "in Verhandlung",
                        0.6,
                    ],
                    [
                        "2025-0157",
                        "04.03.2025",
                        "Nordkran A/S",
                        "Henrik Larsen",
                        324300.00,
                        0.06,
                        "offen",
                        0.4,
                    ],
                ],
                {4: EURO, 5: PERCENT, 7: PERCENT},
            ),
            Sheet(
                "Pipeline",
                [
                    ["Quartal", "Angebotsvolumen", "gewichtet"],
                    ["Q1 2025", 807032.40, 387859.44],
                    ["Q2 2025 (Plan)", 650000.00, 300000.00],
                ],
                {1: EURO, 2: EURO},
            ),
        ],
    )

    attachment_8d = Attachment(
        "8D-Bericht_RK-2025-007.pdf", pdf_bytes(*REKLAMATION_8D), "application/pdf"
    )
    write_bytes(
        "Vertrieb/Kundenkorrespondenz/Reklamation_HX-200_Mueller_Foerdertechnik.eml",
        eml_bytes(
            {
                "From": f"Tom Becker <{mail('Tom Becker')}>",
                "To": "Ralf Köhler <r.koehler@mueller-foerdertechnik.example>",
                "Cc": f"Jürgen Krämer <{mail('Jürgen Krämer')}>, "
                f"Anna Schmidt <{mail('Anna Schmidt')}>",
                "Subject": "AW: AW: Reklamation Ölaustritt HX-200, SN HX200-24-0815 – RK-2025-007",
                "Message-ID": f"<rk2025007.4@{DOMAIN}>",
                "In-Reply-To": "<a81f-2025-0124@mueller-foerdertechnik.example>",
                "References": f"<a81f-2025-0120@mueller-foerdertechnik.example> "
                f"<rk2025007.2@{DOMAIN}> "
                "<a81f-2025-0124@mueller-foerdertechnik.example>",
                "Content-Language": "de-DE",
            },
            dt.datetime(2025, 2, 6, 10, 14, 0),
            """Sehr geehrter Herr Köhler,

wie angekündigt erhalten Sie anbei unseren 8D-Bericht zur Reklamation RK-2025-007.
Die Ursachenanalyse und alle Abstellmaßnahmen finden Sie dort im Detail.

Als Kulanz übernehmen wir den Dichtringtausch vom 23.01. vollständig und senden Ihnen
zusätzlich ein Wartungskit ET-2299 kostenlos zu. Frau Schmidt meldet sich nach
1.000 Betriebsstunden bei Ihnen, um die Wirksamkeit vor Ort zu prüfen.

Nochmals Entschuldigung für die Unannehmlichkeiten – und danke für die offene
Zusammenarbeit.

Mit freundlichen Grüßen
Tom Becker
Key Account Manager Süd
Hoffmann Antriebstechnik GmbH · Max-Eyth-Straße 12 · 74613 Öhringen
Tel. 07941 6480-310

-----Ursprüngliche Nachricht-----
Von: Ralf Köhler <r.koehler@mueller-foerdertechnik.example>
Gesendet: Freitag, 24. Januar 2025 08:41
An: Tom Becker
Betreff: AW: Reklamation Ölaustritt HX-200, SN HX200-24-0815 – RK-2025-007

Hallo Herr Becker,

danke für den schnellen Einsatz von Frau Schmidt gestern. Das Getriebe ist seit dem
Dichtringtausch dicht. Wir erwarten aber eine Erklärung, wie es dazu kommen konnte,
bevor wir die nächste Bestellung (Angebot 2025-0131) freigeben.

Gruß
Ralf Köhler
Instandhaltung / Einkauf Technik
Müller Fördertechnik GmbH · Heilbronn

-----Ursprüngliche Nachricht-----
Von: Tom Becker
Gesendet: Dienstag, 21. Januar 2025 09:05
An: Ralf Köhler
Cc: Jürgen Krämer; Anna Schmidt
Betreff: AW: Reklamation Ölaustritt HX-200, SN HX200-24-0815

Sehr geehrter Herr Köhler,

vielen Dank für Ihre Meldung. Wir haben die Reklamation unter der Nummer RK-2025-007
erfasst. Unsere Servicetechnikerin Anna Schmidt kommt am Donnerstag, 23.01.2025, zu
Ihnen nach Heilbronn und bringt einen Ersatzdichtring sowie Öl mit.

Mit freundlichen Grüßen
Tom Becker

-----Ursprüngliche Nachricht-----
Von: Ralf Köhler
Gesendet: Montag, 20. Januar 2025 16:22
An: Tom Becker
Betreff: Reklamation Ölaustritt HX-200, SN HX200-24-0815

Hallo Herr Becker,

an dem im November gelieferten HX-200 (Auftrag 24-1187, SN HX200-24-0815) tritt an der
Abtriebswelle Öl aus, ungefähr 50 ml pro Woche. Das Getriebe läuft erst rund 600 Stunden.
Fotos anbei. Bitte um kurzfristige Klärung, der Förderer ist für unsere Produktion kritisch.

Gruß
Ralf Köhler
""",
            [attachment_8d],
            boundary="----=_NextPart_000_0A1B_01DB7871.5C3D2E10",
        ),
    )

    clarification = docx_bytes(
        Meta(
            "Technical Clarification KW-60 / SM-3 for Nordkran",
            "Dominik Schäfer",
            dt.date(2025, 3, 6),
            subject="Answers to technical questions",
            doc_no="TC-2025-011",
        ),
        """
# Questions and answers

| No. | Question (Nordkran) | Answer (Hoffmann) |
| 1 | Minimum ambient temperature? | -20 °C with standard oil; -35 °C with low-temperature oil
  CLP PG 150 (option LT, surcharge 95 EUR per gearbox). |
| 2 | Can the KW-60 be mounted upside down? | Yes, mounting position M4 is possible; the oil
  quantity increases to 2.4 l. |
| 3 | Is a salt-spray resistant coating available? | Yes, coating class C5-M (offshore) on
  request, delivery time + 2 weeks. |

Prepared by Dominik Schäfer, Design Engineering, 6 March 2025.
""",
    )
    write_bytes(
        "Vertrieb/Kundenkorrespondenz/Nordkran_Technical_Questions_EN.eml",
        eml_bytes(
            {
                "From": f"Henrik Larsen <{mail('Henrik Larsen')}>",
                "To": "Søren Mikkelsen <sm@nordkran.example>",
                "Cc": f"Dominik Schäfer <{mail('Dominik Schäfer')}>",
                "Subject": "RE: Quotation 2025-0157 – technical questions",
                "Message-ID": f"<q20250157.3@{DOMAIN}>",
                "In-Reply-To": "<7c2e.20250305@nordkran.example>",
                "Content-Language": "en-GB",
            },
            dt.datetime(2025, 3, 6, 15, 2, 0),
            """Dear Søren,

thank you for your questions regarding our quotation 2025-0157. Please find the answers
from our design department in the attached document.

In short: yes, the KW-60 can be mounted upside down, and a low-temperature version is
available. Let me know if you would like us to update the quotation accordingly.

Best regards
Henrik Larsen
Export Sales Nordics
Hoffmann Antriebstechnik GmbH

> From: Søren Mikkelsen
> Sent: 5 March 2025 11:20
> Subject: Quotation 2025-0157 – technical questions
>
> Dear Henrik, before we can decide we need answers to three questions: minimum
> ambient temperature, mounting position upside down, and corrosion protection.
> Regards, Søren
""",
            [
                Attachment(
                    "Technical_Clarification_KW60_SM3.docx",
                    clarification,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            ],
            boundary="----=_NextPart_000_0C44_01DB8E6A.91B0F3A0",
        ),
    )

    write_pptx(
        "Vertrieb/Vertriebspraesentation_HX-Baureihe.pptx",
        Meta(
            "Stirnradgetriebe HX – stark, leise, langlebig",
            "Oliver Hahn",
            dt.date(2024, 9, 16),
            subject="Vertriebspräsentation HX-Baureihe",
        ),
        "Vertriebspräsentation · Hoffmann Antriebstechnik GmbH",
        [
            Slide(
                "Warum HX?",
                [
                    "Geschliffene Schrägverzahnung: unter 70 dB(A) bei HX-200",
                    "Gehäuse aus Grauguss – verwindungssteif und dämpfend",
                    "Drei Baugrößen von 500 bis 2.800 Nm",
                ],
                "Einstieg über das Thema Lärm: viele Kunden haben Auflagen in der Halle. "
                "Unsere Geräuschwerte sind 3–5 dB(A) besser als beim Hauptwettbewerber.",
            ),
            Slide(
                "Anwendungen",
                [
                    "Fördertechnik: Gurt- und Rollenförderer",
                    "Verpackungsmaschinen",
                    "Rührwerke und Mischer",
                ],
                "Referenzkunden nennen: Müller Fördertechnik (Heilbronn) und Brenner "
                "Verpackungsmaschinen (Augsburg) – nur nach Rücksprache mit dem Key Account.",
            ),
            Slide(
                "Service",
                [
                    "Wartungsverträge mit 36 Monaten Gewährleistung",
                    "Ersatzteile ab Lager, Versand am selben Tag bis 14 Uhr",
                    "Zustandsüberwachung HX-Connect",
                ],
                "Beim Thema Wartungsvertrag nicht über Preise sprechen, sondern auf Lea Yilmaz "
                "im Innendienst verweisen; sie erstellt das Angebot.",
            ),
        ],
    )

    write_csv(
        "Vertrieb/Kundenliste_Top-Kunden.csv",
        [
            ["Kundennummer", "Firma", "Ort", "Land", "Ansprechpartner", "E-Mail", "Betreuer"],
            [
                "10231",
                "Müller Fördertechnik GmbH",
                "Heilbronn",
                "DE",
                "Ralf Köhler",
                "r.koehler@mueller-foerdertechnik.example",
                "Tom Becker",
            ],
            [
                "10412",
                "Brenner Verpackungsmaschinen AG",
                "Augsburg",
                "DE",
                "Dr. Ingrid Sommer",
                "i.sommer@brenner-verpackung.example",
                "Tom Becker",
            ],
            [
                "10577",
                "Schwarz Rührwerke KG",
                "Crailsheim",
                "DE",
                "Peter Schwarz",
                "p.schwarz@schwarz-ruehrwerke.example",
                "Tom Becker",
            ],
            [
                "20104",
                "Nordkran A/S",
                "Horsens",
                "DK",
                "Søren Mikkelsen",
                "sm@nordkran.example",
                "Henrik Larsen",
            ],
            [
                "10690",
                "Alb-Förderanlagen GmbH",
                "Reutlingen",
                "DE",
                "Sandra Götz",
                "s.goetz@alb-foerder.example",
                "Oliver Hahn",
            ],
            [
                "10703",
                "Weinmann Holztechnik GmbH",
                "Schwäbisch Hall",
                "DE",
                "Bernd Weinmann",
                "b.weinmann@weinmann-holz.example",
                "Oliver Hahn",
            ],
        ],
    )


# --------------------------------------------------------------------------------------
# Personal/ – restricted to HR
# --------------------------------------------------------------------------------------

SALARY_BANDS = [
    # band, description, examples, minimum, maximum (annual gross, full time, EUR)
    ("G1", "Helfer- und Anlerntätigkeiten", "Produktionshelfer, Lagerhelfer", 36000, 42000),
    ("G2", "Fachkräfte mit Berufsausbildung", "Industriemechaniker, Sachbearbeitung", 42000, 52000),
    ("G3", "Spezialisten, Techniker, Meister", "Servicetechniker, Prüffeld, Meister", 50000, 62000),
    ("G4", "Ingenieure, Senior-Spezialisten", "Konstrukteur, Key Account Manager", 58000, 72000),
    ("G5", "Teamleitung", "Teamleitung Montage, Teamleitung Innendienst", 62000, 78000),
    (
        "G6",
        "Abteilungsleitung",
        "Leitung Qualität, Leitung Personal, Fertigungsleitung",
        78000,
        98000,
    ),
    ("G7", "Bereichsleitung / Prokura", "Kaufmännische Leitung, Vertriebsleitung", 95000, 125000),
]


def personal() -> None:
    write_xlsx(
        "Personal/Gehaltsbänder/Gehaltsbaender_2025.xlsx",
        Meta(
            "Gehaltsbänder 2025",
            "Markus Weber",
            dt.date(2025, 1, 15),
            subject="Vertraulich – nur Personalabteilung und Geschäftsführung",
            keywords="Gehaltsband, Vergütung, vertraulich",
        ),
        [
            Sheet(
                "Gehaltsbänder 2025",
                [["Band", "Beschreibung", "Beispielfunktionen", "Minimum", "Mittelwert", "Maximum"]]
                + [[b, d, e, lo, (lo + hi) // 2, hi] for b, d, e, lo, hi in SALARY_BANDS],
                {3: EURO0, 4: EURO0, 5: EURO0},
            ),
            Sheet(
                "Zuordnung Funktionen",
                [
                    ["Funktion", "Band", "Anzahl Stellen"],
                    ["Servicetechniker/in", "G3", 6],
                    ["Konstrukteur/in", "G4", 9],
                    ["Key Account Manager/in", "G4", 4],
                    ["Teamleitung Montage", "G5", 3],
                    ["Teamleitung Vertriebsinnendienst", "G5", 1],
                    ["Leitung Qualitätsmanagement", "G6", 1],
                ],
            ),
            Sheet(
                "Hinweise",
                [
                    ["Hinweis"],
                    [
                        "Angaben als Jahreszielgehalt brutto in Vollzeit (35 Std./Woche), ohne "
                        "variable Vergütung."
                    ],
                    [
                        "Tarifbeschäftigte werden nach ERA-Tarifvertrag Metall BW eingruppiert; "
                        "die Bänder gelten für außertarifliche Beschäftigte."
                    ],
                    ["Neueinstellungen in der Regel zwischen Minimum und Mittelwert."],
                    ["Streng vertraulich. Weitergabe nur mit Zustimmung der Personalleitung."],
                ],
            ),
        ],
    )

    write_text(
        "Personal/Gehaltsbänder/Gehaltsrunde_2025_Notiz.md",
        """# Notiz: Gehaltsrunde 2025 (außertarifliche Beschäftigte)

*Markus Weber · 12.02.2025 · VERTRAULICH*

- Budget für Erhöhungen: **4,2 %** der AT-Gehaltssumme, davon 0,5 % für Korrekturen
  unterhalb des Bandminimums.
- Wirksam zum **1. April 2025**; Gespräche mit den Beschäftigten bis 20. März.
- Drei Beschäftigte liegen derzeit unter dem Minimum ihres Bandes und werden vorrangig angepasst.
- Freigabe des Budgets durch die Geschäftsführung (Dr. Claudia Hoffmann) am 10.02.2025 erfolgt.
- Die Tariferhöhung für Tarifbeschäftigte (ERA) erfolgt automatisch nach Tarifabschluss.

Offene Punkte: Abstimmung mit dem Betriebsrat zur Transparenz der Bänder (Michael Fischer hat
um einen Termin im April gebeten).
""",
    )

    write_pdf(
        "Personal/Bewerbungen/Bewerbung_Jonas_Keller_Konstrukteur.pdf",
        Meta(
            "Bewerbung als Konstrukteur Getriebe (m/w/d)",
            "Jonas Keller",
            dt.date(2025, 2, 27),
            subject="Bewerbung Kennziffer 2025-K03",
        ),
        """
Jonas Keller · Kocherstraße 5 · 74653 Künzelsau · jonas.keller@mailbox.example · 0171 5550123

An die Hoffmann Antriebstechnik GmbH, Personalabteilung, Herrn Markus Weber

# Bewerbung als Konstrukteur Getriebe (m/w/d), Kennziffer 2025-K03

Sehr geehrter Herr Weber, mit großem Interesse habe ich Ihre Stellenanzeige gelesen. Als
Maschinenbauingenieur (B. Eng., Hochschule Heilbronn) mit fünf Jahren Erfahrung in der
Konstruktion von Planetengetrieben bringe ich genau die Kenntnisse mit, die Sie suchen:
Auslegung von Verzahnungen nach DIN 3990, 3D-Konstruktion in Creo und Berechnung mit KISSsoft.

Meine Gehaltsvorstellung liegt bei 64.000 € brutto jährlich. Ich kann die Stelle nach einer
Kündigungsfrist von drei Monaten zum Quartalsende antreten.

Mit freundlichen Grüßen, Jonas Keller

---

# Lebenslauf

| Zeitraum | Station |
| seit 03/2020 | Konstrukteur Planetengetriebe, Getriebebau Tauber GmbH, Bad Mergentheim |
| 10/2016 – 02/2020 | Studium Maschinenbau (B. Eng.), Hochschule Heilbronn, Abschlussnote 1,7 |
| 09/2013 – 07/2016 | Ausbildung zum Technischen Produktdesigner, Ziehl Ventilatoren, Künzelsau
  |

## Kenntnisse

- Creo Parametric, SolidWorks
- KISSsoft, MDESIGN
- Englisch verhandlungssicher
- Führerschein Klasse B
""",
    )

    write_scan_pdf(
        "Personal/Bewerbungen/Bewerbung_Lena_Hartmann_Scan.pdf",
        Meta("Scan Bewerbung", "scanner", dt.date(2025, 3, 3)),
        [
            [
                "Lena Hartmann",
                "Uhlandstraße 18, 74613 Öhringen",
                "",
                f"{COMPANY}",
                "Personalabteilung",
                "",
                "# Bewerbung Vertriebsinnendienst",
                "",
                "Sehr geehrte Damen und Herren,",
                "",
                "nach meiner Ausbildung zur Industriekauffrau arbeite ich seit vier",
                "Jahren in der Auftragsabwicklung eines Armaturenherstellers.",
                "Ich möchte mich nun in Ihrem Vertriebsinnendienst weiterentwickeln.",
                "",
                "Meine Gehaltsvorstellung: 46.000 Euro brutto im Jahr.",
                "Frühester Eintritt: 1. Juni 2025.",
                "",
                "Mit freundlichen Grüßen",
                "Lena Hartmann",
            ],
        ],
        seed=7301,
    )

    write_csv(
        "Personal/Bewerbungen/Bewerberuebersicht_2025.csv",
        [
            ["Kennziffer", "Stelle", "Name", "Eingang", "Status", "Gehaltswunsch", "Zuständig"],
            [
                "2025-K03",
                "Konstrukteur Getriebe",
                "Jonas Keller",
                "27.02.2025",
                "Einladung 2. Gespräch",
                "64.000 €",
                "Markus Weber",
            ],
            [
                "2025-K03",
                "Konstrukteur Getriebe",
                "Miriam Özdemir",
                "03.03.2025",
                "Einladung 1. Gespräch",
                "61.000 €",
                "Markus Weber",
            ],
            [
                "2025-V01",
                "Vertriebsinnendienst",
                "Lena Hartmann",
                "03.03.2025",
                "in Prüfung",
                "46.000 €",
                "Julia Neumann",
            ],
            [
                "2025-V01",
                "Vertriebsinnendienst",
                "Daniel Kurz",
                "05.03.2025",
                "Absage",
                "52.000 €",
                "Julia Neumann",
            ],
            [
                "2025-L02",
                "Fachkraft Lagerlogistik",
                "Marco Berisha",
                "10.03.2025",
                "Einladung 1. Gespräch",
                "39.000 €",
                "Julia Neumann",
            ],
        ],
    )

    write_docx(
        "Personal/Onboarding_Checkliste.docx",
        Meta(
            "Onboarding-Checkliste für neue Beschäftigte",
            "Julia Neumann",
            dt.date(2024, 6, 3),
            doc_no="PE-05",
        ),
        """
# Vor dem ersten Arbeitstag

| Aufgabe | Verantwortlich | Frist |
| Arbeitsvertrag und Personalfragebogen | Personal | 2 Wochen vorher |
| Benutzerkonto, Laptop, Telefon | IT (Sabine Wolf) | 1 Woche vorher |
| Werksausweis und Zeiterfassung | Empfang | 1 Woche vorher |
| Pate/Patin benennen | Führungskraft | 1 Woche vorher |

# Erster Tag

- Begrüßung durch die Führungskraft
- Sicherheitsunterweisung (Pflicht)
- Werksrundgang mit Pate/Patin
- IT-Einweisung und Passwortvergabe

# Erste Woche

- Vorstellung in den Nachbarabteilungen
- Datenschutzschulung (E-Learning)
- Zielvereinbarung für die Probezeit
""",
    )


# --------------------------------------------------------------------------------------
# Geschäftsführung/ – restricted to management
# --------------------------------------------------------------------------------------


def geschaeftsfuehrung() -> None:
    write_pptx(
        "Geschäftsführung/Strategie/Projekt_Falke_Akquisition.pptx",
        Meta(
            "Projekt Falke",
            "Dr. Claudia Hoffmann",
            dt.date(2025, 3, 12),
            subject="Streng vertraulich – Akquisitionsvorhaben",
            keywords="Projekt Falke, Akquisition, M&A, vertraulich",
        ),
        "Streng vertraulich · Vorlage für den Beirat · 12.03.2025",
        [
            Slide(
                "Zielunternehmen",
                [
                    "Kessler Präzisionsteile GmbH, Tuttlingen",
                    "62 Beschäftigte, Umsatz 2024: 9,8 Mio. €",
                    "EBITDA 2024: 2,1 Mio. €",
                    "Präzisionswellen und Drehteile, 40 % Medizintechnik",
                ],
                "Kontakt kam über die Nachfolgeregelung zustande: Der Inhaber Walter Kessler (67) "
                "hat keinen Nachfolger in der Familie. Absolute Vertraulichkeit – auch intern nur "
                "GF, Herr Brandt und der Beirat.",
            ),
            Slide(
                "Strategische Logik",
                [
                    "Wellen und Verzahnungsteile in eigener Hand statt Zukauf",
                    "Zugang zu Medizintechnik-Kunden",
                    "Zweiter Standort mit qualifizierten Fachkräften",
                ],
                "Heute kaufen wir etwa 2,3 Mio. € pro Jahr an Wellen zu, ein Drittel davon bei "
                "Kessler. Synergien geschätzt 0,6 Mio. € pro Jahr ab 2027.",
            ),
            Slide(
                "Bewertung und Finanzierung",
                [
                    "Indikativer Kaufpreis (Enterprise Value): 14,5 Mio. €",
                    "Entspricht ca. 6,9 × EBITDA 2024",
                    "Finanzierung: 5,0 Mio. € Eigenmittel, 9,5 Mio. € Akquisitionsdarlehen",
                ],
                "Die Hausbank hat das Darlehen indikativ bestätigt, Zins ca. 4,6 % bei 7 Jahren "
                "Laufzeit. Kaufpreisanpassung je nach Ergebnis der Due Diligence möglich.",
            ),
            Slide(
                "Zeitplan",
                [
                    "Letter of Intent: unterzeichnet am 20.02.2025",
                    "Due Diligence: April bis Juni 2025",
                    "Signing geplant: September 2025, Closing: 1. Oktober 2025",
                ],
                "Risiken: Abhängigkeit vom Inhaber (Key Person), zwei Kunden mit zusammen 45 % "
                "Umsatzanteil, Investitionsstau bei den Drehmaschinen.",
            ),
        ],
    )

    write_text(
        "Geschäftsführung/Strategie/Strategie_2030.md",
        """# Strategie 2030 – Hoffmann Antriebstechnik

*Entwurf der Geschäftsführung · November 2024 · vertraulich*

## Ausgangslage

- 180 Beschäftigte, ein Standort (Öhringen), Exportanteil 31 %.
- Abhängigkeit vom klassischen Maschinenbau; Servoantriebe noch unter 15 % vom Umsatz.

## Ziele bis 2030

| Ziel | 2024 | 2030 |
|---|---|---|
| Umsatz | ca. 39 Mio. € | 60 Mio. € |
| Anteil Servoantriebe (SM) | 12 % | 30 % |
| Anteil Service und Ersatzteile | 9 % | 18 % |
| EBIT-Marge | ca. 7,5 % | 10 % |

## Hebel

1. **Servoantriebe:** SM-3 im Markt etablieren, SM-5 (5,5 kW) bis 2027 entwickeln.
2. **Service:** Wartungsverträge und Zustandsüberwachung (HX-Connect) als Abo-Modell.
3. **Export:** Nordics und Benelux mit eigenem Vertrieb ausbauen.
4. **Anorganisches Wachstum:** Zukauf eines Zulieferers für Wellen/Verzahnungsteile prüfen
   (separate Unterlage, streng vertraulich).

## Nächste Schritte

Abstimmung mit dem Beirat im Frühjahr 2025, Vorstellung der Eckpunkte für die Belegschaft auf
der Betriebsversammlung – **ohne** Punkt 4.
""",
    )

    write_xlsx(
        "Geschäftsführung/Jahresabschluss/Jahresabschluss_2024_Entwurf.xlsx",
        Meta(
            "Jahresabschluss 2024 – Entwurf",
            "Stefan Brandt",
            dt.date(2025, 3, 14),
            subject="Entwurf vor Prüfung durch den Abschlussprüfer – nicht weitergeben",
            keywords="Jahresabschluss, GuV, Bilanz, Entwurf",
        ),
        [
            Sheet(
                "GuV",
                [
                    ["Position (T€)", "2024 Entwurf", "2023"],
                    ["Umsatzerlöse", 38600, 38100],
                    ["Bestandsveränderungen", 420, -150],
                    ["Sonstige betriebliche Erträge", 310, 280],
                    ["Materialaufwand", -17950, -17700],
                    ["Personalaufwand", -12940, -12410],
                    ["Abschreibungen", -1480, -1390],
                    ["Sonstige betriebliche Aufwendungen", -4060, -3380],
                    ["EBIT", 2900, 3350],
                    ["Zinsergebnis", -260, -230],
                    ["Steuern vom Einkommen und Ertrag", -820, -970],
                    ["Jahresüberschuss", 1820, 2150],
                ],
            ),
            Sheet(
                "Bilanz",
                [
                    ["Aktiva (T€)", "31.12.2024", "Passiva (T€)", "31.12.2024"],
                    ["Immaterielle Vermögensgegenstände", 180, "Eigenkapital", 14650],
                    ["Sachanlagen", 14200, "Rückstellungen", 4250],
                    ["Finanzanlagen", 50, "Verbindlichkeiten ggü. Kreditinstituten", 9100],
                    ["Vorräte", 9800, "Verbindlichkeiten aus Lieferungen und Leistungen", 3900],
                    ["Forderungen", 6100, "Sonstige Verbindlichkeiten", 1400],
                    ["Kasse, Bank", 2970, "", None],
                    ["Summe Aktiva", 33300, "Summe Passiva", 33300],
                ],
            ),
            Sheet(
                "Kennzahlen",
                [
                    ["Kennzahl", "2024", "2023"],
                    ["EBIT-Marge", 0.075, 0.088],
                    ["Eigenkapitalquote", 0.44, 0.42],
                    ["Beschäftigte (Durchschnitt)", 176, 171],
                    ["Umsatz je Beschäftigten (T€)", 219, 223],
                ],
                {1: PERCENT, 2: PERCENT},
            ),
        ],
    )

    write_docx(
        "Geschäftsführung/Protokoll_Beiratssitzung_2025-03-25.docx",
        Meta(
            "Protokoll der Beiratssitzung vom 25.03.2025",
            "Petra Lang",
            dt.date(2025, 3, 25),
            subject="Beirat",
            doc_no="Beirat 1/2025",
        ),
        """
Teilnehmende: Prof. Dr. Rainer Voss (Vorsitz), Gisela Hoffmann, Dr. Thomas Ulmer, Dr. Claudia
Hoffmann (GF), Stefan Brandt (Gast). Protokoll: Petra Lang.

# TOP 1 Jahresabschluss 2024 (Entwurf)

Herr Brandt erläutert den Entwurf: Umsatz 38,6 Mio. €, EBIT 2,9 Mio. €. Der Rückgang der Marge
resultiert aus höheren Energie- und Beratungskosten. Der Beirat nimmt den Entwurf zur Kenntnis;
die Prüfung beginnt am 7. April.

# TOP 2 Investitionen 2025

| Investition | Betrag | Beschluss |
| Getriebeprüfstand mit Druckprüfung, Halle 2 | 480 T€ | genehmigt |
| Photovoltaik Halle 3 (420 kWp) | 310 T€ | genehmigt |
| CNC-Verzahnungsschleifmaschine | 1,2 Mio. € | zurückgestellt bis Q3 |

# TOP 3 Projekt F.

Mündlicher Bericht der Geschäftsführung. Der Beirat stimmt der Fortsetzung der Gespräche und der
Beauftragung der Due Diligence zu. Einzelheiten siehe gesonderte, streng vertrauliche Unterlage.

# TOP 4 Verschiedenes

Nächste Sitzung: 24. Juni 2025.
""",
    )


# --------------------------------------------------------------------------------------
# IT/
# --------------------------------------------------------------------------------------


def it() -> None:
    write_pdf(
        "IT/Passwortrichtlinie.pdf",
        Meta(
            "IT-Richtlinie Passwörter und Anmeldung",
            "Sabine Wolf",
            dt.date(2024, 4, 1),
            subject="Version 2.1",
            keywords="Passwort, Passwortrichtlinie, MFA, IT-Sicherheit",
            doc_no="IT-RL-02 · Version 2.1",
        ),
        """
Version 2.1, gültig ab 01.04.2024, verantwortlich: Sabine Wolf (IT). Die Richtlinie orientiert
sich am IT-Grundschutz-Kompendium des BSI (ORP.4).

# 1 Anforderungen an Passwörter

- Die Passwortlänge beträgt mindestens 12 Zeichen.
- Das Passwort enthält Zeichen aus mindestens drei der vier Gruppen: Großbuchstaben,
  Kleinbuchstaben, Ziffern, Sonderzeichen.
- Keine Namen, Geburtsdaten, Firmennamen oder Produktbezeichnungen (z. B. „Hoffmann2024!“ oder
  „HX200hx200“).
- Für Administrationskonten gilt eine Mindestlänge von 16 Zeichen.
- Passphrasen aus mehreren Wörtern sind ausdrücklich erwünscht.

# 2 Wechsel und Sperre

Ein regelmäßiger Passwortwechsel ist nicht mehr vorgeschrieben. Das Passwort muss sofort
geändert werden, wenn der Verdacht besteht, dass es Dritten bekannt geworden ist. Nach 10
Fehlversuchen wird das Konto für 30 Minuten gesperrt.

---

# 3 Mehr-Faktor-Authentifizierung

Für den Fernzugriff (VPN), Microsoft 365 und das Spesenportal ist eine
Mehr-Faktor-Authentifizierung Pflicht. Als zweiter Faktor dient die App FortiToken Mobile auf
dem Diensthandy.

# 4 Passwortmanager

Zur Verwaltung dienstlicher Passwörter ist ausschließlich KeePassXC zugelassen. Die Datenbank
liegt im persönlichen Laufwerk H:. Passwörter dürfen nicht auf Zetteln, in Excel-Dateien oder im
Browser gespeichert werden.

# 5 Verstöße

Verstöße gegen diese Richtlinie werden der Führungskraft gemeldet. Bei Fragen hilft die
IT-Hotline unter Durchwahl 230.
""",
    )

    write_html(
        "IT/VPN-Anleitung.html",
        Meta(
            "VPN-Zugang einrichten (Homeoffice und Dienstreise)",
            "Sabine Wolf",
            dt.date(2024, 10, 7),
        ),
        f"""      <p>Mit dem VPN greifen Sie von unterwegs oder aus dem Homeoffice sicher auf
      Laufwerke, ERP und Intranet zu. Die Einrichtung dauert etwa zehn Minuten.</p>
      <h2>Voraussetzungen</h2>
      <ul>
        <li>Firmenlaptop mit Windows 11 (private Geräte sind nicht zugelassen)</li>
        <li>App <strong>FortiToken Mobile</strong> auf dem Diensthandy (zweiter Faktor)</li>
        <li>Ihr Windows-Benutzername und Passwort</li>
      </ul>
      <h2>Schritt für Schritt</h2>
      <ol>
        <li>Öffnen Sie das Softwarecenter und installieren Sie <em>FortiClient VPN 7.2</em>.</li>
        <li>Legen Sie eine neue Verbindung an: Typ <strong>SSL-VPN</strong>, Name „Hoffmann“,
            Remote-Gateway <code>vpn.{DOMAIN}</code>, Port <code>443</code>.</li>
        <li>Aktivieren Sie „Client-Zertifikat: Hoffmann-Geräte-CA“ (ist vorinstalliert).</li>
        <li>Melden Sie sich mit Benutzername und Passwort an und bestätigen Sie die Push-Nachricht
            in FortiToken Mobile.</li>
        <li>Nach dem Verbinden sind die Laufwerke G: (Gruppen) und H: (persönlich) verfügbar.</li>
      </ol>
      <h2>Häufige Probleme</h2>
      <table>
        <tr><th>Meldung</th><th>Lösung</th></tr>
        <tr><td>„Credential or SSLVPN configuration is wrong (-7200)“</td>
            <td>Passwort abgelaufen oder falsch – Passwort am Firmennetz ändern.</td></tr>
        <tr><td>Keine Push-Nachricht</td>
            <td>Uhrzeit des Handys prüfen, in der App „Token synchronisieren“ wählen.</td></tr>
        <tr><td>Verbindung bricht im Hotel-WLAN ab</td>
            <td>Hotspot des Diensthandys nutzen.</td></tr>
      </table>
      <p>Regeln für sichere Passwörter finden Sie in der Passwortrichtlinie (IT-RL-02).
      Hilfe: IT-Hotline, Durchwahl 230, oder <a href="mailto:it@{DOMAIN}">it@{DOMAIN}</a>.</p>""",
    )

    write_text(
        "IT/Arbeitsplatz_Standardausstattung.md",
        """# Standardausstattung Arbeitsplatz (Stand 2024)

| Profil | Gerät | Zubehör |
|---|---|---|
| Büro | Lenovo ThinkPad T14 Gen 4, 16 GB RAM | Dockingstation, 2 × 24"-Monitor, Headset |
| Konstruktion | Dell Precision 3660 Workstation, 64 GB RAM | 2 × 27"-Monitor (4K), 3D-Maus |
| Fertigung / Prüffeld | Industrie-PC am Arbeitsplatz (Shared Login) | Barcodescanner |
| Außendienst | ThinkPad T14 + Diensthandy mit Datenvertrag | Headset, Reisenetzteil |

## Bestellung

Zusätzliche Hardware bestellt die Führungskraft per Ticket im IT-Portal. Standardgeräte
werden innerhalb von 5 Arbeitstagen bereitgestellt.

## Rückgabe

Beim Austritt werden alle Geräte am letzten Arbeitstag bei der IT (Kevin Roth) abgegeben.
""",
    )

    write_csv(
        "IT/Software_Freigabeliste.csv",
        [
            ["Software", "Version", "Zweck", "Lizenz", "Freigegeben für", "Installation"],
            ["Microsoft 365 Apps", "aktuell", "Office, E-Mail", "Abo", "alle", "automatisch"],
            [
                "FortiClient VPN",
                "7.2",
                "Fernzugriff",
                "kostenlos",
                "alle mit Laptop",
                "Softwarecenter",
            ],
            ["KeePassXC", "2.7", "Passwortmanager", "GPL", "alle", "Softwarecenter"],
            [
                "Creo Parametric",
                "10.0",
                "3D-CAD",
                "Netzwerklizenz (12)",
                "Konstruktion",
                "IT-Ticket",
            ],
            [
                "KISSsoft",
                "2024",
                "Getriebeberechnung",
                "Netzwerklizenz (4)",
                "Konstruktion",
                "IT-Ticket",
            ],
            ["7-Zip", "24.08", "Archive", "LGPL", "alle", "Softwarecenter"],
            ["Adobe Acrobat Reader", "aktuell", "PDF", "kostenlos", "alle", "automatisch"],
            ["TeamViewer", "–", "Fernwartung", "–", "nicht freigegeben", "–"],
        ],
    )


# --------------------------------------------------------------------------------------
# Qualität/
# --------------------------------------------------------------------------------------


def qualitaet() -> None:
    audit_report = docx_bytes(
        Meta(
            "Auditbericht Überwachungsaudit ISO 9001:2015",
            "Dr. Heinz Vogt",
            dt.date(2024, 10, 18),
            subject="Überwachungsaudit 2024",
            keywords="ISO 9001, Audit, Abweichung",
            doc_no="CN-2024-1183",
        ),
        """
| Feld | Angabe |
| Organisation | Hoffmann Antriebstechnik GmbH, Öhringen |
| Zertifizierungsstelle | CertNord Zertifizierungs GmbH |
| Auditart | 1. Überwachungsaudit |
| Auditdatum | 14.–15.10.2024 |
| Leitender Auditor | Dr. Heinz Vogt |
| Geltungsbereich | Entwicklung, Herstellung und Service von Getrieben und Servomotoren |

# Zusammenfassung

Das Qualitätsmanagementsystem ist wirksam umgesetzt. Es wurden keine Hauptabweichungen und zwei
Nebenabweichungen festgestellt. Die Aufrechterhaltung des Zertifikats wird empfohlen, sofern der
Maßnahmenplan fristgerecht umgesetzt wird.

# Nebenabweichungen

| Nr. | Norm | Feststellung |
| 1 | 7.1.5.2 | Kalibrierung der Messmittel: Drei Bügelmessschrauben im Prüffeld waren
  überfällig (letzte Kalibrierung 08/2023). |
| 2 | 7.2 | Schulungsnachweise: Für zwei neue Prüferinnen fehlen die Nachweise der Einweisung am
  Prüfstand 2. |

# Stärken

- Schnelle und strukturierte Reklamationsbearbeitung mit 8D-Methode
- Sehr gute Einbindung der Fertigung in KVP-Workshops

Frist zur Einreichung des Maßnahmenplans: 4 Wochen nach Auditende.
""",
    )
    measures = io.StringIO()
    csv.writer(measures, delimiter=";", lineterminator="\r\n").writerows(
        [
            ["Nr", "Abweichung", "Maßnahme", "Verantwortlich", "Frist", "Status"],
            [
                "1",
                "Kalibrierung Messmittel überfällig (3 Bügelmessschrauben)",
                "Messmittel extern kalibrieren; Prüfmittelverwaltung mit automatischer Erinnerung "
                "4 Wochen vor Fälligkeit",
                "Jürgen Krämer",
                "31.01.2025",
                "erledigt am 22.01.2025",
            ],
            [
                "2",
                "Schulungsnachweise Prüfstand 2 unvollständig",
                "Einweisung nachholen und im Schulungsportal dokumentieren",
                "Nicole Bauer",
                "15.12.2024",
                "erledigt am 09.12.2024",
            ],
            [
                "3",
                "Hinweis: Ursachenanalyse bei Lieferantenreklamationen",
                "8D auch für Lieferanten verpflichtend",
                "Jürgen Krämer",
                "30.06.2025",
                "offen",
            ],
        ]
    )
    participants = """Teilnehmerliste Überwachungsaudit ISO 9001 – 14./15.10.2024

Eröffnungsgespräch 14.10.2024, 8:30 Uhr, Besprechungsraum Neckar
- Dr. Heinz Vogt (CertNord, leitender Auditor)
- Dr. Claudia Hoffmann (Geschäftsführerin)
- Jürgen Krämer (QMB)
- Frank Maier (Fertigung)
- Nicole Bauer (Prüffeld)
- Anna Schmidt (Technischer Service)

Abschlussgespräch 15.10.2024, 15:00 Uhr: wie oben, zusätzlich Stefan Brandt.
"""
    write_zip(
        "Qualität/Audit_ISO9001_2024.zip",
        dt.datetime(2024, 10, 25, 16, 0, 0),
        [
            ("Audit_ISO9001_2024/Auditbericht_CertNord_2024.docx", audit_report),
            (
                "Audit_ISO9001_2024/Maßnahmenplan_Audit_2024.csv",
                measures.getvalue().encode("utf-8-sig"),
            ),
            ("Audit_ISO9001_2024/Teilnehmerliste.txt", participants.encode("utf-8")),
        ],
    )

    write_pdf(
        "Qualität/QM-Handbuch_Auszug.pdf",
        Meta(
            "QM-Handbuch (Auszug)",
            "Jürgen Krämer",
            dt.date(2024, 2, 1),
            subject="Qualitätsmanagementhandbuch nach ISO 9001:2015, Kapitel 1–4",
            keywords="QM-Handbuch, Qualitätspolitik, Prüfmittel, Reklamation",
            doc_no="QMH Rev. 9",
        ),
        """
# 1 Qualitätspolitik

Unsere Kunden erwarten Antriebe, die jahrzehntelang zuverlässig laufen. Jede und jeder
Beschäftigte ist für die Qualität der eigenen Arbeit verantwortlich. Fehler werden offen
angesprochen und systematisch abgestellt.

# 2 Prozesslandkarte

| Prozessart | Prozesse | Verantwortlich |
| Führungsprozesse | Strategie, Managementbewertung, Audits | Geschäftsführung, QMB |
| Kernprozesse | Vertrieb, Entwicklung, Beschaffung, Fertigung, Prüfung, Service |
  Bereichsleitungen |
| Unterstützungsprozesse | Personal, IT, Instandhaltung, Prüfmittel | Fachabteilungen |

---

# 3 Prüfmittelüberwachung

Alle Prüfmittel sind in der Prüfmittelverwaltung erfasst. Das Standard-Kalibrierintervall
beträgt 12 Monate, für Lehren und Gewindelehrdorne 24 Monate. Überfällige Prüfmittel werden
gesperrt und rot gekennzeichnet.

# 4 Reklamationsmanagement

Kundenreklamationen werden im CAQ-System mit einer Nummer RK-JJJJ-NNN erfasst und innerhalb von
24 Stunden bestätigt. Ab einem Schaden von 1.000 € oder bei Sicherheitsrelevanz ist ein
8D-Bericht zu erstellen. Der 8D-Bericht ist dem Kunden spätestens nach 15 Arbeitstagen zu
übermitteln.

- D1 Team bilden
- D2 Problem beschreiben
- D3 Sofortmaßnahmen
- D4 Grundursache
- D5 Abstellmaßnahmen festlegen
- D6 umsetzen
- D7 Wiederholung verhindern
- D8 Abschluss und Würdigung
""",
    )

    months = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
    counts = [3, 2, 4, 1, 2, 3, 1, 0, 2, 3, 2, 1]
    write_xlsx(
        "Qualität/Reklamationsstatistik_2024.xlsx",
        Meta(
            "Reklamationsstatistik 2024",
            "Jürgen Krämer",
            dt.date(2025, 1, 10),
            subject="Kundenreklamationen 2024",
        ),
        [
            Sheet(
                "Monate",
                [["Monat", "Reklamationen", "davon berechtigt"]]
                + [[m, c, max(0, c - 1)] for m, c in zip(months, counts, strict=True)]
                + [["Summe", sum(counts), sum(max(0, c - 1) for c in counts)]],
            ),
            Sheet(
                "Nach Fehlerart",
                [
                    ["Fehlerart", "Anzahl", "Anteil"],
                    ["Ölaustritt / Undichtigkeit", 8, 8 / 24],
                    ["Geräusche", 5, 5 / 24],
                    ["Falsche Übersetzung / Bauform geliefert", 4, 4 / 24],
                    ["Transportschaden", 4, 4 / 24],
                    ["Elektrik SM-Motoren", 3, 3 / 24],
                ],
                {2: PERCENT},
            ),
            Sheet(
                "Kennzahlen",
                [
                    ["Kennzahl", "2024", "Ziel"],
                    ["Reklamationsquote (ppm, gelieferte Einheiten)", 1450, 1000],
                    ["Durchschnittliche Bearbeitungszeit (Tage)", 11.5, 10],
                    ["Reklamationskosten (€)", 38400, 30000],
                ],
            ),
        ],
    )

    write_csv(
        "Qualität/Lieferantenbewertung_2024.csv",
        [
            [
                "Lieferant",
                "Warengruppe",
                "Qualität (40 %)",
                "Liefertreue (40 %)",
                "Preis/Service (20 %)",
                "Gesamt",
                "Klasse",
            ],
            ["Kessler Präzisionsteile GmbH", "Wellen", "92", "88", "80", "88", "A"],
            ["Gießerei Kochertal GmbH", "Gussgehäuse", "85", "71", "90", "80,4", "B"],
            ["Wälzlager Süd Vertriebs GmbH", "Lager", "96", "94", "75", "91", "A"],
            ["DichtTec Franken GmbH", "Dichtungen", "90", "92", "85", "89,8", "A"],
            ["Ölwerke Rhein-Neckar AG", "Schmierstoffe", "98", "97", "70", "92", "A"],
            ["Elektromotoren Bauer OHG", "Motorkomponenten", "74", "68", "88", "74,4", "C"],
        ],
    )


# --------------------------------------------------------------------------------------
# Outlook MSG – only if scripts/samples/msgwriter.py exists
# --------------------------------------------------------------------------------------


# Ready for when the MSG writer exists: an internal mail with a DOCX attachment.
MESSE_MSG_PATH = "Vertrieb/Messe/Hannover_Messe_2025_Standdienst.msg"
MESSE_MSG = {
    "sender": f"Tom Becker <tom.becker@{DOMAIN}>",
    "to": f"vertrieb@{DOMAIN}",
    "subject": "Hannover Messe 2025 – Standdienstplan Halle 25, Stand C14",
    "date": dt.datetime(2025, 2, 24, 11, 5, 0),
    "body": """Hallo zusammen,

anbei der Standdienstplan für die Hannover Messe (31.03.–04.04.2025, Halle 25, Stand C14).
Aufbau ist am Samstag, 29.03., ab 8 Uhr; Frank Maier bringt das HX-200-Schnittmodell mit.
Bitte tragt Kundentermine bis 21.03. in den gemeinsamen Kalender „Messe HM25“ ein.

Viele Grüße
Tom
""",
    "attachment": (
        "Standdienstplan_HM25.docx",
        Meta("Standdienstplan Hannover Messe 2025", "Tom Becker", dt.date(2025, 2, 24)),
        """
| Tag | Frühdienst (9–13:30 Uhr) | Spätdienst (13:30–18 Uhr) |
| Mo 31.03. | Oliver Hahn, Tom Becker | Lea Yilmaz, Dominik Schäfer |
| Di 01.04. | Henrik Larsen, Anna Schmidt | Tom Becker, Oliver Hahn |
| Mi 02.04. | Tom Becker, Dominik Schäfer | Henrik Larsen, Lea Yilmaz |
| Do 03.04. | Oliver Hahn, Anna Schmidt | Tom Becker, Henrik Larsen |
| Fr 04.04. | Lea Yilmaz, Henrik Larsen | Abbau ab 16 Uhr: alle |
""",
    ),
}


def outlook_msg() -> bool:
    """Write MESSE_MSG as an Outlook .msg with scripts/samples/msgwriter.py."""
    writer = load_msgwriter()
    if writer is None:
        print("note: scripts/samples/msgwriter.py not found – no .msg file written")
        return False
    name, meta, body = MESSE_MSG["attachment"]
    sender_name, _, sender_email = MESSE_MSG["sender"].partition(" <")
    data = writer.build_msg(
        subject=MESSE_MSG["subject"],
        body=MESSE_MSG["body"].replace("\n", "\r\n"),
        sender_name=sender_name,
        sender_email=sender_email.rstrip(">"),
        to=MESSE_MSG["to"],
        sent=MESSE_MSG["date"].replace(tzinfo=dt.UTC),
        attachments=(
            writer.Attachment(
                name,
                docx_bytes(meta, body),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ),
    )
    write_bytes(MESSE_MSG_PATH, data)
    return True


# --------------------------------------------------------------------------------------


def main() -> int:
    if SHARE.exists():
        shutil.rmtree(SHARE)
    SHARE.mkdir(parents=True)
    allgemein()
    technik()
    vertrieb()
    personal()
    geschaeftsfuehrung()
    it()
    qualitaet()
    outlook_msg()

    files = sorted(p for p in SHARE.rglob("*") if p.is_file())
    total = 0
    for path in files:
        size = path.stat().st_size
        total += size
        print(f"{size:>9,d}  {path.relative_to(SHARE).as_posix()}")
    print(f"{len(files)} files, {total:,d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
