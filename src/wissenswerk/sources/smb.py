"""A Windows file share read directly over SMB2/3, with its NTFS permissions (no mount).

Each file's security descriptor is queried over SMB and turned into an ACL by
``sources.ntfs_acl`` (read allowed → principal, read denied → ``deny:principal``); SIDs are
resolved through the directory (LDAP/AD) once per listing. The server reports each file's
effective DACL, inherited entries included, so folders above a file are not consulted:
Windows grants "bypass traverse checking" to everyone by default.

Security descriptors are not cached between listings: neither NTFS nor Samba reliably
changes a file's change time when only its ACL changes, and a stale ACL could show a file
to someone who may no longer read it. Instead a listing fetches them cheaply: open + query
+ close travel as one compound request, many files are in flight at once, and identical
descriptors (most files inherit theirs) are converted once.

Options (``SourceConfig.options``): ``server``, ``share``, ``path`` (a folder in the share),
``port`` (445), ``username``, ``domain``, ``password`` (or ``password_env`` /
``password_file``), ``auth`` (negotiate | ntlm | kerberos), ``encrypt`` (SMB3 encryption,
default on), ``require_signing`` (default on), ``include`` / ``exclude`` (glob patterns on
the path inside the source, case-insensitive). ``server``/``share``/``path`` may instead
come from the location, ``smb://server/share/path`` or ``\\\\server\\share\\path``.
With ``acl_mode = "acl_map"`` permissions come from the ACL map instead of NTFS.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from smbprotocol.exceptions import (
    BadNetworkName,
    SMBAuthenticationError,
    SMBConnectionClosed,
    SMBException,
)

from wissenswerk.core.directory import Directory
from wissenswerk.core.errors import ConfigError, DirectoryError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for, normalise_path
from wissenswerk.sources.base import SourceContext, option_problems, secret
from wissenswerk.sources.ntfs_acl import (
    ReadAcl,
    SecurityDescriptor,
    SecurityDescriptorError,
    parse_security_descriptor,
    read_acl,
    referenced_sids,
)
from wissenswerk.sources.smb_client import DirEntry, SmbShare, reason

log = logging.getLogger(__name__)

_SKIP_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "$recycle.bin"})
_SKIP_PREFIXES = ("~$", ".~lock.", "._", ".")
_BATCH = 256  # files per folder whose descriptors are fetched and resolved together


class SmbOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server: str = Field(min_length=1)
    share: str = Field(min_length=1)
    path: str = ""
    port: int = Field(445, ge=1, le=65535)
    username: str | None = None
    domain: str = ""
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    auth: Literal["negotiate", "ntlm", "kerberos"] = "negotiate"
    encrypt: bool = True
    require_signing: bool = True
    include: list[str] = Field(default_factory=lambda: ["*"])
    exclude: list[str] = Field(default_factory=list)


def _from_location(location: str) -> dict[str, Any]:
    """server/share/path (and port) from ``smb://server/share/path`` or ``\\\\server\\share``."""
    text = location.strip()
    if text.startswith("\\\\"):
        text = "smb://" + text[2:].replace("\\", "/")
    parts = urlsplit(text)
    if parts.scheme != "smb" or not parts.hostname:
        return {}
    share, _, path = parts.path.strip("/").partition("/")
    found: dict[str, Any] = {"server": parts.hostname, "share": share, "path": path}
    if parts.port:
        found["port"] = parts.port
    return {k: v for k, v in found.items() if v}


def parse_options(config: SourceConfig) -> SmbOptions:
    merged = {**_from_location(config.location), **config.options}
    try:
        return SmbOptions.model_validate(merged)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(
            f"Source {config.name!r}: bad SMB options ({problems}). Needed: server and share "
            "(or a location like smb://server/share/folder), username and password."
        ) from exc


def _skip(name: str) -> bool:
    return name.lower() in _SKIP_NAMES or name.startswith(_SKIP_PREFIXES)


@dataclass
class _Listing:
    """What one listing learns once and reuses: SID names and converted descriptors."""

    principals: dict[str, str] = field(default_factory=dict)  # SID → principal
    asked: set[str] = field(default_factory=set)  # SIDs already sent to the directory
    acls: dict[bytes, ReadAcl] = field(default_factory=dict)  # raw descriptor → ACL
    unresolved: set[str] = field(default_factory=set)


