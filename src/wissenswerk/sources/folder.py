"""A local or mounted folder (e.g. an SMB share mounted on the server).

Permissions come from an ACL map, or else from POSIX mode bits: the owner, the file's
group (if group-readable) and everyone (if world-readable) may read a file, provided they
can also enter every folder above it inside the source.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from wissenswerk.core.acl import EVERYONE, group_principal, user_principal
from wissenswerk.core.errors import SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for, normalise_path

# Office lock files, OS metadata and editor backups are never documents.
_SKIP_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_SKIP_PREFIXES = ("~$", ".~lock.", "._")


def _skip(name: str) -> bool:
    lower = name.lower()
    return lower in _SKIP_NAMES or name.startswith(_SKIP_PREFIXES) or name.startswith(".")


@lru_cache(maxsize=4096)
def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


@lru_cache(maxsize=4096)
def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _grants(
    st: os.stat_result, principal: str, owner_bit: int, group_bit: int, other_bit: int
) -> bool:
    mode = st.st_mode
    if mode & other_bit:
        return True
    if principal == user_principal(_user_name(st.st_uid)) and mode & owner_bit:
        return True
    return principal == group_principal(_group_name(st.st_gid)) and bool(mode & group_bit)


def posix_acl(file_stat: os.stat_result, ancestors: list[os.stat_result]) -> frozenset[str]:
    candidates = {
        user_principal(_user_name(file_stat.st_uid)),
        group_principal(_group_name(file_stat.st_gid)),
    }
    readers: set[str] = set()
    for principal in candidates:
        if _grants(file_stat, principal, stat.S_IRUSR, stat.S_IRGRP, 0) and all(
            _grants(d, principal, stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH) for d in ancestors
        ):
            readers.add(principal)
    if file_stat.st_mode & stat.S_IROTH and all(d.st_mode & stat.S_IXOTH for d in ancestors):
        readers.add(EVERYONE)
    return frozenset(readers)


class FolderSource:
    def __init__(self, config: SourceConfig) -> None:
        self.name = config.name
        self.config = config
        self.root = Path(config.location)
        self.listing_errors: list[tuple[str, str]] = []

    def list_items(self) -> Iterator[SourceItem]:
        if not self.root.is_dir():
            raise SourceError(
                f"Source {self.name!r}: folder {self.root} does not exist or is not mounted. "
                "Nothing was changed in the index; check the path or the share mount."
            )
        self.listing_errors = []
        root_stat = self.root.stat()
        yield from self._walk(self.root, "", [root_stat])

    def _walk(
        self, folder: Path, rel: str, ancestors: list[os.stat_result]
    ) -> Iterator[SourceItem]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if not rel:
                raise SourceError(
                    f"Source {self.name!r}: cannot list {folder}: {exc.strerror}."
                ) from exc
            # An unreadable subfolder is not fatal: it is reported, and the sync keeps the
            # files indexed below it instead of deleting them.
            self.listing_errors.append(
                (rel, f"cannot list folder: {exc.strerror}; check the service account's rights")
            )
            return
        for entry in entries:
            if _skip(entry.name):
                continue
            child_rel = normalise_path(f"{rel}/{entry.name}" if rel else entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(Path(entry.path), child_rel, [*ancestors, entry.stat()])
                    continue
                if not entry.is_file(follow_symlinks=True):
                    continue
                st = entry.stat(follow_symlinks=True)
            except OSError:
                continue  # vanished between listing and stat; the next sync sees it
            if self.config.acl_mode == "acl_map":
                acl = acl_for(child_rel, self.config.acl_map)
            else:
                acl = posix_acl(st, ancestors)
            yield SourceItem(
                path=child_rel,
                size=st.st_size,
                mtime_ns=st.st_mtime_ns,
                acl=acl,
                modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
            )

    def close(self) -> None:
        """Nothing to release: the folder is read with plain file calls."""

    def read(self, item: SourceItem) -> bytes:
        path = self.root / item.path
        try:
            return path.read_bytes()
        except OSError as exc:
            raise SourceError(
                f"Source {self.name!r}: cannot read {item.path}: {exc.strerror}."
            ) from exc
