"""Users, nested groups, SIDs and logins from Active Directory or OpenLDAP (via ldap3).

Group names: in AD a group is named by its ``sAMAccountName`` (unique in the domain, and
what Windows shows as DOMAIN\\name; ``cn`` is only unique within one OU); in OpenLDAP by
its ``cn``. wissenswerk's user groups use the same names, so ``group:Vertrieb`` in an ACL
read from a share matches a user synced with the group ``Vertrieb``.

Memberships are transitive. AD computes them itself: ``tokenGroups`` on a user holds every
group of the user's security token, nested groups and the primary group ("Domain Users")
included, exactly what a file server checks. OpenLDAP has no such attribute, so nested
``member``/``uniqueMember``/``memberUid`` links and the ``gidNumber`` primary group are
resolved here, cycle-safe.

Each call opens its own connection and closes it, so a directory object holds no socket
between permission refreshes. ldap3 is LGPL-3.0 and an optional extra (``directory``).
"""

from __future__ import annotations

import logging
import math
import ssl
import warnings
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from wissenswerk.config.settings import DirectorySettings
from wissenswerk.core.acl import group_principal, user_principal
from wissenswerk.core.directory import DirectoryUser
from wissenswerk.core.errors import ConfigError, DirectoryError
from wissenswerk.directory.sids import (
    is_domain_sid,
    sid_from_bytes,
    sid_to_bytes,
    well_known_principal,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # AD answers at most 1000 entries per page (MaxPageSize)
SID_BATCH = 50  # SIDs per OR-filter in resolve_sids
ACCOUNTDISABLE = 0x2  # userAccountControl bit

_AD_USERS = "(&(objectCategory=person)(objectClass=user))"
_AD_GROUPS = "(objectClass=group)"
_LDAP_USERS = "(|(objectClass=posixAccount)(objectClass=inetOrgPerson))"
_LDAP_GROUPS = (
    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
)


def _import_ldap3() -> ModuleType:
    try:
        with warnings.catch_warnings():
            # ldap3 2.9 imports pyasn1 names that pyasn1 0.6 deprecates; not our code.
            warnings.simplefilter("ignore", DeprecationWarning)
            import ldap3
            import ldap3.core.exceptions
            import ldap3.utils.conv
    except ImportError as exc:
        raise ConfigError(
            "The LDAP/Active Directory connection needs the optional package ldap3: "
            "pip install 'wissenswerk[directory]'."
        ) from exc
    return ldap3


def _first(entry: dict[str, Any], attr: str) -> Any:
    values = entry.get(attr)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _text(entry: dict[str, Any], attr: str) -> str | None:
    value = _first(entry, attr)
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _texts(entry: dict[str, Any], attr: str) -> list[str]:
    values = entry.get(attr) or []
    if not isinstance(values, list):
        values = [values]
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


@dataclass(frozen=True, slots=True)
class _Entry:
    dn: str
    attributes: dict[str, list[bytes]]  # raw values; decoded where used


class LdapDirectory:
    """The ``Directory`` protocol over LDAP; ``settings.kind`` picks AD or OpenLDAP rules."""

    def __init__(self, settings: DirectorySettings) -> None:
        if not settings.url:
            raise ConfigError(
                "The directory needs a URL: set WISSENSWERK_DIRECTORY__URL, e.g. "
                "ldaps://dc1.firma.local."
            )
        parts = urlsplit(settings.url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ConfigError(
                f"Directory URL {settings.url!r} is not an ldap:// or ldaps:// URL with a host."
            )
        if not settings.base_dn:
            raise ConfigError(
                "The directory needs a search base: set WISSENSWERK_DIRECTORY__BASE_DN, e.g. "
                "DC=firma,DC=local."
            )
        if settings.kind == "ad" and not (settings.bind_dn and settings.bind_password):
            raise ConfigError(
                "Active Directory does not allow anonymous reads: set "
                "WISSENSWERK_DIRECTORY__BIND_DN and WISSENSWERK_DIRECTORY__BIND_PASSWORD to a "
                "service account."
            )
        self.settings = settings
        self.url = settings.url
        self.base_dn = settings.base_dn
        self._ldap3 = _import_ldap3()
        tls = self._ldap3.Tls(validate=ssl.CERT_REQUIRED if settings.verify_tls else ssl.CERT_NONE)
        self._server = self._ldap3.Server(
            settings.url,
            get_info=self._ldap3.NONE,
            connect_timeout=max(1, math.ceil(settings.timeout_s)),  # ldap3 packs ints
            tls=tls,
        )

    # -- connections -------------------------------------------------------------------

    @contextmanager
    def _connection(self, user: str | None, password: str | None) -> Iterator[Any]:
        ldap3 = self._ldap3
        conn = ldap3.Connection(
            self._server,
            user=user,
            password=password,
            authentication=ldap3.SIMPLE if user else ldap3.ANONYMOUS,
            receive_timeout=max(1, math.ceil(self.settings.timeout_s)),
            raise_exceptions=True,
            read_only=True,
            auto_referrals=False,
        )
        try:
            conn.open()
            if self.settings.start_tls and self._server.ssl is False:
                conn.start_tls()
            conn.bind()
            yield conn
        finally:
            conn.unbind()
            if conn.socket is not None:  # ldap3 leaves it open when the TLS handshake fails
                conn.socket.close()

    @contextmanager
    def _service(self) -> Iterator[Any]:
        password = self.settings.bind_password
        try:
            with self._connection(
                self.settings.bind_dn, password.get_secret_value() if password else None
            ) as conn:
                yield conn
        except self._ldap3.core.exceptions.LDAPException as exc:
            raise self._error(exc) from exc

    def _error(self, exc: Exception) -> DirectoryError:
        errors = self._ldap3.core.exceptions
        if isinstance(exc, errors.LDAPInvalidCredentialsResult):
            return DirectoryError(
                f"The directory {self.url} refused the service account "
                f"{self.settings.bind_dn!r} (wrong password, locked or expired account). "
                "Check WISSENSWERK_DIRECTORY__BIND_DN and WISSENSWERK_DIRECTORY__BIND_PASSWORD."
            )
        if isinstance(exc, errors.LDAPNoSuchObjectResult):
            return DirectoryError(
                f"The search base {self.base_dn!r} does not exist in the directory {self.url}. "
                "Check WISSENSWERK_DIRECTORY__BASE_DN (e.g. DC=firma,DC=local)."
            )
        if isinstance(
            exc, errors.LDAPStrongerAuthRequiredResult | errors.LDAPConfidentialityRequiredResult
        ):
            return DirectoryError(
                f"The directory {self.url} requires an encrypted connection: use an ldaps:// "
                "URL or set WISSENSWERK_DIRECTORY__START_TLS=true."
            )
        if isinstance(exc, errors.LDAPStartTLSError | errors.LDAPSocketOpenError):
            return DirectoryError(
                f"Cannot reach the directory at {self.url}: {exc}. Check the URL, the firewall "
                "and, for TLS, the certificate (WISSENSWERK_DIRECTORY__VERIFY_TLS)."
            )
        if isinstance(exc, errors.LDAPCommunicationError):
            return DirectoryError(f"Lost the connection to the directory at {self.url}: {exc}.")
        return DirectoryError(f"The directory {self.url} failed: {exc}.")

    def _search(
        self,
        conn: Any,
        ldap_filter: str,
        attributes: list[str],
        base: str | None = None,
        scope: str | None = None,
    ) -> Iterator[_Entry]:
        """Paged subtree search (or a base search) yielding entries; referrals are skipped."""
        ldap3 = self._ldap3
        if scope == "base":
            conn.search(base, ldap_filter, search_scope=ldap3.BASE, attributes=attributes)
            results: Iterable[dict[str, Any]] = conn.response
        else:
            results = conn.extend.standard.paged_search(
                base or self.base_dn,
                ldap_filter,
                search_scope=ldap3.SUBTREE,
                attributes=attributes,
                paged_size=PAGE_SIZE,
                generator=True,
            )
        for result in results:
            if result.get("type") != "searchResEntry":
                continue
            yield _Entry(result["dn"], result["raw_attributes"])

    # -- Directory protocol --------------------------------------------------------------

    def users(self) -> Iterator[DirectoryUser]:
        with self._service() as conn:  # converts LDAP errors to DirectoryError
            if self.settings.kind == "ad":
                found = self._ad_users(conn, self._user_filter(_AD_USERS))
            else:
                found = self._ldap_users(conn, self._user_filter(_LDAP_USERS))
            for _dn, user in found:
                yield user

    def resolve_sids(self, sids: Iterable[str]) -> dict[str, str]:
        resolved: dict[str, str] = {}
        lookup: list[str] = []
        for sid in dict.fromkeys(sids):
            principal = well_known_principal(sid)
            if principal is not None:
                resolved[sid] = principal
            elif is_domain_sid(sid):
                lookup.append(sid)
        if not lookup:
            return resolved
        with self._service() as conn:
            for start in range(0, len(lookup), SID_BATCH):
                resolved.update(self._lookup_sids(conn, lookup[start : start + SID_BATCH]))
        return resolved

    def authenticate(self, name: str, password: str) -> DirectoryUser | None:
        # An LDAP bind with a DN and an empty password is an *anonymous* bind that many
        # servers accept: never let it through as a login.
        if not name or not password:
            return None
        escape = self._ldap3.utils.conv.escape_filter_chars
        name_attr = "sAMAccountName" if self.settings.kind == "ad" else "uid"
        base_filter = _AD_USERS if self.settings.kind == "ad" else _LDAP_USERS
        one = f"(&{self._user_filter(base_filter)}({name_attr}={escape(name)}))"
        with self._service() as conn:
            if self.settings.kind == "ad":
                found = list(self._ad_users(conn, one))
            else:
                found = list(self._ldap_users(conn, one))
        if len(found) != 1 or not found[0][1].active:
            return None
        dn, user = found[0]
        errors = self._ldap3.core.exceptions
        try:
            with self._connection(dn, password):
                pass
        except errors.LDAPInvalidCredentialsResult:
            return None
        except errors.LDAPException as exc:
            raise self._error(exc) from exc
        return user

    # -- Active Directory ----------------------------------------------------------------

    def _user_filter(self, base: str) -> str:
        extra = (self.settings.user_filter or "").strip()
        if not extra:
            return base
        if not extra.startswith("("):
            extra = f"({extra})"
        return f"(&{base}{extra})"

    def _ad_group_names(self, conn: Any) -> dict[str, str]:
        names: dict[str, str] = {}
        for entry in self._search(conn, _AD_GROUPS, ["objectSid", "sAMAccountName"]):
            sid, name = (
                _first(entry.attributes, "objectSid"),
                _text(entry.attributes, "sAMAccountName"),
            )
            if sid and name:
                names[sid_from_bytes(sid)] = name
        return names

    def _ad_users(self, conn: Any, ldap_filter: str) -> Iterator[tuple[str, DirectoryUser]]:
        """(dn, user) for the users matching ``ldap_filter``; a login binds with the dn."""
        group_names = self._ad_group_names(conn)
        attributes = [
            "sAMAccountName",
            "objectSid",
            "userAccountControl",
            "displayName",
            "mail",
            "primaryGroupID",
        ]
        # Collect first: tokenGroups needs its own search on the same connection.
        entries = list(self._search(conn, ldap_filter, attributes))
        for entry in entries:
            attrs = entry.attributes
            name = _text(attrs, "sAMAccountName")
            raw_sid = _first(attrs, "objectSid")
            if not name or not raw_sid:
                continue
            sid = sid_from_bytes(raw_sid)
            token = [
                sid_from_bytes(value)
                for tg in self._search(
                    conn, "(objectClass=*)", ["tokenGroups"], base=entry.dn, scope="base"
                )
                for value in tg.attributes.get("tokenGroups", [])
            ]
            primary = _text(attrs, "primaryGroupID")
            if primary:  # tokenGroups holds it already; kept for servers that omit it
                token.append(f"{sid.rpartition('-')[0]}-{primary}")
            groups = sorted({group_names[s] for s in token if s in group_names})
            control = int(_text(attrs, "userAccountControl") or 0)
            yield (
                entry.dn,
                DirectoryUser(
                    name=name,
                    groups=tuple(groups),
                    active=not control & ACCOUNTDISABLE,
                    display_name=_text(attrs, "displayName"),
                    email=_text(attrs, "mail"),
                    sid=sid,
                ),
            )

    def _lookup_sids(self, conn: Any, sids: list[str]) -> dict[str, str]:
        escape = self._ldap3.utils.conv.escape_bytes
        if self.settings.kind == "ad":
            clauses = "".join(f"(objectSid={escape(sid_to_bytes(s))})" for s in sids)
            attributes = ["objectSid", "sAMAccountName", "objectClass"]
        else:
            clauses = "".join(f"(sambaSID={s})" for s in sids)
            attributes = ["sambaSID", "uid", "cn", "objectClass"]
        resolved: dict[str, str] = {}
        for entry in self._search(conn, f"(|{clauses})", attributes):
            attrs = entry.attributes
            classes = {c.lower() for c in _texts(attrs, "objectClass")}
            if self.settings.kind == "ad":
                raw = _first(attrs, "objectSid")
                sid = sid_from_bytes(raw) if raw else None
                name = _text(attrs, "sAMAccountName")
                is_group = "group" in classes
                is_user = "user" in classes
            else:
                sid = _text(attrs, "sambaSID")
                is_group = bool(classes & {"groupofnames", "groupofuniquenames", "posixgroup"})
                is_user = not is_group
                name = _text(attrs, "cn") if is_group else _text(attrs, "uid")
            if not sid or not name:
                continue
            if is_group:
                resolved[sid] = group_principal(name)
            elif is_user:
                resolved[sid] = user_principal(name)
        return resolved

    # -- OpenLDAP ------------------------------------------------------------------------

    def _ldap_users(self, conn: Any, ldap_filter: str) -> Iterator[tuple[str, DirectoryUser]]:
        groups = list(
            self._search(
                conn,
                _LDAP_GROUPS,
                ["cn", "member", "uniqueMember", "memberUid", "gidNumber"],
            )
        )
        name_of = {g.dn.lower(): _text(g.attributes, "cn") or g.dn for g in groups}
        # Edges "member → group" for DNs (users and nested groups) and for memberUid names.
        parents_by_dn: dict[str, set[str]] = defaultdict(set)
        parents_by_uid: dict[str, set[str]] = defaultdict(set)
        by_gid: dict[str, set[str]] = defaultdict(set)
        for g in groups:
            key = g.dn.lower()
            for member in _texts(g.attributes, "member") + _texts(g.attributes, "uniqueMember"):
                parents_by_dn[member.lower()].add(key)
            for uid in _texts(g.attributes, "memberUid"):
                parents_by_uid[uid].add(key)
            gid = _text(g.attributes, "gidNumber")
            if gid:
                by_gid[gid].add(key)
        attributes = [
            "uid",
            "cn",
            "displayName",
            "mail",
            "gidNumber",
            "sambaSID",
            "pwdAccountLockedTime",
        ]
        for entry in self._search(conn, ldap_filter, attributes):
            attrs = entry.attributes
            login = _text(attrs, "uid")
            if not login:
                continue
            start = parents_by_dn.get(entry.dn.lower(), set()) | parents_by_uid.get(login, set())
            start |= by_gid.get(_text(attrs, "gidNumber") or "", set())
            seen: set[str] = set()
            queue = deque(start)
            while queue:  # breadth-first over nested groups; `seen` stops cycles
                group = queue.popleft()
                if group in seen:
                    continue
                seen.add(group)
                queue.extend(parents_by_dn.get(group, set()) - seen)
            yield (
                entry.dn,
                DirectoryUser(
                    name=login,
                    groups=tuple(sorted({name_of[g] for g in seen})),
                    active=_first(attrs, "pwdAccountLockedTime") is None,
                    display_name=_text(attrs, "displayName") or _text(attrs, "cn"),
                    email=_text(attrs, "mail"),
                    sid=_text(attrs, "sambaSID"),
                ),
            )
