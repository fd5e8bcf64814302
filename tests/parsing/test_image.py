"""PNG, JPEG and TIFF scans: every frame is a page that needs OCR; broken or huge images are
clear errors."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing.image import frames
from wissenswerk.parsing.registry import sniff_image


@pytest.mark.parametrize(
    ("name", "kind", "pages"),
    [
        ("aushang.png", "PNG", [1]),
        ("quittung.jpg", "JPEG", [1]),
        ("fax_bestellung.tif", "TIFF", [1, 2]),
    ],
)
def test_every_frame_is_a_page_for_ocr(parse_sample, name, kind, pages):
    doc = parse_sample(name)

    assert doc.blocks == []
    assert doc.needs_ocr_pages == pages
    assert doc.metadata["format"] == kind
    assert doc.metadata["pages"] == str(len(pages))
    assert doc.metadata["parser"] == "image"
    assert doc.title == name.rsplit(".", 1)[0]


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_images_without_extension_are_recognised_by_content(registry, sample_bytes):
    assert sniff_image(sample_bytes("aushang.png")) == "image"
    assert sniff_image(sample_bytes("quittung.jpg")) == "image"
    assert sniff_image(sample_bytes("fax_bestellung.tif")) == "image"
    assert sniff_image(sample_bytes("scan.pdf")) is None
    doc = registry.parse_bytes(sample_bytes("quittung.jpg"), "scan_ohne_endung")

    assert doc.metadata["parser"] == "image"
    assert doc.needs_ocr_pages == [1]


def test_tiny_images_hold_no_text_to_recognise(registry):
    doc = registry.parse_bytes(png(Image.new("L", (4, 4), 128)), "icon.png")

    assert doc.needs_ocr_pages == []
    assert doc.metadata["pages"] == "1"


def test_truncated_image_is_a_clear_error(registry, sample_bytes):
    data = sample_bytes("aushang.png")

    with pytest.raises(ParseError, match=r"halb\.png: broken image, page 1 \(image file is trunc"):
        registry.parse_bytes(data[: len(data) // 2], "halb.png")


def test_garbage_under_an_image_extension_is_a_clear_error(registry):
    with pytest.raises(ParseError, match=r"foto\.jpg: not a valid PNG, JPEG or TIFF image"):
        registry.parse_bytes(b"Dies ist kein Bild, sondern Text.", "foto.jpg")


def test_other_image_formats_are_not_opened(registry):
    """Only PNG, JPEG and TIFF plugins run (EPS would start Ghostscript)."""
    gif = io.BytesIO()
    Image.new("L", (32, 32), 0).save(gif, format="GIF")

    with pytest.raises(ParseError, match="not a valid PNG, JPEG or TIFF image"):
        registry.parse_bytes(gif.getvalue(), "bild.png")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size but carries almost no data, as a bomb does."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused(registry):
    with pytest.raises(LimitExceededError, match="possible decompression bomb") as error:
        registry.parse_bytes(png_header_only(40_000, 40_000), "bombe.png")

    assert "bombe.png" in str(error.value)


def test_bomb_just_above_the_limit_is_refused_too(registry, monkeypatch):
    # Pillow only warns between the limit and twice the limit; that is refused as well.
    data = png(Image.new("L", (400, 300), 255))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # 120,000 pixels: 1.2x the limit

    with pytest.raises(LimitExceededError, match="possible decompression bomb"):
        registry.parse_bytes(data, "gross.png")


def test_huge_second_tiff_frame_is_refused(registry, monkeypatch):
    buffer = io.BytesIO()
    small, large = Image.new("L", (100, 100), 255), Image.new("L", (600, 600), 255)
    small.save(buffer, format="TIFF", save_all=True, append_images=[large])
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)

    with pytest.raises(LimitExceededError, match=r"page 2 is 600x600 pixels"):
        registry.parse_bytes(buffer.getvalue(), "fax.tif")


def test_frames_are_greyscale_and_upright():
    # A landscape phone photo stored sideways with EXIF orientation 6 ("rotate 90° cw").
    photo = Image.new("RGB", (60, 40), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif)

    [(number, frame)] = list(frames(buffer.getvalue(), "foto.jpg", [1]))

    assert number == 1
    assert frame.mode == "L"
    assert frame.size == (40, 60)


def test_frames_of_a_page_that_does_not_exist(sample_bytes):
    with pytest.raises(ParseError, match="image has no page 3"):
        list(frames(sample_bytes("fax_bestellung.tif"), "fax.tif", [1, 3]))


def test_sixteen_bit_scans_keep_their_contrast():
    deep = Image.new("I;16", (32, 32), 60000)
    deep.paste(Image.new("I;16", (16, 32), 1000), (0, 0))

    [(_, frame)] = list(frames(png(deep), "scan16.png", [1]))

    assert frame.getextrema() == (3, 234)
