"""Write Outlook .msg test files: a minimal OLE compound file (CFB v3) writer plus MAPI layout.

olefile only reads compound files, and the Python libraries that write MSG are GPL, so the
test samples are built here from the specifications:

* [MS-CFB]: 512-byte sectors, a FAT of sector chains, a directory of 128-byte entries whose
  siblings form a binary search tree, and streams under 4096 bytes stored in 64-byte mini
  sectors inside the root entry's "mini stream" (with their own mini FAT).
* [MS-OXMSG]: properties of variable length in ``__substg1.0_PPPPTTTT`` streams, fixed-size
  ones as 16-byte records in ``__properties_version1.0``, attachments and recipients in
  ``__attach_version1.0_#N`` / ``__recip_version1.0_#N`` storages.

Every tree node is written black; readers do not check red-black balance, and a balanced
binary search tree with all nodes black is what many writers emit for small directories.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

Tree = dict[str, "bytes | Tree"]


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # [MS-CFB] 2.6.4: shorter names first, then case-insensitive (upper-case) comparison.
    return (len(name.encode("utf-16-le")), name.upper())


def write_cfb(tree: Tree) -> bytes:
    """Serialise ``{name: bytes (stream) | dict (storage)}`` as a compound file."""
    entries: list[_Entry] = []

    def add(name: str, node: bytes | Tree, kind: int | None = None) -> int:
        entry = _Entry(name, kind or (1 if isinstance(node, dict) else 2))
        index = len(entries)
        entries.append(entry)
        if isinstance(node, dict):
            child_ids = [add(n, node[n]) for n in sorted(node, key=_sort_key)]
            entry.child = _balance(entries, child_ids)
        else:
            entry.data = node
            entry.size = len(node)
        return index

    add("Root Entry", tree, kind=5)

    # Small streams go to the mini stream, big ones to regular sectors.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    big_streams: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2 or entry.size == 0:
            continue
        if entry.size < MINI_CUTOFF:
            count = -(-entry.size // MINI_SECTOR)
            entry.start = len(mini_fat)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(ENDOFCHAIN)
            mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\x00")
        else:
            big_streams.append(entry)

    fat: list[int] = []
    body = bytearray()

    def place(data: bytes) -> int:
        """Append ``data`` in whole sectors chained in the FAT; return the first sector."""
        count = -(-len(data) // SECTOR)
        start = len(fat)
        fat.extend(range(start + 1, start + count))
        fat.append(ENDOFCHAIN)
        body.extend(data.ljust(count * SECTOR, b"\x00"))
        return start

    root = entries[0]
    if mini_stream:
        root.start = place(bytes(mini_stream))
        root.size = len(mini_stream)
    for entry in big_streams:
        entry.start = place(entry.data)
    mini_fat_start, mini_fat_sectors = ENDOFCHAIN, 0
    if mini_fat:
        raw = b"".join(struct.pack("<I", n) for n in mini_fat)
        raw = raw.ljust(-(-len(raw) // SECTOR) * SECTOR, b"\xff")  # unused entries are FREESECT
        mini_fat_start, mini_fat_sectors = place(raw), len(raw) // SECTOR
    directory = b"".join(_directory_entry(e) for e in entries)
    directory += _unused_entry() * ((-len(entries)) % (SECTOR // 128))
    directory_start = place(directory)

    # The FAT describes itself too: grow it until its own sectors fit.
    fat_sectors = 1
    while len(fat) + fat_sectors > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("file too big for a header-only DIFAT; not needed for test samples")
    fat_start = len(fat)
    fat.extend([FATSECT] * fat_sectors)
    fat.extend([FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", n) for n in fat)

    difat = [fat_start + i for i in range(fat_sectors)] + [FREESECT] * (109 - fat_sectors)
    header = (
        _SIGNATURE
        + bytes(16)  # CLSID
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)  # minor, major, byte order, shifts
        + bytes(6)
        + struct.pack("<I", 0)  # directory sectors (always 0 in version 3)
        + struct.pack("<I", fat_sectors)
        + struct.pack("<I", directory_start)
        + struct.pack("<I", 0)  # transaction signature
        + struct.pack("<I", MINI_CUTOFF)
        + struct.pack("<I", mini_fat_start)
        + struct.pack("<I", mini_fat_sectors)
        + struct.pack("<I", ENDOFCHAIN)  # first DIFAT sector: none
        + struct.pack("<I", 0)  # DIFAT sectors
        + b"".join(struct.pack("<I", n) for n in difat)
    )
    assert len(header) == SECTOR
    return header + bytes(body) + fat_bytes


def _balance(entries: list[_Entry], ids: list[int]) -> int:
    """Link sorted sibling ids into a balanced binary search tree; return the root id."""
    if not ids:
        return NOSTREAM
    middle = len(ids) // 2
    node = entries[ids[middle]]
    node.left = _balance(entries, ids[:middle])
    node.right = _balance(entries, ids[middle + 1 :])
    return ids[middle]


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    if len(name) > 64:
        raise ValueError(f"directory entry name too long: {entry.name!r}")
    start = entry.start if entry.kind != 1 else 0
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB", len(name), entry.kind, 1)  # 1 = black
        + struct.pack("<III", entry.left, entry.right, entry.child)
        + bytes(16)  # CLSID
        + struct.pack("<I", 0)  # state bits
        + bytes(16)  # creation and modification time
        + struct.pack("<IQ", start, entry.size)
    )


def _unused_entry() -> bytes:
    return bytes(66) + struct.pack("<BB", 0, 0) + struct.pack("<III", *[NOSTREAM] * 3) + bytes(48)


# --- MAPI / MSG layout ---------------------------------------------------------------------

PT_LONG = 0x0003
PT_SYSTIME = 0x0040
PT_STRING8 = 0x001E
PT_UNICODE = 0x001F
PT_BINARY = 0x0102
_READABLE_WRITABLE = 0x6


@dataclass
class Attachment:
    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


def _filetime(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


class _Properties:
    """Collects the streams of one MAPI object and its ``__properties_version1.0`` records."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.streams: Tree = {}

    def fixed(self, prop: int, kind: int, value: bytes) -> None:
        tag = (prop << 16) | kind
        self.records.append(struct.pack("<II", tag, _READABLE_WRITABLE) + value.ljust(8, b"\0"))

    def variable(self, prop: int, kind: int, data: bytes, size: int) -> None:
        tag = (prop << 16) | kind
        self.records.append(struct.pack("<IIII", tag, _READABLE_WRITABLE, size, 0))
        self.streams[f"__substg1.0_{prop:04X}{kind:04X}"] = data

    def unicode(self, prop: int, text: str) -> None:
        data = text.encode("utf-16-le")
        self.variable(prop, PT_UNICODE, data, len(data) + 2)  # size counts the terminator

    def ansi(self, prop: int, text: str, encoding: str = "cp1252") -> None:
        data = text.encode(encoding)
        self.variable(prop, PT_STRING8, data, len(data) + 1)

    def binary(self, prop: int, data: bytes) -> None:
        self.variable(prop, PT_BINARY, data, len(data))

    def tree(self, header: bytes) -> Tree:
        return {"__properties_version1.0": header + b"".join(self.records), **self.streams}


