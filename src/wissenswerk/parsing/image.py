"""Scanned images (PNG, JPEG, TIFF incl. multi-page faxes): no text, every frame needs OCR.

The parser only checks that the image is sound and counts its frames (pages); the text comes
from OCR later, through ``frames`` below. Pillow is limited to the three formats on purpose:
its other plugins (EPS starts Ghostscript) are attack surface that no scan needs.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import PurePosixPath

from PIL import Image, ImageOps

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing.base import ParseContext

FORMATS = ("PNG", "JPEG", "TIFF")
# A TIFF can hold any number of frames; a real multi-page scan or fax has far fewer.
MAX_FRAMES = 1000
# Smaller than this on either side holds no readable line of text (icons, spacer pixels).
_MIN_TEXT_SIDE = 16
# Pillow raises these on malformed input (truncated data, bad headers, broken compression).
# Some damage ("Corrupt EXIF data") it only reports as a warning and reads on; where warnings
# are errors (the tests, python -W error) that is a broken image too. The warnings filter is
# not switched here: warnings.catch_warnings is process-wide and not thread-safe.
_BROKEN = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error, Warning)


class ImageParser:
    name: str = "image"
    extensions: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        doc = ParsedDocument(title=PurePosixPath(filename.replace("\\", "/")).stem or None)
        count = 0
        with _open(data, filename) as image:
            doc.metadata["format"] = str(image.format)
            for number, frame in _frames(image, filename):
                count = number
                if min(frame.size) >= _MIN_TEXT_SIDE:
                    doc.needs_ocr_pages.append(number)
        doc.metadata["pages"] = str(count)
        return doc


def frames(data: bytes, filename: str, numbers: list[int]) -> Iterator[tuple[int, Image.Image]]:
    """Yield (frame number, greyscale image upright as displayed) for the 1-based frames.

    Transparency is flattened onto white (a transparent PNG would otherwise turn black) and
    the EXIF orientation of phone photos is applied.
    """
    wanted = set(numbers)
    with _open(data, filename) as image:
        for number, frame in _frames(image, filename):
            if number in wanted:
                yield number, _greyscale(frame)
                wanted.discard(number)
            if not wanted:
                return
    if wanted:
        missing = ", ".join(map(str, sorted(wanted)))
        raise ParseError(filename, f"image has no page {missing}")


def _open(data: bytes, filename: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceededError(filename, _too_large(exc)) from exc
    except Image.UnidentifiedImageError as exc:
        raise ParseError(filename, "not a valid PNG, JPEG or TIFF image") from exc
    except _BROKEN as exc:
        raise ParseError(filename, f"broken image ({exc})") from exc


def _frames(image: Image.Image, filename: str) -> Iterator[tuple[int, Image.Image]]:
    """Each frame, decoded and size-checked; the Image object moves from frame to frame."""
    limit = Image.MAX_IMAGE_PIXELS
    number = 0
    while True:
        number += 1
        if number > MAX_FRAMES:
            raise LimitExceededError(filename, f"more than {MAX_FRAMES} pages in one image")
        width, height = image.size
        if limit is not None and width * height > limit:
            raise LimitExceededError(
                filename,
                f"page {number} is {width}x{height} pixels, more than the limit of {limit} "
                "(possible decompression bomb)",
            )
        try:
            image.load()
        except _BROKEN as exc:
            raise ParseError(filename, f"broken image, page {number} ({exc})") from exc
        yield number, image
        try:
            image.seek(number)
        except EOFError:
            return
        except _BROKEN as exc:
            raise ParseError(filename, f"broken image after page {number} ({exc})") from exc


def _too_large(exc: Exception) -> str:
    return f"image is too large ({exc}); possible decompression bomb"


def _greyscale(frame: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(white, rgba)
    if upright.mode.startswith("I;16") or upright.mode == "I":
        # 16-bit scans: scale to 8 bit instead of clipping everything above 255 to white.
        upright = upright.convert("I").point(lambda value: value / 256)
    return upright.convert("L")
