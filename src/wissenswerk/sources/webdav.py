"""WebDAV folders: Nextcloud/ownCloud, SharePoint Server and any server speaking RFC 4918.

Options example: ``{"url": "https://cloud.firma.de/remote.php/dav/files/anna/Dokumente/",
"username": "anna", "password_env": "NEXTCLOUD_APP_PASSWORD", "readers": ["group:vertrieb"],
"path_readers": {"Personal": ["group:personal"]}, "exclude": ["*.tmp"]}``. Readers follow the
ACL-map rule (longest path prefix wins, ``readers`` is the root's rule); with
``acl_mode="acl_map"`` the source's ACL map decides instead. No readers means nobody.

The walk asks one folder at a time (``PROPFIND`` with ``Depth: 1``), because many servers,
Nextcloud among them, refuse ``Depth: infinity``. The ETag is the item's version. Nextcloud's
``oc:permissions`` and ``oc:share-types`` describe the login's own rights, not who else may
read a file, so they are not used for permissions.
"""

from __future__ import annotations

import fnmatch
import logging
import ssl
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree as SafeXml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wissenswerk.core.acl import principal_for_group_token
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import AclRules, acl_for, normalise_path
from wissenswerk.sources.base import SourceContext, option_problems, secret

log = logging.getLogger(__name__)

DAV = "{DAV:}"
_PROPFIND_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<d:propfind xmlns:d="DAV:"><d:prop>'
    b"<d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/>"
    b"</d:prop></d:propfind>"
)
_MAX_REDIRECTS = 5
_MAX_DEPTH = 64  # a server that links a folder into itself must not walk us forever
_SKIP_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_SKIP_PREFIXES = (".", "~$", "._")  # hidden files, Office lock files, macOS metadata


class WebDavOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="The collection to index; defaults to location.")
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    auth: Literal["basic", "digest"] = "basic"
    verify_tls: bool = True
    ca_file: str | None = Field(None, description="CA bundle for a company CA (PEM).")
    readers: list[str] = Field(default_factory=list)
    path_readers: dict[str, list[str]] = Field(default_factory=dict)
    include: list[str] = Field(default_factory=lambda: ["*"], description="Path globs.")
    exclude: list[str] = Field(default_factory=list, description="Path globs (files, folders).")
    max_file_mb: float = Field(512, gt=0, description="Larger downloads are refused.")


def _validated(config: SourceConfig) -> WebDavOptions:
    try:
        return WebDavOptions.model_validate(dict(config.options))
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(f"Source {config.name!r} (webdav): invalid options: {problems}.") from exc


def reader_rules(options: WebDavOptions) -> AclRules:
    """``readers`` and ``path_readers`` as ACL-map rules (prefix, principals)."""
    rules = {"": options.readers}
    rules.update({normalise_path(p): r for p, r in options.path_readers.items()})
    return tuple(
        sorted(
            (prefix, tuple(sorted({principal_for_group_token(t) for t in tokens if t.strip()})))
            for prefix, tokens in rules.items()
        )
    )


def _etag(value: str | None) -> str:
    value = (value or "").strip()
    return value.removeprefix("W/").strip('"')