def build_msg(
    *,
    subject: str,
    body: str,
    sender_name: str,
    sender_email: str,
    to: str,
    sent: dt.datetime,
    html: bytes | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> bytes:
    """An Outlook message; the sender name is stored as an ANSI (cp1252) string on purpose."""
    message = _Properties()
    message.unicode(0x001A, "IPM.Note")  # PR_MESSAGE_CLASS
    message.unicode(0x0037, subject)
    message.unicode(0x0E1D, subject)  # PR_NORMALIZED_SUBJECT
    message.unicode(0x1000, body)
    if html is not None:
        message.binary(0x1013, html)
    message.ansi(0x0C1A, sender_name)
    message.unicode(0x0C1F, sender_email)
    message.unicode(0x0E04, to)
    message.fixed(0x0039, PT_SYSTIME, struct.pack("<Q", _filetime(sent)))
    message.fixed(0x0E06, PT_SYSTIME, struct.pack("<Q", _filetime(sent)))
    message.fixed(0x3FFD, PT_LONG, struct.pack("<I", 1252))  # PR_MESSAGE_CODEPAGE
    tree = message.tree(
        bytes(8) + struct.pack("<IIII", 1, len(attachments), 1, len(attachments)) + bytes(8)
    )
    recipient = _Properties()
    recipient.unicode(0x3001, to)  # PR_DISPLAY_NAME
    recipient.fixed(0x0C15, PT_LONG, struct.pack("<I", 1))  # PR_RECIPIENT_TYPE: To
    tree["__recip_version1.0_#00000000"] = recipient.tree(bytes(8))
    for number, attachment in enumerate(attachments):
        props = _Properties()
        props.unicode(0x3707, attachment.filename)  # PR_ATTACH_LONG_FILENAME
        props.unicode(0x3001, attachment.filename)  # PR_DISPLAY_NAME
        props.unicode(0x370E, attachment.mime_type)
        props.binary(0x3701, attachment.data)  # PR_ATTACH_DATA_BIN
        props.fixed(0x3705, PT_LONG, struct.pack("<I", 1))  # PR_ATTACH_METHOD: by value
        props.fixed(0x0E21, PT_LONG, struct.pack("<I", number))  # PR_ATTACH_NUM
        tree[f"__attach_version1.0_#{number:08X}"] = props.tree(bytes(8))
    return write_cfb(tree)
