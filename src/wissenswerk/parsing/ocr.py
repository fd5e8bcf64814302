"""OCR of scanned pages with the Tesseract command line program (German and English).

The parsers only mark pages without a usable text layer (``ParsedDocument.needs_ocr_pages``);
this module fills them in, as a separate step because OCR takes seconds per page:

    result = ocr_pages(data, filename, parsed.needs_ocr_pages, settings.ocr)
    parsed = merge_ocr(parsed, result)

``ocr_pages`` is a plain module-level function of picklable arguments, so it can run in a
worker process with its own time and memory limits. Tesseract is called as a program (no
library binding, no GPL code linked): one call per page, the page piped in as a PGM image,
and its TSV output read back, which carries the layout (blocks, paragraphs, lines) and a
confidence per word. Paragraphs come from Tesseract's layout analysis; lines Tesseract itself
is unsure of (a signature, a stamp, speckles) are dropped; words hyphenated at a line end
are joined again ("Urlaubs-" + "antrag" -> "Urlaubsantrag").
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import re
import subprocess
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

from PIL import Image

from wissenswerk.config.settings import OcrSettings
from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import WissenswerkError

logger = logging.getLogger(__name__)

INSTALL_HINT = "install the Debian packages tesseract-ocr and tesseract-ocr-deu"
# Lines whose words Tesseract recognised with less confidence than this on average are
# noise: signatures, stamps, speckles, pictures. Real text scores 85-97.
_MIN_LINE_CONFIDENCE = 45.0
# Single words below this inside a good line are specks or smudges read as letters.
_MIN_WORD_CONFIDENCE = 20.0
# Small images with a known resolution below this are scaled up: Tesseract needs letters of
# about 20 pixels; a 96-dpi screenshot or a 100-dpi fax has fewer. Large images are left
# alone whatever they claim (phone photos say "72 dpi" and have plenty of pixels).
_MIN_DPI = 150
_TARGET_DPI = 300
_MAX_UPSCALE_FACTOR = 3.0
_UPSCALE_BELOW_PIXELS = 4_000_000
_PROBE_TIMEOUT_S = 20.0
_HYPHEN_END = re.compile(r"(?<=\w)[-\u00ad\u00ac]$")


class OcrError(WissenswerkError, RuntimeError):
    """Tesseract is missing or failed. ``reason`` is short and user-facing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class OcrResult:
    """The recognised text of some pages of one file."""

    engine: str  # "tesseract 5.3.0"
    # page -> paragraph blocks; an empty list: Tesseract found no text on the page
    pages: dict[int, list[Block]] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)  # page -> reason


