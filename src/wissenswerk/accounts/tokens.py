"""Random secrets for session cookies and API tokens, and the API token scopes.

Only hashes are stored: someone who reads the database cannot use a session or a token.
"""

from __future__ import annotations

import hashlib
import secrets

from wissenswerk.accounts.roles import may

API_TOKEN_PREFIX = "ww_"
SCOPES = ("search", "ask", "documents", "sources", "sync", "users")
# Scopes that need more than the member role; the others only need an active account.
_SCOPE_ACTION = {"sources": "admin.sources", "sync": "sync", "users": "admin.users"}


def scope_allowed(role: str, scope: str) -> bool:
    action = _SCOPE_ACTION.get(scope)
    return scope in SCOPES and (action is None or may(role, action))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> tuple[str, str]:
    """(plaintext "ww_<prefix>_<secret>", visible prefix "ww_<prefix>")."""
    prefix = API_TOKEN_PREFIX + secrets.token_hex(4)
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def secret_hash(token: str) -> str:
    # The tokens carry 256 random bits: a fast hash is enough, a slow KDF would only cost time.
    return hashlib.sha256(token.encode()).hexdigest()