def _modified(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _skip(name: str) -> bool:
    return name.lower() in _SKIP_NAMES or name.startswith(_SKIP_PREFIXES)


class _FolderError(Exception):
    """A folder could not be listed (HTTP error, bad XML): recorded, the walk goes on."""


class _Entry:
    __slots__ = ("collection", "etag", "href", "modified", "size")

    def __init__(self, href: str, props: Element | None) -> None:
        self.href = href
        self.collection = False
        self.size = -1
        self.modified: datetime | None = None
        self.etag = ""
        if props is None:
            return
        kind = props.find(f"{DAV}resourcetype")
        self.collection = kind is not None and kind.find(f"{DAV}collection") is not None
        length = (props.findtext(f"{DAV}getcontentlength") or "").strip()
        self.size = int(length) if length.isdigit() else -1
        self.modified = _modified(props.findtext(f"{DAV}getlastmodified"))
        self.etag = _etag(props.findtext(f"{DAV}getetag"))


def parse_multistatus(body: bytes) -> list[_Entry]:
    """The members of a 207 Multi-Status answer with their successfully returned props."""
    try:
        root = SafeXml.fromstring(body)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise _FolderError(f"the server's answer is not valid XML ({exc})") from exc
    if root.tag != f"{DAV}multistatus":
        raise _FolderError(f"the server's answer is not a WebDAV multistatus ({root.tag})")
    entries: list[_Entry] = []
    for response in root.findall(f"{DAV}response"):
        href = (response.findtext(f"{DAV}href") or "").strip()
        if not href:
            continue
        status = response.findtext(f"{DAV}status")
        if status and " 200 " not in f"{status} ":
            log.info("WebDAV member %s answered %s; skipped", href, status.strip())
            continue
        props: Element | None = None
        for propstat in response.findall(f"{DAV}propstat"):
            if " 200" in (propstat.findtext(f"{DAV}status") or ""):
                props = propstat.find(f"{DAV}prop")
                break
        entries.append(_Entry(href, props))
    return entries


class WebDavSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.options = _validated(config)
        url = (self.options.url or config.location).strip()
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ConfigError(
                f"Source {config.name!r} (webdav): {url!r} is not an http(s) URL; give the "
                "folder's WebDAV address, e.g. https://cloud.firma.de/remote.php/dav/files/"
                "anna/Dokumente/."
            )
        self.root_url = url if url.endswith("/") else url + "/"
        self.rules = config.acl_map if config.acl_mode == "acl_map" else reader_rules(self.options)
        self.max_bytes = int(self.options.max_file_mb * 1024 * 1024)
        self.listing_errors: list[tuple[str, str]] = []
        self._hrefs: dict[str, str] = {}  # item path -> URL as the server spelled it
        self._auth = self._make_auth()
        self._timeout_s = context.timeout_s
        self._verify = self._tls()
        self._http: httpx.Client | None = None
        self._http_lock = threading.Lock()  # the sync reads on worker threads

    @property
    def _client(self) -> httpx.Client:
        """Opened on first use, so that a closed source can be used again (the sync closes it
        after every run)."""
        with self._http_lock:
            if self._http is None:
                self._http = httpx.Client(
                    auth=self._auth,
                    verify=self._verify,
                    timeout=self._timeout_s,
                    headers={"User-Agent": "wissenswerk"},
                    follow_redirects=False,
                )
            return self._http

    def _make_auth(self) -> httpx.Auth | None:
        user = self.options.username
        if not user:
            return None  # a public share
        password = secret(self.config.options, "password", self.name)
        if self.options.auth == "digest":
            return httpx.DigestAuth(user, password)
        return httpx.BasicAuth(user, password)

    def _tls(self) -> ssl.SSLContext | bool:
        if not self.options.verify_tls:
            return False
        try:
            return ssl.create_default_context(cafile=self.options.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"Source {self.name!r}: cannot load ca_file {self.options.ca_file} ({exc}); "
                "give a PEM file with the company CA certificate."
            ) from exc

    def close(self) -> None:
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    # -- paths --

    @property
    def _root_path(self) -> str:
        return unquote(urlsplit(self.root_url).path)

    def _relative(self, url: str) -> str | None:
        """The item path of an absolute URL below the root, or None outside it."""
        path = unquote(urlsplit(url).path)
        root = self._root_path
        if path.rstrip("/") == root.rstrip("/"):
            return ""
        if not path.startswith(root):
            return None
        relative = unicodedata.normalize("NFC", path[len(root) :].strip("/"))
        if any(part in ("", ".", "..") for part in relative.split("/")):
            return None
        return relative

    def _url_for(self, path: str) -> str:
        return self._hrefs.get(path) or urljoin(self.root_url, quote(path, safe="/"))

    def _excluded(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, p) for p in self.options.exclude)

    # -- HTTP --

    def _fail_login(self, url: str, status: int) -> SourceError:
        who = f"user {self.options.username!r}" if self.options.username else "anonymous access"
        return SourceError(
            f"Source {self.name!r}: login failed for {who} at {url} (HTTP {status}). Check "
            "username and password; with two-factor authentication (Nextcloud, ownCloud) use "
            "an app password."
        )

    def _transport_error(self, url: str, exc: httpx.TransportError) -> str:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return (
                f"the TLS certificate of {urlsplit(url).netloc} is not trusted ({text}); set "
                "ca_file to the company CA, or verify_tls=false only on a trusted network"
            )
        return f"cannot reach {url} ({type(exc).__name__}: {text or 'no details'})"

    def _propfind(self, url: str) -> tuple[str, list[_Entry]]:
        """One folder's members; follows same-server redirects (PROPFIND must stay PROPFIND)."""
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                response = self._client.request(
                    "PROPFIND",
                    url,
                    content=_PROPFIND_BODY,
                    headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
                )
            except httpx.TransportError as exc:
                raise _FolderError(self._transport_error(url, exc)) from exc
            if response.status_code == 401:
                raise self._fail_login(url, 401)
            if response.is_redirect and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                if urlsplit(target)[:2] != urlsplit(url)[:2]:
                    raise _FolderError(
                        f"redirected to another server ({target}); set url to the final address"
                    )
                url = target
                continue
            if response.status_code != 207:
                raise _FolderError(
                    f"cannot list folder: HTTP {response.status_code} {response.reason_phrase}"
                )
            return url, parse_multistatus(response.content)
        raise _FolderError(f"more than {_MAX_REDIRECTS} redirects")

    # -- Source protocol --

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        self._hrefs = {}
        try:
            final_url, entries = self._propfind(self.root_url)
        except _FolderError as exc:
            raise SourceError(
                f"Source {self.name!r}: cannot list {self.root_url}: {exc}. Nothing was "
                "changed in the index; check the URL and that the server is reachable."
            ) from exc
        if final_url != self.root_url:
            log.info("Source %s: %s redirects to %s", self.name, self.root_url, final_url)
            self.root_url = final_url if final_url.endswith("/") else final_url + "/"
        pending: list[tuple[str, list[_Entry], int]] = [("", entries, 0)]
        seen = {""}
        while pending:
            folder, entries, depth = pending.pop()
            subfolders: list[tuple[str, str]] = []
            for entry in sorted(entries, key=lambda e: e.href):
                url = urljoin(self.root_url, entry.href)
                path = self._relative(url)
                if not path or path == folder or _skip(path.rsplit("/", 1)[-1]):
                    continue
                if self._excluded(path):
                    continue
                if entry.collection:
                    if path not in seen and depth < _MAX_DEPTH:
                        seen.add(path)
                        subfolders.append((path, url if url.endswith("/") else url + "/"))
                    continue
                if not any(fnmatch.fnmatchcase(path, p) for p in self.options.include):
                    continue
                self._hrefs[path] = url
                yield self._item(path, url, entry)
            for path, url in reversed(subfolders):
                try:
                    _, children = self._propfind(url)
                except _FolderError as exc:
                    # Not fatal: the sync keeps what it indexed below this folder.
                    self.listing_errors.append((path, str(exc)))
                    continue
                pending.append((path, children, depth + 1))

    def _item(self, path: str, url: str, entry: _Entry) -> SourceItem:
        modified = entry.modified
        return SourceItem(
            path=path,
            size=entry.size,
            mtime_ns=int(modified.timestamp()) * 1_000_000_000 if modified else 0,
            acl=acl_for(path, self.rules),
            modified=modified,
            version=entry.etag,
            url=url,
        )

    def read(self, item: SourceItem) -> bytes:
        url = self._url_for(item.path)
        try:
            with self._client.stream("GET", url, follow_redirects=True) as response:
                return self._body(item, url, response)
        except httpx.TransportError as exc:
            raise SourceError(
                f"Source {self.name!r}: cannot read {item.path}: {self._transport_error(url, exc)}."
            ) from exc

    def _body(self, item: SourceItem, url: str, response: httpx.Response) -> bytes:
        if response.status_code == 401:
            raise self._fail_login(url, 401)
        if response.status_code in (404, 410):
            raise SourceError(
                f"Source {self.name!r}: {item.path} no longer exists on the server (HTTP "
                f"{response.status_code}); the next sync removes it."
            )
        if response.status_code != 200:
            raise SourceError(
                f"Source {self.name!r}: cannot read {item.path}: HTTP {response.status_code} "
                f"{response.reason_phrase}."
            )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(item)
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise self._too_large(item)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, item: SourceItem) -> SourceError:
        return SourceError(
            f"Source {self.name!r}: {item.path} is larger than {self.options.max_file_mb:g} MB "
            "(option max_file_mb); it was not downloaded."
        )
