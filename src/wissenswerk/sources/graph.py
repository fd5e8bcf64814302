"""Microsoft 365: SharePoint Online document libraries and OneDrive for Business, read
through Microsoft Graph with an app registration (client credentials).

Listing uses the drive delta feed: the first sync enumerates each drive, later syncs fetch
only what changed since the stored ``@odata.deltaLink`` and merge it into the remembered
item tree (``graph_state.py``), so every listing still yields the complete current set.
A 410 Gone (delta token expired) starts a fresh enumeration that replaces the tree.

Permissions are read per item (``/permissions``), but only for items the delta feed
reports (new, changed, moved, or sharing changed: we ask for
``Prefer: deltashowsharingchanges``), for descendants of a folder whose readers changed,
and for all items every ``permissions_rescan_hours`` as a safety net. A descendant whose
permissions Graph marks as all inherited (``inheritedFrom``) takes its parent's new
readers without a request. See ``graph_permissions.py`` for the principal mapping.

Paths are ``<library or drive label>/<folders>/<file name>``.
"""

from __future__ import annotations

import fnmatch
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for
from wissenswerk.sources.base import SourceContext, option_problems, secret
from wissenswerk.sources.graph_client import GraphClient, GraphHTTPError
from wissenswerk.sources.graph_permissions import (
    GroupNaming,
    PermissionMapper,
    PrincipalNaming,
    UserNaming,
    all_inherited,
)
from wissenswerk.sources.graph_state import DriveState, GraphState, ItemRecord

log = logging.getLogger(__name__)

# Report permission changes in the delta feed too (SharePoint / OneDrive for Business).
DELTA_PREFER = "deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges"
_SECRET_KEYS = ("client_secret", "client_secret_env", "client_secret_file")


class GraphOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(min_length=1, description="Directory (tenant) id or domain")
    client_id: str = Field(min_length=1, description="Application (client) id")
    site: str | None = Field(
        None,
        description="SharePoint site: URL (https://contoso.sharepoint.com/sites/Team) or "
        "'hostname:/path'; defaults to the source location when that is a URL",
    )
    libraries: list[str] = Field(
        default_factory=list, description="Document library names of the site; empty = all"
    )
    drive_ids: list[str] = Field(default_factory=list, description="Drives to read by id")
    onedrive_users: list[str] = Field(
        default_factory=list, description="UPNs whose OneDrive to read; ['*'] = every user"
    )
    include: list[str] = Field(default_factory=list, description="Path globs to keep")
    exclude: list[str] = Field(default_factory=list, description="Path globs to skip")
    user_name: UserNaming = "upn_local"
    group_name: GroupNaming = "display_name"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    token_url: str = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    scope: str = "https://graph.microsoft.com/.default"
    permissions_rescan_hours: float = Field(24.0, ge=0)  # 0 = re-read all every sync
    max_retries: int = Field(5, ge=0, le=20)


def parse_options(config: SourceConfig) -> GraphOptions:
    options = {k: v for k, v in config.options.items() if k not in _SECRET_KEYS}
    try:
        parsed = GraphOptions.model_validate(options)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(f"Source {config.name!r} (graph): invalid options: {problems}.") from exc
    if not parsed.site and config.location.startswith("https://"):
        parsed.site = config.location
    if not (parsed.site or parsed.drive_ids or parsed.onedrive_users):
        raise ConfigError(
            f"Source {config.name!r} (graph) needs a SharePoint site (option site or a site "
            "URL as location), drive_ids or onedrive_users."
        )
    return parsed


def site_address(site: str) -> str:
    """The Graph path of a site: ``/sites/{hostname}:/{path}`` (``/sites/{hostname}`` for
    the root site)."""
    if site.startswith(("https://", "http://")):
        parts = urlsplit(site)
        host, path = parts.netloc, parts.path.strip("/")
    elif ":" in site:
        host, path = site.split(":", 1)
        path = path.strip("/")
    else:
        host, path = site, ""
    return f"/sites/{host}:/{quote(path)}" if path else f"/sites/{host}"


def _mtime_ns(modified: str | None) -> tuple[int, datetime | None]:
    if not modified:
        return 0, None
    try:
        when = datetime.fromisoformat(modified.replace("Z", "+00:00"))
    except ValueError:
        return 0, None
    return int(when.timestamp() * 1_000_000_000), when


class GraphSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.options = parse_options(config)
        self.listing_errors: list[tuple[str, str]] = []
        self.state_path = Path(context.data_dir) / "sources" / config.name / "graph_state.json"
        self.client = GraphClient(
            config.name,
            self.options.graph_url,
            self.options.token_url.replace("{tenant}", self.options.tenant_id),
            self.options.client_id,
            secret(config.options, "client_secret", config.name),
            self.options.scope,
            context.timeout_s,
            self.options.max_retries,
        )
        self.mapper = PermissionMapper(
            PrincipalNaming(self.options.user_name, self.options.group_name), self._lookup_user
        )
        self._users: dict[str, dict[str, Any] | None] = {}
        self._index: dict[str, tuple[str, str]] = {}  # path -> (drive id, item id)

    def close(self) -> None:
        self.client.close()

    # -- discovery -----------------------------------------------------------------------

    def _drives(self) -> list[tuple[str, str]]:
        """(drive id, label) of every configured drive; labels are unique path roots."""
        found: list[tuple[str, str]] = []
        opts = self.options
        if opts.site:
            site = self.client.get_json(site_address(opts.site), f"the site {opts.site}")
            wanted = {name.casefold() for name in opts.libraries}
            for drive in self.client.collection(
                f"/sites/{site['id']}/drives", f"the libraries of {opts.site}"
            ):
                if not wanted or str(drive.get("name", "")).casefold() in wanted:
                    found.append((drive["id"], drive.get("name") or drive["id"]))
        for drive_id in opts.drive_ids:
            drive = self.client.get_json(f"/drives/{drive_id}", f"the drive {drive_id}")
            found.append((drive["id"], drive.get("name") or drive["id"]))
        found.extend(self._onedrives())
        labels: set[str] = set()
        unique: list[tuple[str, str]] = []
        for drive_id, label in found:
            label = label.replace("/", "_")
            if label in labels:
                label = f"{label} ({drive_id[-8:]})"
            labels.add(label)
            unique.append((drive_id, label))
        return unique

    def _onedrives(self) -> list[tuple[str, str]]:
        users = self.options.onedrive_users
        if users == ["*"]:
            users = [
                str(u["userPrincipalName"])
                for u in self.client.collection(
                    "/users", "the user list", {"$select": "id,userPrincipalName"}
                )
            ]
        drives = []
        for upn in users:
            response = self.client.get(f"/users/{quote(upn)}/drive")
            if response.status_code == 404:  # no OneDrive licence or never provisioned
                response.close()
                continue
            if response.status_code != 200:
                raise self.client.error(response, f"the OneDrive of {upn}")
            drives.append((response.json()["id"], f"OneDrive {upn}"))
        return drives

    def _lookup_user(self, user_id: str) -> dict[str, Any] | None:
        if user_id not in self._users:
            response = self.client.get(
                f"/users/{quote(user_id)}", {"$select": "id,userPrincipalName,mail"}
            )
            self._users[user_id] = response.json() if response.status_code == 200 else None
            response.close()
        return self._users[user_id]

    # -- listing -------------------------------------------------------------------------

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        state = GraphState.load(self.state_path)
        drives = self._drives()  # SourceError: whole source unreachable, nothing deleted
        rescan_s = self.options.permissions_rescan_hours * 3600
        rescan = rescan_s == 0 or time.time() - state.permissions_scanned > rescan_s
        items: list[SourceItem] = []
        index: dict[str, tuple[str, str]] = {}
        current: dict[str, DriveState] = {}
        for drive_id, label in drives:
            drive = state.drives.get(drive_id) or DriveState(drive_id, label)
            drive.label = label
            current[drive_id] = drive
            try:
                self._update_drive(drive, rescan)
            except GraphHTTPError as exc:
                if exc.status == 401:
                    raise
                self.listing_errors.append((label, str(exc)))
                continue
            for item_id, item in self._items(drive):
                items.append(item)
                index[item.path] = (drive_id, item_id)
        state.drives = current
        if rescan:
            state.permissions_scanned = time.time()
        state.save(self.state_path)
        self._index = index
        yield from items

    def _delta(self, drive: DriveState) -> tuple[list[dict[str, Any]], str, bool]:
        """All changes since the drive's delta link (everything on the first run), the new
        delta link, and whether this was a fresh enumeration."""
        fresh = drive.delta_link is None
        url = drive.delta_link or f"/drives/{drive.drive_id}/root/delta"
        changes: list[dict[str, Any]] = []
        restarted = False
        while True:
            response = self.client.get(url, headers={"Prefer": DELTA_PREFER})
            if response.status_code == 410 and not restarted:
                # Token expired or server-side resync: start over from the Location URL.
                location = response.headers.get("Location")
                response.close()
                log.info("Source %s: delta token of %s expired; full listing", self.name, url)
                url = location or f"/drives/{drive.drive_id}/root/delta"
                changes, fresh, restarted = [], True, True
                continue
            if response.status_code != 200:
                raise self.client.error(response, f"the changes of drive {drive.label!r}")
            page = response.json()
            changes.extend(page.get("value", []))
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                continue
            delta_link = page.get("@odata.deltaLink")
            if not delta_link:
                raise SourceError(
                    f"Source {self.name!r}: Graph ended the change list of drive "
                    f"{drive.label!r} without a delta link; the sync tries again later."
                )
            return changes, str(delta_link), fresh

    def _update_drive(self, drive: DriveState, rescan: bool) -> None:
        changes, delta_link, fresh = self._delta(drive)
        old = drive.items
        if fresh:
            drive.items = {}
        touched: set[str] = set()
        for entry in changes:  # later entries for the same id win
            item_id = str(entry["id"])
            if "deleted" in entry:
                drive.items.pop(item_id, None)
                touched.discard(item_id)
                continue
            previous = old.get(item_id)
            record = ItemRecord(
                name=str(entry.get("name", previous.name if previous else item_id)),
                parent=(entry.get("parentReference") or {}).get("id"),
                folder="folder" in entry or "root" in entry,
                size=int(entry.get("size", -1)),
                modified=entry.get("lastModifiedDateTime"),
                version=str(entry.get("cTag") or entry.get("eTag") or ""),
                url=entry.get("webUrl"),
                is_file="file" in entry,
                acl=previous.acl if previous else None,
                inherited=previous.inherited if previous else False,
            )
            if "root" in entry:
                drive.root_id = item_id
                record.parent = None
            drive.items[item_id] = record
            touched.add(item_id)
        drive.prune_unreachable()
        if self.config.acl_mode != "acl_map":
            self._update_permissions(drive, touched, rescan or fresh)
        drive.delta_link = delta_link

    def _update_permissions(self, drive: DriveState, touched: set[str], everything: bool) -> None:
        changed_folders: set[str] = set()
        for item_id, path in drive.top_down():
            record = drive.items[item_id]
            parent_changed = record.parent in changed_folders
            before = record.acl
            if everything or item_id in touched or record.acl is None:
                self._read_permissions(drive, item_id, path)
            elif parent_changed and record.inherited and record.parent is not None:
                record.acl = drive.items[record.parent].acl
            elif parent_changed:
                self._read_permissions(drive, item_id, path)
            if record.folder and record.acl != before:
                changed_folders.add(item_id)

    def _read_permissions(self, drive: DriveState, item_id: str, path: str) -> None:
        record = drive.items[item_id]
        try:
            permissions = list(
                self.client.collection(
                    f"/drives/{drive.drive_id}/items/{item_id}/permissions",
                    f"the permissions of {drive.label}/{path}",
                )
            )
        except GraphHTTPError as exc:
            if exc.status == 401:
                raise
            # Keep the readers we knew; unknown readers keep the item out of the listing
            # (see _items) and it is retried on the next sync.
            log.warning("Source %s: %s", self.name, exc)
            if record.acl is None and record.is_file:
                self.listing_errors.append((f"{drive.label}/{path}", str(exc)))
            return
        record.acl = sorted(self.mapper.acl(permissions))
        record.inherited = all_inherited(permissions)

    def _wanted(self, path: str) -> bool:
        opts = self.options
        if opts.include and not any(fnmatch.fnmatchcase(path, g) for g in opts.include):
            return False
        return not any(fnmatch.fnmatchcase(path, g) for g in opts.exclude)

    def _items(self, drive: DriveState) -> Iterator[tuple[str, SourceItem]]:
        for item_id, rel in drive.top_down():
            record = drive.items[item_id]
            path = f"{drive.label}/{rel}"
            if not record.is_file or not self._wanted(path):
                continue
            if self.config.acl_mode == "acl_map":
                acl = acl_for(path, self.config.acl_map)
            elif record.acl is None:
                continue  # readers unknown: never index without them (listing_errors says)
            else:
                acl = frozenset(record.acl)
            mtime_ns, modified = _mtime_ns(record.modified)
            yield (
                item_id,
                SourceItem(
                    path=path,
                    size=record.size,
                    mtime_ns=mtime_ns,
                    acl=acl,
                    modified=modified,
                    version=record.version,
                    url=record.url,
                ),
            )

    # -- reading -------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        if not self._index:
            self._index_from_state()
        ids = self._index.get(item.path)
        if ids is None:
            raise SourceError(
                f"Source {self.name!r}: {item.path} is not in the last listing; run the sync again."
            )
        drive_id, item_id = ids
        return self.client.download(drive_id, item_id, item.path)

    def _index_from_state(self) -> None:
        state = GraphState.load(self.state_path)
        for drive in state.drives.values():
            for item_id, rel in drive.top_down():
                if drive.items[item_id].is_file:
                    self._index[f"{drive.label}/{rel}"] = (drive.drive_id, item_id)
