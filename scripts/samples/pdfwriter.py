"""A minimal PDF writer for test samples: text pages, image pages, optional RC4 encryption.

Writing the few objects by hand keeps the samples byte-for-byte reproducible and needs no
PDF library. Text uses the standard Helvetica font with WinAnsiEncoding, so German umlauts
are encoded as cp1252 bytes. Encryption is the PDF 1.3 standard security handler (revision 2,
40-bit RC4) with a user password: enough to make any reader ask for the password.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

# The padding string from the PDF specification (Algorithm 2).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def text_page(paragraphs: list[list[str]], *, size: int = 11) -> bytes:
    """Content stream: paragraphs of lines, a blank line between paragraphs."""
    leading = size + 4
    ops = [b"BT", f"/F1 {size} Tf {leading} TL 72 770 Td".encode()]
    for paragraph in paragraphs:
        for line in paragraph:
            ops.append(pdf_string(line) + b" Tj T*")
        ops.append(b"T*")
    ops.append(b"ET")
    return b"\n".join(ops)


@dataclass
class _Page:
    content: bytes
    image: tuple[int, int, bytes] | None = None  # width, height, 8-bit gray pixels


@dataclass
class PdfWriter:
    title: str | None = None
    pages: list[_Page] = field(default_factory=list)

    def add_text_page(self, paragraphs: list[list[str]], *, size: int = 11) -> None:
        self.pages.append(_Page(text_page(paragraphs, size=size)))

    def add_image_page(
        self,
        width: int,
        height: int,
        gray_pixels: bytes,
        *,
        dpi: float | None = None,
        stamp: str | None = None,
    ) -> None:
        """A page that is only a picture, like a scanned sheet without OCR.

        Without ``dpi`` one pixel is one point, placed near the top left; with ``dpi`` the
        picture has its physical size and starts at the top left corner, like a scan.
        ``stamp`` adds one line of real text at the bottom, as scanners and mail rooms do.
        """
        if dpi is None:
            draw = f"q {width} 0 0 {height} 36 {800 - height} cm /Im1 Do Q".encode()
        else:
            w, h = width * 72 / dpi, height * 72 / dpi
            draw = f"q {w:.2f} 0 0 {h:.2f} 0 {842 - h:.2f} cm /Im1 Do Q".encode()
        if stamp is not None:
            draw += b"\nBT /F1 9 Tf 36 20 Td " + pdf_string(stamp) + b" Tj ET"
        self.pages.append(_Page(draw, image=(width, height, gray_pixels)))

    def add_blank_page(self) -> None:
        self.pages.append(_Page(b""))

    def add_content_page(
        self, content: bytes, *, image: tuple[int, int, bytes] | None = None
    ) -> None:
        """A page from a hand-written content stream (colours, render modes, matrices).

        ``/F1`` is Helvetica; ``image`` (width, height, 8-bit gray pixels) becomes ``/Im1``.
        """
        self.pages.append(_Page(content, image=image))

    def to_bytes(self, user_password: str | None = None) -> bytes:
        objects: dict[int, tuple[bytes, bytes | None]] = {}  # number -> (dictionary, stream)
        page_numbers = []
        next_number = 4  # 1 catalog, 2 page tree, 3 font
        for page in self.pages:
            page_number, content_number = next_number, next_number + 1
            next_number += 2
            resources = b"/Font << /F1 3 0 R >>"
            if page.image:
                width, height, pixels = page.image
                image_number = next_number
                next_number += 1
                objects[image_number] = (
                    f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                    "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode".encode(),
                    zlib.compress(pixels, 9),
                )
                resources += f" /XObject << /Im1 {image_number} 0 R >>".encode()
            objects[page_number] = (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
                + resources
                + f" >> /Contents {content_number} 0 R >>".encode(),
                None,
            )
            objects[content_number] = (b"<< /Filter /FlateDecode", zlib.compress(page.content, 9))
            page_numbers.append(page_number)
        objects[1] = (b"<< /Type /Catalog /Pages 2 0 R >>", None)
        kids = " ".join(f"{n} 0 R" for n in page_numbers)
        objects[2] = (
            f"<< /Type /Pages /Kids [{kids}] /Count {len(page_numbers)} >>".encode(),
            None,
        )
        objects[3] = (
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            None,
        )
        info_number = None
        if self.title:
            info_number = next_number
            next_number += 1
            objects[info_number] = (b"<< /Title " + pdf_string(self.title) + b" >>", None)

        file_id = hashlib.md5(repr(self.title).encode() + bytes(len(self.pages))).digest()
        key = None
        encrypt_number = None
        if user_password is not None:
            encrypt_number = next_number
            next_number += 1
            owner_value, user_value, key, permissions = _standard_security(user_password, file_id)
            objects[encrypt_number] = (
                f"<< /Filter /Standard /V 1 /R 2 /O <{owner_value.hex()}> "
                f"/U <{user_value.hex()}> /P {permissions} >>".encode(),
                None,
            )

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = {}
        for number in sorted(objects):
            dictionary, stream = objects[number]
            if key is not None and number != encrypt_number:
                object_key = _object_key(key, number)
                dictionary = _encrypt_strings(dictionary, object_key)
                if stream is not None:
                    stream = rc4(object_key, stream)
            offsets[number] = len(out)
            out += f"{number} 0 obj\n".encode()
            if stream is None:
                out += dictionary + b"\nendobj\n"
            else:
                out += dictionary + f" /Length {len(stream)} >>\nstream\n".encode()
                out += stream + b"\nendstream\nendobj\n"
        xref_offset = len(out)
        size = max(objects) + 1
        out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
        for number in range(1, size):
            out += f"{offsets[number]:010d} 00000 n \n".encode()
        trailer = f"trailer\n<< /Size {size} /Root 1 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>]"
        if info_number:
            trailer += f" /Info {info_number} 0 R"
        if encrypt_number:
            trailer += f" /Encrypt {encrypt_number} 0 R"
        out += f"{trailer} >>\nstartxref\n{xref_offset}\n%%EOF\n".encode()
        return bytes(out)


def _standard_security(password: str, file_id: bytes) -> tuple[bytes, bytes, bytes, int]:
    """Algorithms 2-4 of the PDF 1.7 specification for revision 2 (40-bit key)."""
    padded = (password.encode("latin-1") + _PAD)[:32]
    owner_key = hashlib.md5(padded).digest()[:5]  # no owner password: the user one is used
    owner_value = rc4(owner_key, padded)
    permissions = -44  # print and copy allowed, the rest not
    digest = hashlib.md5(padded + owner_value + struct.pack("<i", permissions) + file_id)
    key = digest.digest()[:5]
    return owner_value, rc4(key, _PAD), key, permissions


def _object_key(key: bytes, number: int) -> bytes:
    material = key + struct.pack("<I", number)[:3] + b"\x00\x00"
    return hashlib.md5(material).digest()[: len(key) + 5]


def _encrypt_strings(dictionary: bytes, object_key: bytes) -> bytes:
    """Encrypt the literal strings of a dictionary (only the /Title uses one here)."""
    start = dictionary.find(b"(")
    if start < 0:
        return dictionary
    end = dictionary.rfind(b")")
    literal = dictionary[start : end + 1]
    raw = literal[1:-1].replace(b"\\(", b"(").replace(b"\\)", b")").replace(b"\\\\", b"\\")
    return (
        dictionary[:start]
        + b"<"
        + rc4(object_key, raw).hex().encode()
        + b">"
        + dictionary[end + 1 :]
    )
