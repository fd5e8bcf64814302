"""Roles and what each may do. Reading documents is never a role question: the ACL decides
(core.acl); roles only guard administration and syncs."""

from __future__ import annotations

from wissenswerk.accounts.errors import AccountPolicyError

ADMIN = "admin"  # everything
EDITOR = "editor"  # manage sources, start syncs
MEMBER = "member"  # ask, search, read what the ACLs allow
ROLES = (ADMIN, EDITOR, MEMBER)

_ALLOWED: dict[str, frozenset[str]] = {
    "admin.users": frozenset({ADMIN}),
    "admin.sources": frozenset({ADMIN, EDITOR}),
    "admin.settings": frozenset({ADMIN}),
    "admin.audit": frozenset({ADMIN}),
    "sync": frozenset({ADMIN, EDITOR}),
}
ACTIONS = tuple(_ALLOWED)


def may(role: str, action: str) -> bool:
    """True if ``role`` may take ``action`` (one of ACTIONS)."""
    try:
        return role in _ALLOWED[action]
    except KeyError:
        # A typo in a permission check must fail loudly, not deny (or allow) silently.
        raise ValueError(
            f"Unknown action {action!r}; known actions: {', '.join(ACTIONS)}."
        ) from None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountPolicyError(
            "unknown_role", f"Unknown role {role!r}; choose one of {', '.join(ROLES)}."
        )
    return role
