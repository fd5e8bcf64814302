"""IMAP mailboxes: every mail of the chosen folders, attachments included (one item per mail).

Options example: ``{"host": "mail.firma.de", "username": "vertrieb@firma.de", "password_env":
"VERTRIEB_IMAP", "readers": ["group:vertrieb"], "folder_readers": {"Geschäftsführung*":
["group:gf"]}}``. A mail's readers are ``readers`` plus those of the most specific matching
``folder_readers`` glob; with ``acl_mode="acl_map"`` the source's ACL map (folder prefixes) decides
instead. No readers at all means nobody (deny by default).

Items are named ``<Folder>/<UID> <Subject>.eml`` and carry ``version = "<UIDVALIDITY>:<UID>"``:
IMAP never changes a stored message, so a new version only appears when the server renumbers a
folder (a new UIDVALIDITY), and then every mail of that folder is read again. Listing costs one
``UID SEARCH`` and a few batched ``UID FETCH`` of size, date and subject per folder; reading uses
``BODY.PEEK[]`` on a read-only ``EXAMINE``, so mails never become "seen".
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import imaplib
import logging
import re
import ssl
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.parser import BytesHeaderParser
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wissenswerk.core.acl import principal_for_group_token
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for
from wissenswerk.sources.base import SourceContext, option_problems, secret

log = logging.getLogger(__name__)

# Folders skipped unless ``skip_trash_and_junk`` is off: by special-use flag (RFC 6154), which
# also covers localised names, and by the usual English and German names for servers without it.
_SKIPPED_SPECIAL_USE = frozenset({"\\trash", "\\junk", "\\drafts"})
_SKIPPED_NAMES = frozenset(
    "trash|junk|spam|drafts|deleted items|deleted messages|junk e-mail|"
    "papierkorb|entwürfe|gelöschte elemente|junk-e-mail".split("|")
)
_FETCH_BATCH = 500  # UIDs per UID FETCH: keeps command lines short and responses bounded
_SUBJECT_IN_PATH = 60  # characters of the subject kept in an item's path
_UNSAFE_IN_PATH = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


# --- modified UTF-7 (RFC 3501 section 5.1.3), how IMAP spells non-ASCII folder names ---


def decode_mailbox_name(raw: str) -> str:
    """``Gesch&AOQ-ftsf&APw-hrung`` -> ``Geschäftsführung``; undecodable runs are kept as is."""
    out: list[str] = []
    pos = 0
    while pos < len(raw):
        amp = raw.find("&", pos)
        if amp < 0:
            out.append(raw[pos:])
            break
        out.append(raw[pos:amp])
        end = raw.find("-", amp)
        if end < 0:
            out.append(raw[amp:])
            break
        run = raw[amp + 1 : end]
        if not run:
            out.append("&")
        else:
            try:
                padded = run.replace(",", "/") + "=" * (-len(run) % 4)
                out.append(base64.b64decode(padded, validate=True).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(raw[amp : end + 1])
        pos = end + 1
    return "".join(out)


def encode_mailbox_name(name: str) -> str:
    """The inverse of :func:`decode_mailbox_name`."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ","))
            out.append("-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quoted(text: str) -> str:
    """An IMAP quoted string; imaplib sends arguments verbatim, so names with spaces need it."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- options ---


class ImapOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(None, description="Server name; defaults to the source location.")
    port: int | None = Field(None, ge=1, le=65535, description="993 for tls, else 143.")
    ssl: Literal["tls", "starttls", "none"] = "tls"
    verify_tls: bool = True
    ca_file: str | None = Field(None, description="CA bundle for a company CA (PEM).")
    username: str
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    authorize_as: str | None = Field(
        None,
        description="Mailbox to open with the login's rights (SASL PLAIN authorisation id), "
        "e.g. a shared mailbox with a Dovecot master user.",
    )
    folders: list[str] = Field(default_factory=lambda: ["*"], description="Folder globs.")
    exclude_folders: list[str] = Field(default_factory=list)
    skip_trash_and_junk: bool = True
    readers: list[str] = Field(default_factory=list)
    folder_readers: dict[str, list[str]] = Field(default_factory=dict)


def _validated(config: SourceConfig) -> ImapOptions:
    options = dict(config.options)
    try:
        return ImapOptions.model_validate(options)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(f"Source {config.name!r} (imap): invalid options: {problems}.") from exc


def _host_and_port(config: SourceConfig, options: ImapOptions) -> tuple[str, int | None]:
    """The host from the options, or from the location (``mail.firma.de`` or ``imaps://...``)."""
    if options.host:
        return options.host, options.port
    location = config.location.strip()
    if "://" in location:
        parts = urlsplit(location)
        if parts.hostname:
            return parts.hostname, options.port or parts.port
    if location:
        return location, options.port
    raise ConfigError(f"Source {config.name!r} (imap): set the option host (the IMAP server).")


# --- permissions ---


def _principals(tokens: list[str]) -> frozenset[str]:
    return frozenset(principal_for_group_token(t) for t in tokens if t.strip())


def _specificity(pattern: str) -> int:
    return sum(1 for c in pattern if c not in "*?[]")


@dataclass(frozen=True, slots=True)
class FolderPermissions:
    """Readers of every mail plus those of the most specific matching folder glob.

    A glob matches a folder and its subfolders (``Projekte`` covers ``Projekte/Alt``). The glob
    with the most literal characters wins, as the longest prefix does in an ACL map (so
    ``Projekte`` beats ``*``); on a tie, one matching the folder itself beats one matching a
    parent.
    """

    readers: frozenset[str]
    folder_readers: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def from_options(cls, options: ImapOptions) -> FolderPermissions:
        rules = tuple((p.strip("/"), _principals(r)) for p, r in options.folder_readers.items())
        return cls(_principals(options.readers), rules)

    def acl(self, folder: str) -> frozenset[str]:
        best: tuple[int, int] | None = None
        chosen: frozenset[str] = frozenset()
        for pattern, principals in self.folder_readers:
            if fnmatch.fnmatchcase(folder, pattern):
                rank = (_specificity(pattern), 1)
            elif fnmatch.fnmatchcase(folder, pattern + "/*"):
                rank = (_specificity(pattern), 0)
            else:
                continue
            if best is None or rank > best:
                best, chosen = rank, principals
        return self.readers | chosen


# --- listing helpers ---


@dataclass(frozen=True, slots=True)
class Mailbox:
    raw: str  # the server's name, modified UTF-7, as sent in commands
    path: str  # NFC, "/"-separated: the item path prefix
    flags: frozenset[str]  # lower-case LIST attributes


_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:\\.|[^"])*"|NIL) ?(?P<name>.*)$')


def _unquote(value: bytes) -> bytes:
    if value.startswith(b'"') and value.endswith(b'"') and len(value) >= 2:
        return re.sub(rb"\\(.)", rb"\1", value[1:-1])
    return value


def parse_list_response(lines: list[Any]) -> list[Mailbox]:
    """Mailboxes from imaplib's LIST data; names may come as atoms, quoted or as literals."""
    boxes: list[Mailbox] = []
    for line in lines:
        if line is None:
            continue
        literal: bytes | None = None
        if isinstance(line, tuple):
            line, literal = line[0], line[1]
        match = _LIST_LINE.match(line)
        if not match:
            log.warning("Ignoring a LIST line that could not be parsed: %r", line)
            continue
        delim = (
            _unquote(match["delim"]).decode("ascii", "replace") if match["delim"] != b"NIL" else ""
        )
        raw_name = literal if literal is not None else _unquote(match["name"].strip())
        raw = raw_name.decode("utf-8", "replace")
        name = decode_mailbox_name(raw)
        segments = name.split(delim) if delim else [name]
        path = "/".join(s.replace("/", "_") for s in segments)
        if path.upper() == "INBOX":
            path = "INBOX"
        flags = frozenset(f.lower() for f in match["flags"].decode("ascii", "replace").split())
        boxes.append(Mailbox(raw=raw, path=unicodedata.normalize("NFC", path), flags=flags))
    return boxes


def _internaldate(text: str) -> datetime | None:
    """``17-Jul-1996 02:44:25 -0700`` without relying on the C locale's month names."""
    match = re.match(r"\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)", text)
    if not match or match[2] not in _MONTHS:
        return None
    day, _, year, hour, minute, second, sign, tz_h, tz_m = match.groups()
    offset = timedelta(hours=int(tz_h), minutes=int(tz_m)) * (-1 if sign == "-" else 1)
    local = datetime(
        int(year), _MONTHS[match[2]], int(day), int(hour), int(minute), int(second),
        tzinfo=timezone(offset),
    )  # fmt: skip
    return local.astimezone(UTC)


@dataclass(slots=True)
class _Fetched:
    meta: bytes = b""
    literals: tuple[bytes, ...] = ()


_MESSAGE_START = re.compile(rb"^\d+ \(")


def _split_fetch_response(data: list[Any]) -> Iterator[_Fetched]:
    """imaplib hands a FETCH response over as pieces: ``(prefix, literal)`` tuples and bytes
    such as the closing ``)``. Regroup them per message."""
    current: _Fetched | None = None
    for piece in data:
        if piece is None:
            continue
        text, literal = (piece[0], piece[1]) if isinstance(piece, tuple) else (piece, None)
        if _MESSAGE_START.match(text):
            if current is not None:
                yield current
            current = _Fetched()
        if current is None:
            continue
        current.meta += text
        if literal is not None:
            current.literals = (*current.literals, literal)
    if current is not None:
        yield current


def _subject(header: bytes) -> str:
    try:
        value = BytesHeaderParser(policy=policy.default).parsebytes(header).get("Subject")
    except (ValueError, IndexError, AttributeError, LookupError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _path_name(uid: int, subject: str) -> str:
    cleaned = " ".join(_UNSAFE_IN_PATH.sub(" ", unicodedata.normalize("NFC", subject)).split())
    cleaned = cleaned[:_SUBJECT_IN_PATH].rstrip(" .")
    return f"{uid} {cleaned}.eml" if cleaned else f"{uid}.eml"


def _uid_set(uids: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``1:3,7``."""
    ranges: list[str] = []
    start = prev = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        ranges.append(f"{start}:{prev}" if prev > start else str(start))
        if uid is not None:
            start = prev = uid
    return ",".join(ranges)


def _text(data: list[Any]) -> str:
    parts = [p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in data if p]
    return " ".join(parts).strip()


# --- the source ---


class ImapSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.options = _validated(config)
        self.host, port = _host_and_port(config, self.options)
        self.port = port or (993 if self.options.ssl == "tls" else 143)
        self.password = secret(config.options, "password", config.name)
        self.timeout_s = context.timeout_s
        self.permissions = FolderPermissions.from_options(self.options)
        self._tls = self._tls_context()  # built now: a bad ca_file is a configuration error
        self.listing_errors: list[tuple[str, str]] = []
        self._imap: imaplib.IMAP4 | None = None
        self._selected: tuple[str, int] | None = None  # (raw name, UIDVALIDITY)
        self._mailboxes: dict[str, Mailbox] = {}  # item path prefix -> mailbox
        self._lock = threading.RLock()

    # -- connection --

    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _tls_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(cafile=self.options.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"Source {self.name!r}: cannot load ca_file {self.options.ca_file} ({exc}); "
                "give a PEM file with the company CA certificate."
            ) from exc
        if not self.options.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> imaplib.IMAP4:
        if self._imap is not None:
            return self._imap
        imap = self._open()
        try:
            self._login(imap)
        except BaseException:
            self._drop(imap)
            raise
        self._imap, self._selected = imap, None
        return imap

    def _open(self) -> imaplib.IMAP4:
        try:
            if self.options.ssl == "tls":
                return imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=self._tls, timeout=self.timeout_s
                )
            imap = imaplib.IMAP4(self.host, self.port, timeout=self.timeout_s)
        except (OSError, imaplib.IMAP4.error) as exc:  # SSL errors are OSErrors
            raise self._connect_error(exc) from exc
        if self.options.ssl == "starttls":
            try:
                imap.starttls(ssl_context=self._tls)
            except (OSError, imaplib.IMAP4.error) as exc:
                with contextlib.suppress(OSError):
                    imap.shutdown()
                raise self._connect_error(exc) from exc
        return imap

    def _connect_error(self, exc: Exception) -> SourceError:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return SourceError(
                f"Source {self.name!r}: the TLS certificate of {self._where()} is not trusted "
                f"({exc.verify_message}). Set ca_file to the company CA, or verify_tls=false "
                "only on a trusted network."
            )
        return SourceError(
            f"Source {self.name!r}: cannot connect to the IMAP server {self._where()} ({exc}). "
            f"Check host, port and the ssl option ({self.options.ssl})."
        )

    def _login(self, imap: imaplib.IMAP4) -> None:
        user = self.options.username
        try:
            if "AUTH=PLAIN" in imap.capabilities:
                # PLAIN sends UTF-8 credentials (LOGIN cannot) and carries authorize_as.
                authzid = self.options.authorize_as or ""
                message = f"{authzid}\0{user}\0{self.password}".encode()
                imap.authenticate("PLAIN", lambda _challenge: message)
            elif self.options.authorize_as:
                raise SourceError(
                    f"Source {self.name!r}: {self._where()} does not offer AUTH=PLAIN, which "
                    "authorize_as needs; use the shared mailbox's own login instead."
                )
            else:
                imap.login(user, self.password)
        except (OSError, imaplib.IMAP4.abort) as exc:  # abort first: it is an IMAP4.error too
            raise SourceError(
                f"Source {self.name!r}: connection to {self._where()} lost during login ({exc})."
            ) from exc
        except imaplib.IMAP4.error as exc:
            target = f" as {self.options.authorize_as}" if self.options.authorize_as else ""
            raise SourceError(
                f"Source {self.name!r}: login failed for user {user!r}{target} at "
                f"{self._where()} ({exc}). Check username and password."
            ) from exc

    def _drop(self, imap: imaplib.IMAP4 | None = None) -> None:
        imap = imap or self._imap
        if imap is self._imap:
            self._imap, self._selected = None, None
        if imap is None:
            return
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            with contextlib.suppress(OSError):
                imap.shutdown()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _command(
        self, what: str, method: Callable[..., tuple[str, list[Any]]], *args: Any
    ) -> list[Any]:
        """Run one command; connection failures end the connection and raise SourceError,
        a NO/BAD answer raises _RefusedError with the server's text."""
        try:
            typ, data = method(*args)
        except imaplib.IMAP4.abort as exc:
            self._drop()
            raise SourceError(
                f"Source {self.name!r}: connection lost while {what} ({exc})."
            ) from exc
        except OSError as exc:
            self._drop()
            raise SourceError(f"Source {self.name!r}: network error while {what} ({exc}).") from exc
        except imaplib.IMAP4.error as exc:
            raise _RefusedError(str(exc)) from exc
        if typ != "OK":
            raise _RefusedError(_text(data) or typ)
        return data

    # -- folders --

    def _list_mailboxes(self) -> list[Mailbox]:
        imap = self._connect()
        try:
            data = self._command("listing folders", imap.list, '""', "*")
        except _RefusedError as exc:
            raise SourceError(
                f"Source {self.name!r}: the server refused to list folders ({exc})."
            ) from exc
        boxes = parse_list_response(data)
        self._mailboxes = {box.path: box for box in boxes}
        return boxes

    def _wanted(self, box: Mailbox) -> bool:
        if box.flags & {"\\noselect", "\\nonexistent"}:
            return False  # a hierarchy node only; its subfolders are listed on their own
        path = box.path
        if self.options.skip_trash_and_junk and self._is_trash_or_junk(box):
            return False
        if any(fnmatch.fnmatchcase(path, p) for p in self.options.exclude_folders):
            return False
        return any(fnmatch.fnmatchcase(path, p) for p in self.options.folders)

    @staticmethod
    def _is_trash_or_junk(box: Mailbox) -> bool:
        if box.flags & _SKIPPED_SPECIAL_USE:
            return True
        segments = box.path.split("/")
        if len(segments) > 1 and segments[0] == "INBOX":
            segments = segments[1:]  # Courier/Cyrus put every folder below INBOX
        return segments[0].casefold() in _SKIPPED_NAMES

    def _examine(self, box: Mailbox, fresh: bool = False) -> int:
        """Select read-only (EXAMINE, so nothing is marked seen); returns UIDVALIDITY.

        Reads reuse the selected folder; ``fresh`` selects again, because a folder that stays
        selected may not show mail that arrived since (the server syncs its view lazily)."""
        imap = self._connect()
        if not fresh and self._selected and self._selected[0] == box.raw:
            return self._selected[1]
        self._selected = None
        self._command(f"opening folder {box.path!r}", imap.select, _quoted(box.raw), True)
        _, values = imap.response("UIDVALIDITY")
        if not values or not values[0]:
            raise _RefusedError("the server sent no UIDVALIDITY")
        uidvalidity = int(values[0])
        self._selected = (box.raw, uidvalidity)
        return uidvalidity

    # -- Source protocol --

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        with self._lock:
            boxes = [box for box in self._list_mailboxes() if self._wanted(box)]
        for box in boxes:
            # One folder at a time under the lock, yielded after: a read between two FETCH
            # batches would select another folder on the shared connection.
            with self._lock:
                try:
                    items = list(self._list_folder(box))
                except _RefusedError as exc:
                    reason = f"cannot open the mail folder: {exc}; check the account's rights"
                    self.listing_errors.append((box.path, reason))
                    continue
            yield from items

    def _list_folder(self, box: Mailbox) -> Iterator[SourceItem]:
        imap = self._connect()
        uidvalidity = self._examine(box, fresh=True)
        data = self._command(f"searching {box.path!r}", imap.uid, "SEARCH", "ALL")
        uids = sorted({int(u) for line in data if line for u in line.split()})
        # None: the ACL map decides per item path instead of per folder.
        acl = None if self.config.acl_mode == "acl_map" else self.permissions.acl(box.path)
        for start in range(0, len(uids), _FETCH_BATCH):
            batch = uids[start : start + _FETCH_BATCH]
            response = self._command(
                f"listing mails in {box.path!r}",
                imap.uid,
                "FETCH",
                _uid_set(batch),
                "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
            )
            for fetched in _split_fetch_response(response):
                item = self._item(box, uidvalidity, fetched, acl)
                if item is not None:
                    yield item

    def _item(
        self, box: Mailbox, uidvalidity: int, fetched: _Fetched, acl: frozenset[str] | None
    ) -> SourceItem | None:
        meta = fetched.meta.decode("utf-8", "replace")
        uid_match = re.search(r"\bUID (\d+)", meta)
        if not uid_match:
            return None
        uid = int(uid_match[1])
        size_match = re.search(r"\bRFC822\.SIZE (\d+)", meta)
        date_match = re.search(r'\bINTERNALDATE "([^"]+)"', meta)
        modified = _internaldate(date_match[1]) if date_match else None
        subject = _subject(fetched.literals[0]) if fetched.literals else ""
        path = f"{box.path}/{_path_name(uid, subject)}"
        return SourceItem(
            path=path,
            size=int(size_match[1]) if size_match else -1,
            mtime_ns=int(modified.timestamp()) * 1_000_000_000 if modified else 0,
            acl=acl if acl is not None else acl_for(path, self.config.acl_map),
            modified=modified,
            version=f"{uidvalidity}:{uid}",
            title=subject or None,
        )

    def read(self, item: SourceItem) -> bytes:
        with self._lock:  # the sync reads on worker threads; IMAP is one conversation
            return self._read(item)

    def _read(self, item: SourceItem) -> bytes:
        folder = item.path.rpartition("/")[0]
        uidvalidity, _, uid = item.version.partition(":")
        if not (uidvalidity.isdigit() and uid.isdigit()):
            raise SourceError(
                f"Source {self.name!r}: {item.path} has no IMAP version (UIDVALIDITY:UID); "
                "it was not listed by this source."
            )
        box = self._mailboxes.get(folder)
        if box is None:
            self._list_mailboxes()
            box = self._mailboxes.get(folder)
        if box is None:
            raise SourceError(
                f"Source {self.name!r}: the mail folder {folder!r} no longer exists on "
                f"{self._where()}; the next sync removes its mails."
            )
        try:
            # A folder still selected from the last read may not show newer mail: on a miss,
            # select it again before giving up.
            for fresh in (False, True):
                current, data = self._fetch_body(box, int(uid), fresh)
                if data is not None and current == int(uidvalidity):
                    return data
        except _RefusedError as exc:
            raise SourceError(f"Source {self.name!r}: cannot read {item.path}: {exc}.") from exc
        if current != int(uidvalidity):
            raise SourceError(
                f"Source {self.name!r}: the folder {folder!r} was renumbered by the server "
                "(new UIDVALIDITY); the next sync lists its mails again."
            )
        raise SourceError(
            f"Source {self.name!r}: the mail {item.path} no longer exists (deleted or moved); "
            "the next sync removes it."
        )

    def _fetch_body(self, box: Mailbox, uid: int, fresh: bool) -> tuple[int, bytes | None]:
        imap = self._connect()
        uidvalidity = self._examine(box, fresh)
        data = self._command(
            f"reading mail {uid} in {box.path!r}", imap.uid, "FETCH", str(uid), "(BODY.PEEK[])"
        )
        for fetched in _split_fetch_response(data):
            if re.search(rb"\bUID %d\b" % uid, fetched.meta) and fetched.literals:
                return uidvalidity, fetched.literals[0]
        return uidvalidity, None


class _RefusedError(Exception):
    """The server answered NO or BAD: a folder-level problem, not a broken connection."""