class TesseractOcr:
    """The ``tesseract`` program as configured in OcrSettings, probed once per instance."""

    def __init__(self, settings: OcrSettings) -> None:
        if settings.dpi < 50 or settings.dpi > 1200:
            raise ValueError(f"OCR dpi must be between 50 and 1200, not {settings.dpi}")
        if settings.timeout_s <= 0:
            raise ValueError(f"OCR timeout_s must be positive, not {settings.timeout_s}")
        if not re.fullmatch(r"[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*", settings.languages):
            raise ValueError(
                f"OCR languages must be Tesseract language codes joined by '+', e.g. "
                f"'deu+eng', not {settings.languages!r}"
            )
        self.settings = settings
        self._probed = False
        self._version: str | None = None
        self._reason: str | None = None

    def available(self) -> bool:
        self._probe()
        return self._reason is None

    @property
    def version(self) -> str | None:
        """Tesseract's version, e.g. "5.3.0"; None when the program is not usable."""
        self._probe()
        return self._version

    @property
    def engine(self) -> str:
        return f"tesseract {self.version or 'unknown'}"

    @property
    def unavailable_reason(self) -> str | None:
        """Why OCR cannot run (program or language pack missing), or None when it can."""
        self._probe()
        return self._reason

    def ocr_image(self, image: Image.Image, dpi: float | None = None) -> list[str]:
        """The paragraphs of text on one page image; raises OcrError."""
        if not self.available():
            raise OcrError(self._reason or "tesseract is not available")
        buffer = io.BytesIO()
        image.convert("L").save(buffer, format="PPM")  # PGM: no encoding cost, Leptonica reads it
        command = [self.settings.tesseract, "stdin", "stdout", "-l", self.settings.languages]
        command += ["--psm", "3"]  # automatic page segmentation, no orientation detection
        if dpi:
            command += ["--dpi", str(round(dpi))]
        command.append("tsv")
        try:
            completed = subprocess.run(
                command,
                input=buffer.getvalue(),
                capture_output=True,
                timeout=self.settings.timeout_s,
                env=_tesseract_env(),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrError(
                f"tesseract took longer than {self.settings.timeout_s:g} s for one page; "
                "raise ocr.timeout_s or lower ocr.dpi"
            ) from exc
        except OSError as exc:
            raise OcrError(f"tesseract could not be started ({exc}); {INSTALL_HINT}") from exc
        if completed.returncode != 0:
            detail = _last_line(completed.stderr) or f"exit status {completed.returncode}"
            raise OcrError(f"tesseract failed: {detail}")
        return paragraphs_from_tsv(completed.stdout.decode("utf-8", "replace"))

    def _probe(self) -> None:
        if self._probed:
            return
        self._probed = True
        program = self.settings.tesseract
        try:
            version = self._run_probe("--version")
        except FileNotFoundError:
            self._reason = f"tesseract not found (looked for {program!r}): {INSTALL_HINT}"
            return
        except (OSError, subprocess.SubprocessError) as exc:
            self._reason = f"tesseract ({program!r}) could not be run ({exc}); {INSTALL_HINT}"
            return
        match = re.search(r"tesseract\s+v?(\d+(?:\.\d+)*)", version, re.IGNORECASE)
        if not match:
            self._reason = f"{program!r} does not look like Tesseract (no version reported)"
            return
        self._version = match.group(1)
        try:
            listed = self._run_probe("--list-langs")
        except (OSError, subprocess.SubprocessError) as exc:
            self._reason = f"tesseract could not list its language packs ({exc})"
            return
        # The first line is "List of available languages in ...", then one code per line.
        installed = {line.strip() for line in listed.splitlines()[1:] if line.strip()}
        missing = [lang for lang in self.settings.languages.split("+") if lang not in installed]
        if missing:
            packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
            self._reason = (
                f"tesseract language pack(s) missing: {', '.join(missing)} (installed: "
                f"{', '.join(sorted(installed)) or 'none'}); install the Debian package(s) "
                f"{packages}"
            )

    def _run_probe(self, option: str) -> str:
        completed = subprocess.run(
            [self.settings.tesseract, option],
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            env=_tesseract_env(),
            check=True,
        )
        # Older versions print the version to stderr.
        return (completed.stdout + b"\n" + completed.stderr).decode("utf-8", "replace").strip()


def ocr_pages(
    data: bytes,
    filename: str,
    pages: list[int],
    settings: OcrSettings,
    progress: Callable[[int, int], None] | None = None,
) -> OcrResult:
    """OCR the given 1-based pages of a PDF or frames of an image file.

    Self-contained for a worker process: it probes Tesseract itself and keeps no state.
    Raises OcrError when Tesseract is not usable and ParseError when the file cannot be
    rendered; a page that fails (time limit, Tesseract error) is recorded in ``failures``
    and the other pages go on. ``progress(done, total)`` is called after each page.
    """
    engine = TesseractOcr(settings)
    if not engine.available():
        raise OcrError(engine.unavailable_reason or "tesseract is not available")
    result = OcrResult(engine=engine.engine)
    wanted = sorted(set(pages))
    # closing(): the PDF is closed at once, also when something raises half-way.
    with contextlib.closing(_page_images(data, filename, wanted, settings)) as page_images:
        _recognise(engine, page_images, filename, result, progress, len(wanted))
    return result


def _recognise(
    engine: TesseractOcr,
    page_images: Iterator[tuple[int, Image.Image, float | None]],
    filename: str,
    result: OcrResult,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    for done, (number, image, dpi) in enumerate(page_images):
        try:
            paragraphs = engine.ocr_image(image, dpi)
        except OcrError as exc:
            logger.warning("OCR of %s page %d failed: %s", filename, number, exc.reason)
            result.failures[number] = exc.reason
        else:
            result.pages[number] = [Block(text, page=number) for text in paragraphs]
        finally:
            image.close()
        if progress:
            progress(done + 1, total)


def merge_ocr(parsed: ParsedDocument, result: OcrResult) -> ParsedDocument:
    """A copy of ``parsed`` with the OCR text in page order among the text-layer blocks.

    OCR'd pages leave ``needs_ocr_pages``; pages where OCR found nothing or failed stay
    there, with a warning. Metadata records the pages (``ocr_pages``, e.g. "1,2") and the
    engine (``ocr_engine``).
    """
    unexpected = sorted(set(result.pages) - set(parsed.needs_ocr_pages))
    if unexpected:
        raise ValueError(
            f"OCR result for page(s) {unexpected} that do not need OCR; pass only "
            "ParsedDocument.needs_ocr_pages to ocr_pages"
        )
    recognised = {page: blocks for page, blocks in result.pages.items() if blocks}
    warnings = list(parsed.warnings)
    for page in parsed.needs_ocr_pages:
        if page in result.failures:
            warnings.append(f"page {page}: OCR failed ({result.failures[page]})")
        elif page in result.pages and page not in recognised:
            warnings.append(f"page {page}: OCR found no text")
    metadata = dict(parsed.metadata)
    if recognised:
        done = {int(p) for p in metadata.get("ocr_pages", "").split(",") if p}
        metadata["ocr_pages"] = ",".join(map(str, sorted(done | set(recognised))))
        metadata["ocr_engine"] = result.engine
    return dataclasses.replace(
        parsed,
        blocks=list(_in_page_order(parsed.blocks, recognised)),
        needs_ocr_pages=[p for p in parsed.needs_ocr_pages if p not in recognised],
        warnings=warnings,
        metadata=metadata,
    )


def _in_page_order(blocks: list[Block], ocr: dict[int, list[Block]]) -> Iterator[Block]:
    """Existing blocks in their order, each page's OCR blocks after that page's own blocks."""
    pending = sorted(ocr)
    for block in blocks:
        while pending and block.page is not None and block.page > pending[0]:
            yield from ocr[pending.pop(0)]
        yield block
    for page in pending:
        yield from ocr[page]


def paragraphs_from_tsv(tsv: str) -> list[str]:
    """Paragraph texts from Tesseract's TSV output, without noise lines, hyphens joined."""
    # (block, paragraph) -> line -> [(word, confidence)]; dicts keep Tesseract's order.
    layout: dict[tuple[str, str], dict[str, list[tuple[str, float]]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue  # level 5 rows are words; the others are page/block/line boxes
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        line = layout.setdefault((cells[2], cells[3]), {}).setdefault(cells[4], [])
        line.append((cells[11].strip(), confidence))
    paragraphs = []
    for lines in layout.values():
        kept = [
            " ".join(w for w, c in words if c >= _MIN_WORD_CONFIDENCE)
            for words in lines.values()
            if _is_text(words)
        ]
        if kept:
            paragraphs.append(join_lines(kept))
    return paragraphs


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph, with words hyphenated at a line end joined again.

    "Urlaubs-" + "antrag" becomes "Urlaubsantrag"; before a capital the hyphen is part of the
    word and stays ("Not-" + "Halt-Taster" becomes "Not-Halt-Taster").
    """
    out = lines[0]
    for line in lines[1:]:
        if _HYPHEN_END.search(out) and line[:1].isalpha():
            out = (out[:-1] if line[0].islower() else out[:-1] + "-") + line
        else:
            out += "\n" + line
    return out


def _is_text(words: list[tuple[str, float]]) -> bool:
    """A line worth keeping: confident, and with a real word or a number in it."""
    if sum(c for _, c in words) / len(words) < _MIN_LINE_CONFIDENCE:
        return False
    text = " ".join(w for w, _ in words)
    characters = text.replace(" ", "")
    if sum(ch.isalnum() for ch in characters) < 0.5 * len(characters):
        return False  # rules, boxes, "|||", "—~_"
    words_alnum = ["".join(ch for ch in w if ch.isalnum()) for w, _ in words]
    return any(len(w) >= 3 for w in words_alnum) or any(ch.isdigit() for ch in text)


def _page_images(
    data: bytes, filename: str, pages: list[int], settings: OcrSettings
) -> Generator[tuple[int, Image.Image, float | None], None, None]:
    """(page, greyscale image, its dpi if known) for each page, one at a time."""
    # Imported here: the PDF and image modules pull in PDFium and Pillow plugins.
    from wissenswerk.parsing.image import frames
    from wissenswerk.parsing.pdf import render_pages
    from wissenswerk.parsing.registry import sniff

    if sniff(data) == "pdf":
        for number, image in render_pages(data, filename, pages, settings.dpi):
            yield number, image, float(settings.dpi)
        return
    for number, image in frames(data, filename, pages):
        dpi = _image_dpi(image)
        if (
            dpi is not None
            and dpi < _MIN_DPI
            and image.width * image.height < _UPSCALE_BELOW_PIXELS
        ):
            image, dpi = _upscaled(image, dpi)
        yield number, image, dpi


def _image_dpi(image: Image.Image) -> float | None:
    """The resolution stored in the file, if it is plausible for a scan or a photo."""
    value = image.info.get("dpi")
    try:
        dpi = float(value[0]) if isinstance(value, tuple) else None
    except (TypeError, ValueError):
        return None
    return dpi if dpi is not None and 50 <= dpi <= 2400 else None


def _upscaled(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    factor = min(_TARGET_DPI / dpi, _MAX_UPSCALE_FACTOR)
    size = (round(image.width * factor), round(image.height * factor))
    bigger = image.resize(size, Image.Resampling.LANCZOS)
    image.close()
    return bigger, dpi * factor


def _tesseract_env() -> dict[str, str]:
    """Tesseract's OpenMP threads make one page 2-3x slower on a busy machine (they spin);
    parallelism comes from OCR'ing several pages at once instead."""
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    return env


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


__all__ = [
    "OcrError",
    "OcrResult",
    "TesseractOcr",
    "merge_ocr",
    "ocr_pages",
]
