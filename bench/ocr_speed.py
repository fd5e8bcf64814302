"""How many scanned pages per minute does OCR get through?

Typesets German text from the public pool onto A4 pages, rasterises them at 300 dpi like a
scanner (grey paper, slight blur), saves them as an image-only PDF, and OCRs every page with
Tesseract (deu+eng), first in one process, then spread over worker processes the way the
indexer runs it. Prints pages per minute, CPU seconds per page (which, unlike wall time, does
not depend on what else runs on the machine) and the share of the source words recognised.

    python bench/ocr_speed.py [--pages 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import textwrap
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _common import german_sentences
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from wissenswerk.config.settings import OcrSettings
from wissenswerk.parsing import parse_bytes
from wissenswerk.parsing.ocr import OcrResult, TesseractOcr, ocr_pages

DPI = 300
A4 = (round(8.27 * DPI), round(11.69 * DPI))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def scanned_pdf(n_pages: int) -> tuple[bytes, list[str]]:
    """An image-only PDF of n A4 pages and the text on each page."""
    font = (
        ImageFont.truetype(str(FONT), round(11 / 72 * DPI))
        if FONT.exists()
        else ImageFont.load_default(size=round(11 / 72 * DPI))  # no umlauts, still a fair load
    )
    sentences = iter(german_sentences(limit=n_pages * 60))
    pages, texts = [], []
    for _ in range(n_pages):
        page = Image.new("L", A4, 238)
        draw = ImageDraw.Draw(page)
        lines: list[str] = []
        while len(lines) < 44:
            lines += [*textwrap.wrap(next(sentences), 80), ""]
        y = 0.8 * DPI
        for line in lines[:44]:
            draw.text((0.9 * DPI, y), line, fill=30, font=font)
            y += 0.2 * DPI
        pages.append(page.filter(ImageFilter.GaussianBlur(0.8)))
        texts.append("\n".join(lines[:44]))
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=70)
    return buffer.getvalue(), texts


def word_recall(source: list[str], result: OcrResult) -> float:
    def words(text: str) -> Counter[str]:
        return Counter(re.findall(r"\w+", text.lower()))

    expected = words("\n".join(source))
    found = words("\n".join(b.text for blocks in result.pages.values() for b in blocks))
    return sum((expected & found).values()) / max(1, sum(expected.values()))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (tesseract, pool workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    settings = OcrSettings(dpi=DPI)
    tesseract = TesseractOcr(settings)
    if not tesseract.available():
        raise SystemExit(tesseract.unavailable_reason)
    data, texts = scanned_pdf(args.pages)
    parsed = parse_bytes(data, "scan.pdf")
    assert parsed.needs_ocr_pages == list(range(1, args.pages + 1)), parsed.needs_ocr_pages
    print(f"{tesseract.engine}, {args.pages} A4 pages at {DPI} dpi, {len(data) // 1024} KB PDF")

    t0, cpu0 = time.perf_counter(), cpu_seconds()
    single = ocr_pages(data, "scan.pdf", parsed.needs_ocr_pages, settings)
    single_s, single_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    assert not single.failures, single.failures
    print(
        f"1 process:   {args.pages / single_s * 60:6.1f} pages/min "
        f"({single_s / args.pages:.2f} s/page, {single_cpu / args.pages:.2f} CPU s/page), "
        f"word recall {word_recall(texts, single):.1%}"
    )

    # One task per page, as an indexer with a worker pool hands them out.
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    with ProcessPoolExecutor(args.workers) as pool:
        futures = [
            pool.submit(ocr_pages, data, "scan.pdf", [page], settings)
            for page in parsed.needs_ocr_pages
        ]
        results = [future.result() for future in futures]
    pool_s, pool_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    merged = OcrResult(single.engine, {p: b for r in results for p, b in r.pages.items()})
    print(
        f"{args.workers} processes: {args.pages / pool_s * 60:6.1f} pages/min "
        f"({pool_s / args.pages:.2f} s/page, {pool_cpu / args.pages:.2f} CPU s/page), "
        f"word recall {word_recall(texts, merged):.1%}"
    )
    print(f"CPU-bound capacity: {60 / (single_cpu / args.pages):.1f} pages/min per free core")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of one tesseract/worker process: {children:.0f} MB")


if __name__ == "__main__":
    main()
