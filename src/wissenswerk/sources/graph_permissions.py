"""Microsoft Graph permissions of a drive item, as wissenswerk principals.

Every role Graph reports (``read``, ``write``, ``owner``) lets its holder read the item.
Who holds it:

- ``grantedToV2.user`` / ``siteUser``: ``user:<name>``, where the name is the user principal
  name (``upn``), its part before the ``@`` (``upn_local``, the default: it equals the AD
  login name of users synchronised by Entra Connect, which is how wissenswerk names
  directory users) or the mail address (``mail``). The UPN comes from the SharePoint claim
  (``i:0#.f|membership|alice@contoso.com``), else from the identity itself, else from
  ``GET /users/{id}``.
- ``grantedToV2.group`` (Microsoft 365 / security group): ``group:<displayName>`` (or the
  group's object id with ``group_name: id``).
- ``siteGroup`` / ``sharePointGroup`` (e.g. "Marketing Members"): ``group:<its name>``;
  admins mirror SharePoint group membership into wissenswerk groups of that name.
- The SharePoint "Everyone" claims and sharing links with scope ``anonymous`` or
  ``organization``: ``everyone`` (every wissenswerk user belongs to the organisation).
- Sharing links with scope ``users``: the people in ``grantedToIdentitiesV2``.
- ``existingAccess`` links grant nothing new; expired permissions and unknown roles are
  ignored (never a reader too many).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from wissenswerk.core.acl import EVERYONE, group_principal, user_principal

UserNaming = Literal["upn", "upn_local", "mail"]
GroupNaming = Literal["display_name", "id"]

READING_ROLES = frozenset({"read", "write", "owner"})
# SharePoint claims meaning "all users of the tenant" ("Everyone", "Everyone except
# external users").
_EVERYONE_CLAIMS = ("c:0(.s|true", "c:0-.f|rolemanager|spo-grid-all-users")

# id -> {"userPrincipalName": ..., "mail": ...} from GET /users/{id}; None when unknown.
UserLookup = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class PrincipalNaming:
    user_name: UserNaming = "upn_local"
    group_name: GroupNaming = "display_name"


def _claim_upn(login_name: str) -> str | None:
    # "i:0#.f|membership|alice@contoso.com" -> "alice@contoso.com"
    if login_name.startswith("i:0#.f|") and "|" in login_name:
        value = login_name.rsplit("|", 1)[-1]
        return value if "@" in value else None
    return None


def _expired(permission: Mapping[str, Any], now: datetime) -> bool:
    raw = permission.get("expirationDateTime")
    if not raw or str(raw).startswith("0001-"):
        return False
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return False
    return when < now


class PermissionMapper:
    def __init__(self, naming: PrincipalNaming, lookup_user: UserLookup) -> None:
        self.naming = naming
        self._lookup_user = lookup_user

    def _user_name(self, user: Mapping[str, Any], site_user: Mapping[str, Any]) -> str | None:
        upn = _claim_upn(str(site_user.get("loginName", ""))) or user.get("userPrincipalName")
        mail = user.get("email") or user.get("mail")
        wanted = self.naming.user_name
        if (wanted == "mail" and not mail) or (wanted != "mail" and not upn):
            details = self._lookup_user(str(user["id"])) if user.get("id") else None
            if details:
                upn = upn or details.get("userPrincipalName")
                mail = mail or details.get("mail")
        if wanted == "mail":
            return str(mail).lower() if mail else None
        if not upn:
            return None
        upn = str(upn).lower()
        return upn.split("@", 1)[0] if wanted == "upn_local" else upn

    def identity_principals(self, identities: Mapping[str, Any]) -> set[str]:
        """Principals of one (SharePoint) identity set; unknown kinds give none."""
        found: set[str] = set()
        site_user = identities.get("siteUser") or {}
        login = str(site_user.get("loginName", ""))
        if login.startswith(_EVERYONE_CLAIMS):
            found.add(EVERYONE)
        elif identities.get("user") or _claim_upn(login):
            name = self._user_name(identities.get("user") or {}, site_user)
            if name:
                found.add(user_principal(name))
        group = identities.get("group")
        if group:
            key = "id" if self.naming.group_name == "id" else "displayName"
            if group.get(key):
                found.add(group_principal(str(group[key])))
        for kind in ("siteGroup", "sharePointGroup"):
            site_group = identities.get(kind)
            if site_group:
                name = site_group.get("displayName") or site_group.get("title")
                if name:
                    found.add(group_principal(str(name)))
        return found

    def permission_principals(self, permission: Mapping[str, Any], now: datetime) -> set[str]:
        if not READING_ROLES.intersection(permission.get("roles") or ()):
            return set()
        if _expired(permission, now):
            return set()
        link = permission.get("link") or {}
        scope = link.get("scope")
        if scope in ("anonymous", "organization"):
            return {EVERYONE}
        if scope == "existingAccess":
            return set()
        found: set[str] = set()
        single = permission.get("grantedToV2") or permission.get("grantedTo")
        if single:
            found |= self.identity_principals(single)
        many = permission.get("grantedToIdentitiesV2") or permission.get("grantedToIdentities")
        for identities in many or ():
            found |= self.identity_principals(identities)
        if not found and not link and permission.get("invitation", {}).get("email"):
            # Invitation not redeemed yet: the address is all Graph knows.
            email = str(permission["invitation"]["email"]).lower()
            if self.naming.user_name == "mail":
                found.add(user_principal(email))
        return found

    def acl(self, permissions: Iterable[Mapping[str, Any]]) -> frozenset[str]:
        now = datetime.now(UTC)
        readers: set[str] = set()
        for permission in permissions:
            readers |= self.permission_principals(permission, now)
        return frozenset(readers)


def all_inherited(permissions: Sequence[Mapping[str, Any]]) -> bool:
    """True when Graph marks every permission as inherited from an ancestor; then the item
    has exactly its parent's readers. SharePoint omits ``inheritedFrom``, so this is only
    ever true where Graph reports it (OneDrive)."""
    return bool(permissions) and all(p.get("inheritedFrom") for p in permissions)
