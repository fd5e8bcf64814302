"""The one access rule of wissenswerk, shared by every pillar and every backend.

A document carries an ACL: the set of *principals* that may read it. A user holds the
principals ``user:<name>``, ``group:<name>`` for each group, and ``everyone``. A user may
read a document if the two sets intersect. An empty ACL means nobody may read it (deny by
default: a file no rule covers stays invisible until an admin decides).

Sources with deny rules (NTFS) add ``deny:<principal>`` entries; a deny that matches any of
the user's principals wins over every allow. Windows lets an *explicit* allow override an
*inherited* deny; we deny in that case too, so the rule can only hide a document from
someone who may read it, never show it to someone who may not.
"""

from __future__ import annotations

from collections.abc import Iterable

EVERYONE = "everyone"
# Spellings an admin may use in an ACL map to mean "all users".
_EVERYONE_ALIASES = frozenset({"*", "everyone", "alle", "jeder"})


def user_principal(name: str) -> str:
    return f"user:{name}"


def group_principal(name: str) -> str:
    return f"group:{name}"


def principal_for_group_token(token: str) -> str:
    """Map a group name as written in an ACL map or POSIX group to a principal."""
    token = token.strip()
    if token.lower() in _EVERYONE_ALIASES:
        return EVERYONE
    if token.startswith(("user:", "group:")):
        return token
    return group_principal(token)


def principals_of(user: str, groups: Iterable[str]) -> frozenset[str]:
    return frozenset({user_principal(user), EVERYONE, *(group_principal(g) for g in groups)})


DENY_PREFIX = "deny:"


def deny_principal(principal: str) -> str:
    return f"{DENY_PREFIX}{principal}"


def may_read(principals: frozenset[str], acl: Iterable[str]) -> bool:
    acl = frozenset(acl)
    if any(deny_principal(p) in acl for p in principals):
        return False
    return not principals.isdisjoint(acl)


def acl_key(acl: Iterable[str]) -> str:
    """Canonical text form of an ACL; equal ACLs share one stored access class."""
    return "\n".join(sorted(set(acl)))
