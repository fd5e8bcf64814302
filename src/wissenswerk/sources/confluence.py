"""Confluence pages and attachments, Cloud or Server/Data Center, via the REST API (v1).

Each sync lists every current page of the configured spaces (metadata, version, ancestors
and read restrictions in one paged request per ``page_size`` pages) and, optionally, every
attachment (one CQL search per space). Bodies are fetched only when the sync reads a page
whose version changed. A full metadata listing is what detects deleted pages and changed
restrictions, which a CQL ``lastmodified`` query reports neither of.

Pages become HTML documents ``<SPACE>/<page id>.html`` (the id keeps the path stable when
a page is renamed or moved; the title is the item title), attachments
``<SPACE>/<page id>/<file name>`` with the page's readers. Readers are computed in
``confluence_permissions.py``.

Authentication: Cloud uses basic auth with the account e-mail (``username``) and an API
token (``api_token``); Server/Data Center a personal access token (``token``, bearer).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wissenswerk.core.acl import EVERYONE, principal_for_group_token
from wissenswerk.core.errors import ConfigError, DirectoryError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for
from wissenswerk.sources.base import SourceContext, option_problems, secret
from wissenswerk.sources.confluence_permissions import (
    ConfluenceUserNaming,
    intersect_readers,
    known_users,
    subject_principals,
)
from wissenswerk.sources.http_retry import send_with_retry

log = logging.getLogger(__name__)

_SECRET_KEYS = ("api_token", "api_token_env", "api_token_file", "token", "token_env", "token_file")
_PAGE_EXPAND = (
    "version,ancestors,restrictions.read.restrictions.user,restrictions.read.restrictions.group"
)
# Attachment types the parsers handle; images, videos etc. would only produce errors.
DEFAULT_ATTACHMENT_TYPES = (
    "pdf", "docx", "xlsx", "pptx", "txt", "md", "csv", "html", "htm", "eml", "msg", "zip"
)  # fmt: skip


class ConfluenceAuthError(SourceError):
    """Confluence rejected the credentials: no space can be read, nothing is deleted."""


class ConfluenceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(None, description="Defaults to the source location")
    flavour: Literal["cloud", "datacenter"] | None = Field(
        None, description="Default: cloud for *.atlassian.net, else datacenter"
    )
    username: str | None = Field(None, description="Cloud: the account e-mail")
    spaces: list[str] = Field(min_length=1, description="Space keys to index")
    attachments: bool = True
    attachment_types: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTACHMENT_TYPES))
    page_size: int = Field(50, ge=1, le=250)
    user_name: ConfluenceUserNaming | None = Field(
        None, description="Default: email_local on Cloud, username on Server/Data Center"
    )
    anonymous_is_everyone: bool = True
    everyone_groups: list[str] = Field(
        default_factory=list, description="Groups meaning all users, e.g. confluence-users"
    )
    space_readers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per space key, readers to use when the API hides space permissions",
    )
    max_retries: int = Field(5, ge=0, le=20)


def parse_options(config: SourceConfig) -> ConfluenceOptions:
    options = {k: v for k, v in config.options.items() if k not in _SECRET_KEYS}
    try:
        parsed = ConfluenceOptions.model_validate(options)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(
            f"Source {config.name!r} (confluence): invalid options: {problems}."
        ) from exc
    parsed.base_url = (parsed.base_url or config.location).rstrip("/")
    if not parsed.base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"Source {config.name!r} (confluence) needs the Confluence URL as location or "
            "base_url, e.g. https://firma.atlassian.net/wiki."
        )
    if parsed.flavour is None:
        host = urlsplit(parsed.base_url).hostname or ""
        parsed.flavour = "cloud" if host.endswith(".atlassian.net") else "datacenter"
    if parsed.user_name is None:
        parsed.user_name = "email_local" if parsed.flavour == "cloud" else "username"
    return parsed


def _mtime(when: str | None) -> tuple[int, datetime | None]:
    if not when:
        return 0, None
    try:
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return 0, None
    return int(moment.timestamp() * 1_000_000_000), moment


def page_html(title: str, storage: str) -> bytes:
    """A page's storage-format body as an HTML document for the HTML parser."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title></head><body><h1>{html.escape(title)}</h1>{storage}</body></html>"
    ).encode()


class ConfluenceSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.options = parse_options(config)
        self.base_url = str(self.options.base_url)
        self.listing_errors: list[tuple[str, str]] = []
        self.directory = context.directory
        token = secret(config.options, "token", config.name, required=False)
        headers = {"Accept": "application/json"}
        auth: httpx.BasicAuth | None = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif self.options.username:
            auth = httpx.BasicAuth(
                self.options.username, secret(config.options, "api_token", config.name)
            )
        else:
            raise ConfigError(
                f"Source {config.name!r} (confluence) needs username and api_token (Cloud) "
                "or token (a personal access token, Server/Data Center)."
            )
        self._http = httpx.Client(
            timeout=context.timeout_s, headers=headers, auth=auth, follow_redirects=False
        )
        self._plain = httpx.Client(timeout=context.timeout_s, follow_redirects=True)
        self._downloads: dict[str, str] = {}  # attachment path -> download link
        self._known_users: dict[str, frozenset[str]] | None = None

    def close(self) -> None:
        self._http.close()
        self._plain.close()

    # -- HTTP ----------------------------------------------------------------------------

    def _url(self, link: str, base: str | None = None) -> str:
        if link.startswith(("http://", "https://")):
            return link
        return f"{(base or self.base_url).rstrip('/')}/{link.lstrip('/')}"

    def _get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        same_origin = urlsplit(url).netloc == urlsplit(self.base_url).netloc
        if not same_origin:
            # Never send our credentials to another host (e.g. a media/CDN redirect).
            return send_with_retry(
                self._plain,
                lambda: self._plain.build_request("GET", url, params=params),
                self.name,
                self.options.max_retries,
            )
        response = send_with_retry(
            self._http,
            lambda: self._http.build_request("GET", url, params=params),
            self.name,
            self.options.max_retries,
        )
        if response.is_redirect and "Location" in response.headers:
            target = str(response.url.join(response.headers["Location"]))
            response.close()
            return self._get(target)
        return response

    def _fail(self, response: httpx.Response, what: str) -> SourceError:
        status = response.status_code
        if status == 401:
            hint = (
                "Confluence rejected the credentials: check username and api_token (Cloud) "
                "or the personal access token (Server/Data Center)."
            )
        elif status == 403:
            hint = "The account may not read this; give it view permission."
        elif status == 404:
            hint = "It does not exist or the account cannot see it; check the space key."
        else:
            hint = "The sync tries again later."
        message = f"Source {self.name!r}: cannot read {what} (HTTP {status}). {hint}"
        return ConfluenceAuthError(message) if status == 401 else SourceError(message)

    def _json(self, url: str, what: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._get(url, params)
        if response.status_code != 200:
            raise self._fail(response, what)
        body = response.json()
        if not isinstance(body, dict):
            raise SourceError(f"Source {self.name!r}: Confluence sent no JSON object for {what}.")
        return body

    def _results(self, path: str, params: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Every result of a paged collection, following ``_links.next`` (relative to
        ``_links.base``, which includes the context path)."""
        url: str | None = self._url(path)
        query: dict[str, Any] | None = params
        while url:
            body = self._json(url, what, query)
            query = None
            yield from body.get("results", [])
            links = body.get("_links", {})
            url = self._url(links["next"], links.get("base")) if links.get("next") else None

    # -- permissions ---------------------------------------------------------------------

    def _principals(self, users: list[Any], groups: list[Any]) -> frozenset[str]:
        assert self.options.user_name is not None
        return frozenset(
            subject_principals(
                users, groups, self.options.user_name, frozenset(self.options.everyone_groups)
            )
        )

    def _space_readers(self, key: str) -> frozenset[str] | None:
        if key in self.options.space_readers:
            return frozenset(map(principal_for_group_token, self.options.space_readers[key]))
        space = self._json(
            self._url(f"/rest/api/space/{key}"), f"the space {key}", {"expand": "permissions"}
        )
        readers: set[str] = set()
        seen = False
        for permission in space.get("permissions") or ():
            operation = permission.get("operation") or {}
            if operation.get("operation") != "read" or operation.get("targetType") != "space":
                continue
            seen = True
            if permission.get("anonymousAccess") and self.options.anonymous_is_everyone:
                readers.add(EVERYONE)
            subjects = permission.get("subjects") or {}
            readers |= self._principals(
                (subjects.get("user") or {}).get("results", []),
                (subjects.get("group") or {}).get("results", []),
            )
        return frozenset(readers) if seen else None

    def _restriction(self, content: dict[str, Any]) -> frozenset[str] | None:
        """A page's own read restriction as principals; None when it has none."""
        read = ((content.get("restrictions") or {}).get("read") or {}).get("restrictions") or {}
        users = (read.get("user") or {}).get("results", [])
        groups = (read.get("group") or {}).get("results", [])
        if not users and not groups:
            return None
        return self._principals(users, groups)

    def _ancestor_restriction(
        self, page_id: str, cache: dict[str, frozenset[str] | None]
    ) -> frozenset[str] | None:
        if page_id not in cache:
            content = self._json(
                self._url(f"/rest/api/content/{page_id}"),
                f"the restrictions of page {page_id}",
                {"expand": _PAGE_EXPAND},
            )
            cache[page_id] = self._restriction(content)
        return cache[page_id]

    def _users(self) -> dict[str, frozenset[str]]:
        if self._known_users is None:
            self._known_users = {}
            if self.directory is not None:
                try:
                    self._known_users = known_users(
                        (u.name, u.groups) for u in self.directory.users() if u.active
                    )
                except DirectoryError as exc:
                    log.warning("Source %s: directory unavailable (%s)", self.name, exc)
        return self._known_users

    # -- listing -------------------------------------------------------------------------

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        self._downloads = {}
        items: list[SourceItem] = []
        reachable = False
        for key in self.options.spaces:
            try:
                items.extend(self._space_items(key))
                reachable = True
            except ConfluenceAuthError:
                raise
            except SourceError as exc:
                self.listing_errors.append((key, str(exc)))
        if not reachable:
            raise SourceError(
                f"Source {self.name!r}: no space could be listed "
                f"({'; '.join(r for _, r in self.listing_errors)})."
            )
        yield from items

    def _space_items(self, key: str) -> list[SourceItem]:
        space_readers: frozenset[str] | None = frozenset()
        if self.config.acl_mode != "acl_map":
            space_readers = self._space_readers(key)
            if space_readers is None:
                raise SourceError(
                    f"Source {self.name!r}: Confluence does not show the permissions of space "
                    f"{key} to this account; give it space admin rights or set the option "
                    f"space_readers for {key}."
                )
        pages = list(
            self._results(
                "/rest/api/content",
                {
                    "spaceKey": key,
                    "type": "page",
                    "status": "current",
                    "expand": _PAGE_EXPAND,
                    "limit": self.options.page_size,
                    "start": 0,
                },
                f"the pages of space {key}",
            )
        )
        restrictions = {str(p["id"]): self._restriction(p) for p in pages}
        found: list[SourceItem] = []
        page_acls: dict[str, frozenset[str]] = {}
        for page in pages:
            page_id = str(page["id"])
            path = f"{key}/{page_id}.html"
            if self.config.acl_mode == "acl_map":
                acl = acl_for(path, self.config.acl_map)
            else:
                assert space_readers is not None
                sets = [space_readers]
                for ancestor in page.get("ancestors") or ():
                    found_restriction = self._ancestor_restriction(
                        str(ancestor["id"]), restrictions
                    )
                    if found_restriction is not None:
                        sets.append(found_restriction)
                own = restrictions[page_id]
                if own is not None:
                    sets.append(own)
                acl = intersect_readers(sets, self._users() if len(sets) > 1 else None)
            page_acls[page_id] = acl
            version = page.get("version") or {}
            mtime_ns, modified = _mtime(version.get("when"))
            links = page.get("_links") or {}
            found.append(
                SourceItem(
                    path=path,
                    size=-1,
                    mtime_ns=mtime_ns,
                    acl=acl,
                    modified=modified,
                    version=str(version.get("number", "")),
                    url=self._url(links["webui"]) if links.get("webui") else None,
                    title=str(page.get("title") or page_id),
                )
            )
        if self.options.attachments:
            found.extend(self._attachments(key, page_acls))
        return found

    def _attachments(self, key: str, page_acls: dict[str, frozenset[str]]) -> list[SourceItem]:
        wanted = {t.lower().lstrip(".") for t in self.options.attachment_types}
        found = []
        for attachment in self._results(
            "/rest/api/content/search",
            {
                "cql": f'space="{key}" and type=attachment',
                "expand": "version,container",
                "limit": self.options.page_size,
                "start": 0,
            },
            f"the attachments of space {key}",
        ):
            page_id = str((attachment.get("container") or {}).get("id", ""))
            filename = str(attachment.get("title") or "")
            extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
            if page_id not in page_acls or extension not in wanted or "/" in filename:
                continue  # blog post attachments, unsupported types
            path = f"{key}/{page_id}/{filename}"
            links = attachment.get("_links") or {}
            if links.get("download"):
                self._downloads[path] = str(links["download"])
            version = attachment.get("version") or {}
            mtime_ns, modified = _mtime(version.get("when"))
            size = (attachment.get("extensions") or {}).get("fileSize")
            found.append(
                SourceItem(
                    path=path,
                    size=int(size) if isinstance(size, int) else -1,
                    mtime_ns=mtime_ns,
                    acl=page_acls[page_id],
                    modified=modified,
                    version=str(version.get("number", "")),
                    url=self._url(links["webui"]) if links.get("webui") else None,
                    title=filename,
                )
            )
        return found

    # -- reading -------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        parts = item.path.split("/")
        if len(parts) == 2 and parts[1].endswith(".html"):
            page_id = parts[1].removesuffix(".html")
            page = self._json(
                self._url(f"/rest/api/content/{page_id}"),
                f"page {item.path}",
                {"expand": "body.storage,version"},
            )
            storage = ((page.get("body") or {}).get("storage") or {}).get("value", "")
            return page_html(str(page.get("title") or page_id), str(storage))
        if len(parts) != 3:
            raise SourceError(f"Source {self.name!r}: {item.path} is no Confluence item path.")
        link = self._downloads.get(item.path) or self._download_link(parts[1], parts[2])
        response = self._get(self._url(link))
        if response.status_code != 200:
            raise self._fail(response, f"attachment {item.path}")
        return response.content

    def _download_link(self, page_id: str, filename: str) -> str:
        results = self._json(
            self._url(f"/rest/api/content/{page_id}/child/attachment"),
            f"the attachment {filename} of page {page_id}",
            {"filename": filename},
        ).get("results", [])
        if not results or not (results[0].get("_links") or {}).get("download"):
            raise SourceError(
                f"Source {self.name!r}: attachment {filename} of page {page_id} is gone; the "
                "next sync removes it."
            )
        return str(results[0]["_links"]["download"])