class SmbSource:
    """Lists and reads one share (or a folder in it) with the rights of one account."""

    def __init__(
        self,
        config: SourceConfig,
        options: SmbOptions,
        password: str,
        directory: Directory | None,
        timeout_s: float = 30.0,
    ) -> None:
        self.name = config.name
        self.config = config
        self.options = options
        self._password = password
        self._directory = directory
        self._timeout_s = timeout_s
        self._root = options.path.strip("/\\").replace("/", "\\")
        self.listing_errors: list[tuple[str, str]] = []
        self.unresolved_sids: frozenset[str] = frozenset()  # of the last listing
        self._share: SmbShare | None = None

    # -- connection ------------------------------------------------------------------------

    @property
    def _account(self) -> str:
        user = self.options.username or ""
        return f"{self.options.domain}\\{user}" if self.options.domain and user else user

    def _connect(self) -> SmbShare:
        if self._share is not None:
            return self._share
        opts = self.options
        unc = f"\\\\{opts.server}\\{opts.share}"
        try:
            self._share = SmbShare(
                opts.server,
                opts.port,
                opts.share,
                self._account or None,
                self._password or None,
                encrypt=opts.encrypt,
                require_signing=opts.require_signing,
                auth=opts.auth,
                timeout_s=self._timeout_s,
            )
        except (ValueError, OSError) as exc:  # smbprotocol: ValueError("Failed to connect...")
            raise SourceError(
                f"Source {self.name!r}: cannot reach the SMB server {opts.server}:{opts.port} "
                f"({exc}). Check the server name, the port and the firewall."
            ) from exc
        except BadNetworkName as exc:
            raise SourceError(
                f"Source {self.name!r}: the share {unc} does not exist. Check the option "
                "share (the share's name; a folder inside it goes into the option path)."
            ) from exc
        except (SMBAuthenticationError, SMBException) as exc:
            if "encrypt" in str(exc).lower():
                hint = "The server offers no SMB3 encryption: set the option encrypt to false."
            else:
                hint = "Check username, domain and password (or password_env / password_file)."
            who = self._account or "the current Kerberos ticket"
            raise SourceError(
                f"Source {self.name!r}: the SMB server {opts.server} refused the login of "
                f"{who} to {unc} ({reason(exc)}). {hint}"
            ) from exc
        return self._share

    def close(self) -> None:
        share, self._share = self._share, None
        if share is not None:
            try:
                share.close()
            except (SMBException, OSError):  # the server may be gone; the socket is closed
                log.debug("SMB disconnect from %s failed", self.options.server, exc_info=True)

    # -- listing ---------------------------------------------------------------------------

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        share = self._connect()
        listing = _Listing()
        try:
            try:
                root_entries = share.list_folder(self._root)
            except SMBConnectionClosed:
                raise
            except SMBException as exc:
                raise SourceError(
                    f"Source {self.name!r}: cannot list {share.unc}\\{self._root} "
                    f"({reason(exc)}). Check the option path and the account's rights. "
                    "Nothing was changed in the index."
                ) from exc
            yield from self._walk(share, "", root_entries, listing)
        except SourceError:
            raise
        except (SMBConnectionClosed, OSError) as exc:
            self.close()  # unusable now; the next call reconnects
            raise SourceError(
                f"Source {self.name!r}: lost the connection to {self.options.server} while "
                f"listing ({exc}). Nothing was changed in the index; the next sync retries."
            ) from exc
        self.unresolved_sids = frozenset(listing.unresolved)
        if listing.unresolved:
            log.warning(
                "Source %r: %d SIDs in NTFS permissions are unknown to the directory and "
                "grant nothing (e.g. %s). Check the directory's base DN and trusts.",
                self.name,
                len(listing.unresolved),
                ", ".join(sorted(listing.unresolved)[:5]),
            )

    def _smb_path(self, rel: str) -> str:
        rel = rel.replace("/", "\\")
        if not self._root:
            return rel
        return f"{self._root}\\{rel}" if rel else self._root

    def _walk(
        self, share: SmbShare, rel: str, entries: list[DirEntry], listing: _Listing
    ) -> Iterator[SourceItem]:
        files: list[tuple[str, DirEntry]] = []
        folders: list[str] = []
        for entry in entries:
            child = normalise_path(f"{rel}/{entry.name}" if rel else entry.name)
            if not self._wanted(child, entry.is_dir):
                continue
            if entry.is_dir:
                folders.append(child)
            else:
                files.append((child, entry))
        for start in range(0, len(files), _BATCH):
            yield from self._items(share, files[start : start + _BATCH], listing)
        for child in folders:
            try:
                sub_entries = share.list_folder(self._smb_path(child))
            except SMBConnectionClosed:
                raise
            except SMBException as exc:
                # The sync keeps what is indexed below a folder it could not list.
                self.listing_errors.append(
                    (child, f"cannot list folder: {reason(exc)}; check the account's rights")
                )
                continue
            yield from self._walk(share, child, sub_entries, listing)

    def _wanted(self, path: str, is_dir: bool) -> bool:
        if _skip(path.rpartition("/")[2]):
            return False
        lower = path.lower()
        if any(fnmatchcase(lower, p.lower()) for p in self.options.exclude):
            return False
        return is_dir or any(fnmatchcase(lower, p.lower()) for p in self.options.include)

    def _items(
        self, share: SmbShare, files: list[tuple[str, DirEntry]], listing: _Listing
    ) -> Iterator[SourceItem]:
        if self.config.acl_mode == "acl_map":
            acls = {path: acl_for(path, self.config.acl_map) for path, _ in files}
        else:
            acls = self._ntfs_acls(share, [path for path, _ in files], listing)
        for path, entry in files:
            acl = acls.get(path)
            if acl is None:
                continue  # permissions unreadable: never index what we cannot protect
            yield SourceItem(
                path=path,
                size=entry.size,
                mtime_ns=entry.mtime_ns,
                acl=acl,
                modified=datetime.fromtimestamp(entry.mtime_ns / 1e9, tz=UTC),
                version=str(entry.change_ns),
                url=self._url(path),
            )

    def _url(self, path: str) -> str:
        full = "/".join(p for p in (self.options.share, self._root.replace("\\", "/"), path) if p)
        return f"file://{self.options.server}/{quote(full)}"

    # -- permissions -----------------------------------------------------------------------

    def _ntfs_acls(
        self, share: SmbShare, paths: list[str], listing: _Listing
    ) -> dict[str, frozenset[str]]:
        answers = share.security_descriptors(self._smb_path(p) for p in paths)
        raw: dict[str, bytes] = {}
        fresh: dict[bytes, SecurityDescriptor] = {}
        for path in paths:
            answer = answers[self._smb_path(path)]
            if isinstance(answer, SMBException):
                log.warning(
                    "Source %r: cannot read the permissions of %s (%s); it is not indexed "
                    "until the account may read them.",
                    self.name,
                    path,
                    reason(answer),
                )
                continue
            raw[path] = answer
            if answer in listing.acls or answer in fresh:
                continue
            try:
                fresh[answer] = parse_security_descriptor(answer)
            except SecurityDescriptorError as exc:
                log.warning(
                    "Source %r: %s has a malformed security descriptor (%s); it is not indexed.",
                    self.name,
                    path,
                    exc,
                )
        wanted = set().union(*(referenced_sids(sd) for sd in fresh.values())) - listing.asked
        self._resolve(wanted, listing)
        for data, sd in fresh.items():
            converted = listing.acls[data] = read_acl(sd, listing.principals)
            listing.unresolved |= converted.unresolved
        return {path: listing.acls[data].acl for path, data in raw.items() if data in listing.acls}

    def _resolve(self, sids: set[str], listing: _Listing) -> None:
        listing.asked |= sids
        if not sids or self._directory is None:
            return  # without a directory only universal SIDs (Everyone, ...) have names
        try:
            listing.principals.update(self._directory.resolve_sids(sorted(sids)))
        except DirectoryError as exc:
            # Without names every ACL would grant nothing and the sync would hide everything.
            raise SourceError(
                f"Source {self.name!r}: cannot resolve the SIDs in NTFS permissions: {exc}"
            ) from exc

    # -- reading ---------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        share = self._connect()
        try:
            return share.read_file(self._smb_path(item.path))
        except SMBConnectionClosed as exc:
            self.close()
            raise SourceError(
                f"Source {self.name!r}: lost the connection while reading {item.path} ({exc})."
            ) from exc
        except (SMBException, OSError) as exc:
            raise SourceError(
                f"Source {self.name!r}: cannot read {item.path} as {self._account} ({reason(exc)})."
            ) from exc


def smb_source(config: SourceConfig, context: SourceContext) -> SmbSource:
    """The factory for kind ``smb``."""
    options = parse_options(config)
    password = secret(config.options, "password", config.name, required=options.auth != "kerberos")
    if config.acl_mode != "acl_map" and context.directory is None:
        raise ConfigError(
            f"Source {config.name!r} reads NTFS permissions, which name Windows SIDs: configure "
            "the directory (WISSENSWERK_DIRECTORY__URL, __BASE_DN, __BIND_DN, __BIND_PASSWORD) "
            "so they resolve to users and groups, or give the source an ACL map instead."
        )
    return SmbSource(config, options, password, context.directory, context.timeout_s)
