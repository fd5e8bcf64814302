"""SQLite implementation of the accounts part of the store protocol (see store/accounts.py).

Tables from migration 3: ``users`` (role, profile), ``credentials`` (one row per user, created
on the first secret), ``sessions``, ``api_tokens``, ``login_attempts`` and ``app_settings``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wissenswerk.core.errors import ConfigError, PermissionDeniedError, UnknownUserError
from wissenswerk.store.accounts import (
    Account,
    ApiToken,
    Credentials,
    LoginAttempt,
    Session,
)

if TYPE_CHECKING:
    import threading
    from contextlib import AbstractContextManager

_ACCOUNT = (
    "SELECT u.id, u.name, u.role, u.active, u.origin, u.display_name, u.email, "
    "c.password_hash IS NOT NULL, COALESCE(c.totp_enabled, 0) "
    "FROM users u LEFT JOIN credentials c ON c.user_id = u.id"
)
_ADMIN_EXISTS = (
    "SELECT 1 FROM users u JOIN credentials c ON c.user_id = u.id "
    "WHERE u.role = 'admin' AND u.active = 1 AND c.password_hash IS NOT NULL LIMIT 1"
)
_SESSION = (
    "SELECT s.id_hash, u.name, s.created_at, s.last_seen_at, s.expires_at, s.mfa_passed, "
    "s.csrf_token, s.ip, s.user_agent FROM sessions s JOIN users u ON u.id = s.user_id"
)
_TOKEN = (
    "SELECT t.id, u.name, t.name, t.prefix, t.scopes, t.created_at, t.expires_at, "
    "t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id"
)


def _account(row: Any, groups: Iterable[str]) -> Account:
    return Account(
        name=row[1],
        role=row[2],
        groups=tuple(sorted(groups)),
        active=bool(row[3]),
        origin=row[4],
        display_name=row[5],
        email=row[6],
        has_password=bool(row[7]),
        mfa_enabled=bool(row[8]),
    )


def _session(row: Any) -> Session:
    return Session(
        id_hash=row[0],
        user=row[1],
        created_at=row[2],
        last_seen_at=row[3],
        expires_at=row[4],
        mfa_passed=bool(row[5]),
        csrf_token=row[6],
        ip=row[7],
        user_agent=row[8],
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row[0],
        user=row[1],
        label=row[2],
        prefix=row[3],
        scopes=frozenset(json.loads(row[4])),
        created_at=row[5],
        expires_at=row[6],
        last_used_at=row[7],
        revoked_at=row[8],
    )


class SQLiteAccountsMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""

    if TYPE_CHECKING:
        _conn: sqlite3.Connection
        _lock: threading.RLock

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _bump_generation(self, conn: sqlite3.Connection) -> None: ...

    # --- helpers ---------------------------------------------------------------------
    @staticmethod
    def _user_id(conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UnknownUserError(name)
        return int(row[0])

    @staticmethod
    def _credentials_row(conn: sqlite3.Connection, uid: int) -> None:
        conn.execute("INSERT OR IGNORE INTO credentials (user_id) VALUES (?)", (uid,))

    # --- accounts --------------------------------------------------------------------
    def get_account(self, name: str) -> Account | None:
        with self._lock:
            row = self._conn.execute(f"{_ACCOUNT} WHERE u.name = ?", (name,)).fetchone()
            if row is None:
                return None
            groups = [
                g
                for (g,) in self._conn.execute(
                    "SELECT group_name FROM user_groups WHERE user_id = ?", (row[0],)
                )
            ]
        return _account(row, groups)

    def list_accounts(self) -> list[Account]:
        with self._lock:
            rows = self._conn.execute(f"{_ACCOUNT} ORDER BY u.name").fetchall()
            groups: dict[int, list[str]] = defaultdict(list)
            for uid, group in self._conn.execute("SELECT user_id, group_name FROM user_groups"):
                groups[uid].append(group)
        return [_account(row, groups[row[0]]) for row in rows]

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
        clean = sorted({g.strip() for g in groups if g.strip()})
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise ConfigError(f"A user named {name!r} exists already; choose another name.")
            cur = conn.execute(
                "INSERT INTO users (name, active, origin, role, display_name, email) "
                "VALUES (?, 1, ?, ?, ?, ?)",
                (name, origin, role, display_name, email),
            )
            uid = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO user_groups (user_id, group_name) VALUES (?, ?)",
                [(uid, g) for g in clean],
            )
            conn.execute(
                "INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)",
                (uid, password_hash),
            )
            if clean:
                self._bump_generation(conn)
        account = self.get_account(name)
        assert account is not None
        return account

    def claim_first_admin(self, name: str, password_hash: str) -> Account:
        with self._tx() as conn:
            if conn.execute(_ADMIN_EXISTS).fetchone():
                raise PermissionDeniedError(
                    "An administrator exists already; sign in as that administrator instead."
                )
            row = conn.execute(
                f"{_ACCOUNT} WHERE u.name = ?",
                (name,),
            ).fetchone()
            if row is None:
                cur = conn.execute(
                    "INSERT INTO users (name, active, origin, role) "
                    "VALUES (?, 1, 'local', 'admin')",
                    (name,),
                )
                uid = int(cur.lastrowid or 0)
            elif row[4] == "local" and not row[7]:
                # A user created on the command line (no password yet) becomes the admin.
                uid = int(row[0])
                conn.execute("UPDATE users SET role = 'admin', active = 1 WHERE id = ?", (uid,))
            else:
                raise ConfigError(f"A user named {name!r} exists already; choose another name.")
            self._credentials_row(conn, uid)
            conn.execute(
                "UPDATE credentials SET password_hash = ? WHERE user_id = ?", (password_hash, uid)
            )
        account = self.get_account(name)
        assert account is not None
        return account

    def admin_exists(self) -> bool:
        with self._lock:
            return self._conn.execute(_ADMIN_EXISTS).fetchone() is not None

    def set_role(self, name: str, role: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE users SET role = ? WHERE id = ?", (role, self._user_id(conn, name))
            )

    def set_profile(self, name: str, display_name: str | None, email: str | None) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE users SET display_name = ?, email = ? WHERE id = ?",
                (display_name, email, self._user_id(conn, name)),
            )

    def deactivate_account(self, name: str, at: float) -> None:
        with self._tx() as conn:
            uid = self._user_id(conn, name)
            conn.execute("UPDATE users SET active = 0 WHERE id = ?", (uid,))
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (uid,))
            conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (at, uid),
            )
            self._bump_generation(conn)

    def activate_account(self, name: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE users SET active = 1 WHERE id = ?", (self._user_id(conn, name),))
            self._bump_generation(conn)

    # --- credentials -----------------------------------------------------------------
    def get_credentials(self, name: str) -> Credentials | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT u.id, c.password_hash, c.totp_secret, COALESCE(c.totp_enabled, 0), "
                "c.totp_last_step, COALESCE(c.recovery_codes, '[]') "
                "FROM users u LEFT JOIN credentials c ON c.user_id = u.id WHERE u.name = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        return Credentials(
            password_hash=row[1],
            totp_secret=row[2],
            totp_enabled=bool(row[3]),
            totp_last_step=row[4],
            recovery_codes=tuple(json.loads(row[5])),
        )

    def set_password_hash(self, name: str, password_hash: str | None, at: float) -> None:
        with self._tx() as conn:
            uid = self._user_id(conn, name)
            self._credentials_row(conn, uid)
            conn.execute(
                "UPDATE credentials SET password_hash = ?, updated_at = ? WHERE user_id = ?",
                (password_hash, at, uid),
            )

    def set_totp(
        self,
        name: str,
        secret: str | None,
        enabled: bool,
        recovery_codes: Iterable[str],
        last_step: int | None,
        at: float,
    ) -> None:
        with self._tx() as conn:
            uid = self._user_id(conn, name)
            self._credentials_row(conn, uid)
            conn.execute(
                "UPDATE credentials SET totp_secret = ?, totp_enabled = ?, recovery_codes = ?, "
                "totp_last_step = ?, updated_at = ? WHERE user_id = ?",
                (secret, int(enabled), json.dumps(list(recovery_codes)), last_step, at, uid),
            )

    def use_totp_step(self, name: str, step: int) -> bool:
        with self._tx() as conn:
            uid = self._user_id(conn, name)
            cur = conn.execute(
                "UPDATE credentials SET totp_last_step = ? WHERE user_id = ? "
                "AND (totp_last_step IS NULL OR totp_last_step < ?)",
                (step, uid, step),
            )
            return cur.rowcount == 1

    def use_recovery_code(self, name: str, code_hash: str) -> bool:
        with self._tx() as conn:
            uid = self._user_id(conn, name)
            row = conn.execute(
                "SELECT recovery_codes FROM credentials WHERE user_id = ?", (uid,)
            ).fetchone()
            codes: list[str] = json.loads(row[0]) if row else []
            if code_hash not in codes:
                return False
            codes.remove(code_hash)
            conn.execute(
                "UPDATE credentials SET recovery_codes = ? WHERE user_id = ?",
                (json.dumps(codes), uid),
            )
            return True

    # --- sessions --------------------------------------------------------------------
    def _insert_session(self, conn: sqlite3.Connection, s: Session) -> None:
        conn.execute(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, "
            "mfa_passed, csrf_token, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                s.id_hash,
                self._user_id(conn, s.user),
                s.created_at,
                s.last_seen_at,
                s.expires_at,
                int(s.mfa_passed),
                s.csrf_token,
                s.ip,
                s.user_agent,
            ),
        )

    def add_session(self, session: Session) -> None:
        with self._tx() as conn:
            self._insert_session(conn, session)

    def get_session(self, id_hash: str) -> Session | None:
        with self._lock:
            row = self._conn.execute(f"{_SESSION} WHERE s.id_hash = ?", (id_hash,)).fetchone()
        return _session(row) if row else None

    def touch_session(self, id_hash: str, last_seen_at: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", (last_seen_at, id_hash)
            )

    def replace_session(self, old_id_hash: str, new: Session) -> bool:
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE id_hash = ?", (old_id_hash,))
            if cur.rowcount != 1:
                return False
            self._insert_session(conn, new)
            return True

    def delete_session(self, id_hash: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    def delete_sessions(self, user: str, keep: str | None = None) -> int:
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?",
                (self._user_id(conn, user), keep),
            )
            return cur.rowcount

    def delete_stale_sessions(self, expired_before: float, idle_before: float) -> int:
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?",
                (expired_before, idle_before),
            )
            return cur.rowcount

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
    ) -> ApiToken:
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self._user_id(conn, user),
                    label,
                    prefix,
                    token_hash,
                    json.dumps(sorted(set(scopes))),
                    created_at,
                    expires_at,
                ),
            )
            token_id = int(cur.lastrowid or 0)
        token = self.get_api_token(token_id)
        assert token is not None
        return token

    def get_api_token(self, token_id: int) -> ApiToken | None:
        with self._lock:
            row = self._conn.execute(f"{_TOKEN} WHERE t.id = ?", (token_id,)).fetchone()
        return _token(row) if row else None

    def find_api_token(self, token_hash: str) -> ApiToken | None:
        with self._lock:
            row = self._conn.execute(f"{_TOKEN} WHERE t.token_hash = ?", (token_hash,)).fetchone()
        return _token(row) if row else None

    def list_api_tokens(self, user: str | None = None) -> list[ApiToken]:
        with self._lock:
            if user is None:
                rows = self._conn.execute(f"{_TOKEN} ORDER BY t.id DESC").fetchall()
            else:
                rows = self._conn.execute(
                    f"{_TOKEN} WHERE u.name = ? ORDER BY t.id DESC", (user,)
                ).fetchall()
        return [_token(r) for r in rows]

    def revoke_api_token(self, token_id: int, at: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (at, token_id),
            )

    def touch_api_token(self, token_id: int, at: float) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (at, token_id))

    # --- login attempts --------------------------------------------------------------
    def add_login_attempt(self, attempt: LoginAttempt) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO login_attempts (at, username, ip, success, outcome) "
                "VALUES (?, ?, ?, ?, ?)",
                (attempt.at, attempt.username, attempt.ip, int(attempt.success), attempt.outcome),
            )

    def login_attempts(
        self, since: float, username: str | None = None, ip: str | None = None
    ) -> list[LoginAttempt]:
        clauses: list[str] = ["at >= ?"]
        args: list[object] = [since]
        if username is not None:
            clauses.append("username = ?")
            args.append(username)
        if ip is not None:
            clauses.append("ip = ?")
            args.append(ip)
        with self._lock:
            rows = self._conn.execute(
                "SELECT at, username, ip, success, outcome FROM login_attempts "
                f"WHERE {' AND '.join(clauses)} ORDER BY at, id",
                args,
            ).fetchall()
        return [LoginAttempt(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def prune_login_attempts(self, before: float) -> int:
        with self._tx() as conn:
            return conn.execute("DELETE FROM login_attempts WHERE at < ?", (before,)).rowcount

    # --- runtime settings ------------------------------------------------------------
    def get_app_setting(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM app_settings WHERE key = ?", (key,))
            found = row.fetchone()
        return str(found[0]) if found else None

    def set_app_setting(self, key: str, value: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO app_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
