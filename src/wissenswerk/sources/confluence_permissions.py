"""Who may read a Confluence page: the space's readers AND every read restriction on the
page and on its ancestors.

Confluence grants a page to a user who may view the space *and* passes each restriction
on the way down (a restriction lists users and groups; passing means being one of them or
in one of the groups). wissenswerk's ACL is one "any of these principals" set, so an AND
of several sets is expressed as:

- the principals named in every constraining set (``group:A`` in the space and on the
  page: every member of A passes both), plus
- each user who provably passes every set: named in it, or (when a directory is
  configured) member of a group named in it.

A user who would pass only through group memberships the connector cannot see is left
out: the page may be hidden from someone allowed to read it, never shown to someone who
may not. Sets containing ``everyone`` constrain nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from wissenswerk.core.acl import EVERYONE, group_principal, user_principal

ConfluenceUserNaming = Literal["username", "email", "email_local", "account_id"]


def user_name(user: Mapping[str, Any], naming: ConfluenceUserNaming) -> str | None:
    if naming == "username":
        value = user.get("username")
    elif naming == "account_id":
        value = user.get("accountId")
    else:
        email = str(user.get("email") or "").lower()
        value = email.split("@", 1)[0] if naming == "email_local" and email else email
    return str(value) if value else None


def subject_principals(
    users: Iterable[Mapping[str, Any]],
    groups: Iterable[Mapping[str, Any]],
    naming: ConfluenceUserNaming,
    everyone_groups: frozenset[str],
) -> set[str]:
    """Principals of Confluence users and groups; unnamed users are dropped (they can only
    narrow the readers)."""
    found: set[str] = set()
    for user in users:
        name = user_name(user, naming)
        if name:
            found.add(user_principal(name))
    for group in groups:
        name = str(group.get("name") or "")
        if name in everyone_groups:
            found.add(EVERYONE)
        elif name:
            found.add(group_principal(name))
    return found


def intersect_readers(
    sets: list[frozenset[str]], known_users: Mapping[str, frozenset[str]] | None = None
) -> frozenset[str]:
    """The readers allowed by every set. ``known_users`` (user name -> the user's
    principals, from the directory) lets users pass a set through their groups."""
    constraining = [s for s in sets if EVERYONE not in s]
    if not constraining:
        return frozenset({EVERYONE})
    if len(constraining) == 1:
        return constraining[0]
    known = known_users or {}
    exact = frozenset.intersection(*constraining)
    candidates = {p[5:] for s in constraining for p in s if p.startswith("user:")} | set(known)
    passing = {
        user_principal(name)
        for name in candidates
        if all(
            not known.get(name, frozenset({user_principal(name)})).isdisjoint(s)
            for s in constraining
        )
    }
    return exact | passing


def known_users(users: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    """user name -> principals, from (user, groups) pairs such as a directory lists."""
    return {
        name: frozenset({user_principal(name), EVERYONE, *(group_principal(g) for g in groups)})
        for name, groups in users
    }
