"""The accounts part of the store protocol: accounts with credentials, sessions, API tokens,
login attempts and runtime settings.

The store keeps what it is given: password hashes, hashed session tokens, hashed API tokens
and recovery codes. Hashing, policies and throttling rules live in ``wissenswerk.accounts``.
Methods that must not race (a TOTP step used once, a recovery code consumed once, the first
admin created once) are single conditional writes here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the web app and the API see it (no secrets)."""

    name: str
    role: str  # "admin" | "editor" | "member"
    groups: tuple[str, ...]
    active: bool
    origin: str  # "local" | "directory"
    display_name: str | None
    email: str | None
    has_password: bool  # a local password is set (directory accounts log in by LDAP bind)
    mfa_enabled: bool


@dataclass(frozen=True, slots=True)
class Credentials:
    """The secrets of one account; only the accounts service reads them."""

    password_hash: str | None
    totp_secret: str | None
    totp_enabled: bool
    totp_last_step: int | None
    recovery_codes: tuple[str, ...]  # hashes of the unused codes


@dataclass(frozen=True, slots=True)
class Session:
    id_hash: str  # sha256 of the cookie token
    user: str
    created_at: float
    last_seen_at: float
    expires_at: float  # absolute end; the idle limit is applied by the service
    mfa_passed: bool
    csrf_token: str
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    user: str
    label: str
    prefix: str  # the visible start of the token, e.g. "ww_1a2b3c4d"
    scopes: frozenset[str]
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None

    def valid_at(self, now: float) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    at: float
    username: str | None
    ip: str | None
    success: bool  # authentication completed (password, and the second factor if needed)
    outcome: str  # see accounts.service.LoginResult outcomes, plus "mfa_ok", "mfa_invalid"


class AccountsStore(Protocol):
    """Methods every backend implements for accounts."""

    # --- accounts --------------------------------------------------------------------
    def get_account(self, name: str) -> Account | None: ...

    def list_accounts(self) -> list[Account]: ...

    def add_account(
        self,
        name: str,
        role: str,
        groups: Iterable[str],
        origin: str,
        display_name: str | None,
        email: str | None,
        password_hash: str | None,
    ) -> Account:
        """Create an account; ConfigError (code "user_exists") when the name is taken."""
        ...

    def claim_first_admin(self, name: str, password_hash: str) -> Account:
        """Make ``name`` the first admin, atomically: PermissionDeniedError (code
        "setup_done") when an active admin with a password exists. An existing local user
        without password is promoted; any other existing user is a ConfigError
        ("user_exists")."""
        ...

    def admin_exists(self) -> bool:
        """True when an active admin with a local password exists."""
        ...

    def set_role(self, name: str, role: str) -> None: ...

    def set_profile(self, name: str, display_name: str | None, email: str | None) -> None: ...

    def deactivate_account(self, name: str, at: float) -> None:
        """Deactivate, delete the sessions and revoke the API tokens, in one transaction."""
        ...

    def activate_account(self, name: str) -> None: ...

    # --- credentials -----------------------------------------------------------------
    def get_credentials(self, name: str) -> Credentials | None:
        """None for unknown users; an empty Credentials for users that never had any."""
        ...

    def set_password_hash(self, name: str, password_hash: str | None, at: float) -> None: ...

    def set_totp(
        self,
        name: str,
        secret: str | None,
        enabled: bool,
        recovery_codes: Iterable[str],
        last_step: int | None,
        at: float,
    ) -> None:
        """Enable (secret, code hashes, the step used to confirm) or reset (None, False, ())."""
        ...

    def use_totp_step(self, name: str, step: int) -> bool:
        """Record ``step`` as used if it is later than the last used step; False otherwise
        (a replayed or older code)."""
        ...

    def use_recovery_code(self, name: str, code_hash: str) -> bool:
        """Remove one unused recovery code; False if it is not among the unused ones."""
        ...

    # --- sessions --------------------------------------------------------------------
    def add_session(self, session: Session) -> None: ...

    def get_session(self, id_hash: str) -> Session | None: ...

    def touch_session(self, id_hash: str, last_seen_at: float) -> None: ...

    def replace_session(self, old_id_hash: str, new: Session) -> bool:
        """Delete the old session and add the new one atomically; False (and nothing
        added) when the old one no longer exists."""
        ...

    def delete_session(self, id_hash: str) -> None: ...

    def delete_sessions(self, user: str, keep: str | None = None) -> int:
        """Delete the user's sessions except the one with id hash ``keep``."""
        ...

    def delete_stale_sessions(self, expired_before: float, idle_before: float) -> int:
        """Delete sessions past their absolute end or unseen since ``idle_before``."""
        ...

    # --- API tokens ------------------------------------------------------------------
    def add_api_token(
        self,
        user: str,
        label: str,
        prefix: str,
        token_hash: str,
        scopes: Iterable[str],
        created_at: float,
        expires_at: float | None,
    ) -> ApiToken: ...

    def get_api_token(self, token_id: int) -> ApiToken | None: ...

    def find_api_token(self, token_hash: str) -> ApiToken | None: ...

    def list_api_tokens(self, user: str | None = None) -> list[ApiToken]:
        """Newest first; every user's tokens when ``user`` is None."""
        ...

    def revoke_api_token(self, token_id: int, at: float) -> None: ...

    def touch_api_token(self, token_id: int, at: float) -> None: ...

    # --- login attempts --------------------------------------------------------------
    def add_login_attempt(self, attempt: LoginAttempt) -> None: ...

    def login_attempts(
        self, since: float, username: str | None = None, ip: str | None = None
    ) -> list[LoginAttempt]:
        """Attempts at or after ``since`` for that user name and/or address, oldest first."""
        ...

    def prune_login_attempts(self, before: float) -> int:
        """Delete attempts older than ``before``; return how many."""
        ...

    # --- runtime settings (changed by admins in the web app) ------------------------
    def get_app_setting(self, key: str) -> str | None: ...

    def set_app_setting(self, key: str, value: str) -> None: ...
