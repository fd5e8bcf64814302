"""The directory protocol: where users, groups and Windows SIDs come from (LDAP, AD).

Connectors that read Windows permissions (SMB) resolve SIDs through it; the permission
refresh syncs users and their transitive group memberships from it; the web app (later)
authenticates directory accounts with a bind. Implementations live in ``directory/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    name: str  # login name (sAMAccountName / uid), the wissenswerk user name
    groups: tuple[str, ...]  # every group, nested memberships resolved, primary group included
    active: bool = True  # False for disabled accounts
    display_name: str | None = None
    email: str | None = None
    sid: str | None = None


class Directory(Protocol):
    def users(self) -> Iterator[DirectoryUser]:
        """Every user account with its transitive groups; raises DirectoryError when the
        directory cannot be reached (then no user is deactivated)."""
        ...

    def resolve_sids(self, sids: Iterable[str]) -> dict[str, str]:
        """Map SIDs to principals (``user:<name>``, ``group:<name>``, ``everyone``); SIDs
        the directory does not know are left out."""
        ...

    def authenticate(self, name: str, password: str) -> DirectoryUser | None:
        """Bind as the user; the user with groups on success, None on wrong credentials."""
        ...
