"""The accounts facade the web app and the REST API use: users and roles, logins (local
argon2id passwords or a directory bind), TOTP MFA, sessions and API tokens.

Outcomes the user sees are deliberately coarse: a wrong password, an unknown user and a user
who has no password yet (created on the command line) all read "invalid", and take about the
same time. Every login attempt is recorded in the store; throttling is computed from those
records (see throttle.py), so it holds across processes and restarts.
"""

from __future__ import annotations

import builtins
import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from wissenswerk.accounts import roles, throttle, tokens, totp
from wissenswerk.accounts.errors import (
    AccountPermissionError,
    AccountPolicyError,
    UnknownAccountError,
    UnknownTokenError,
)
from wissenswerk.accounts.passwords import Passwords
from wissenswerk.config.settings import AccountSettings
from wissenswerk.core.directory import Directory, DirectoryUser
from wissenswerk.core.errors import ConfigError, DirectoryError, PermissionDeniedError
from wissenswerk.store.accounts import Account, ApiToken, LoginAttempt, Session
from wissenswerk.store.base import Store

log = logging.getLogger(__name__)

Outcome = Literal["ok", "mfa_required", "mfa_enrolment_required", "invalid", "locked", "inactive"]
REQUIRE_MFA_KEY = "accounts.require_mfa"
TOUCH_EVERY_S = 30.0  # sliding session expiry: write last_seen at most this often
MAX_NAME_LENGTH = 128
MAX_LABEL_LENGTH = 100
ATTEMPTS_KEPT_S = 90 * 86400  # login attempts are for throttling; the audit log keeps logins


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: Outcome
    account: Account | None  # set for "ok", "mfa_required" and "mfa_enrolment_required"
    retry_after_s: int | None = None  # set for "locked"


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str  # base32; give it back to confirm_totp_enrolment
    uri: str  # otpauth://totp/...
    qr_svg: str  # inline <svg> element, no external references


class Accounts:
    def __init__(
        self,
        store: Store,
        settings: AccountSettings,
        directory: Directory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.directory = directory
        self._clock = clock
        self.passwords = Passwords(settings.password_min_length)

    # --- setup and users -------------------------------------------------------------
    def needs_setup(self) -> bool:
        """True while no active admin with a password exists (first run)."""
        return not self.store.admin_exists()

    def create_first_admin(self, name: str, password: str) -> Account:
        if not self.needs_setup():
            raise _setup_done()
        name = _check_name(name)
        self.passwords.check_policy(password, name)
        try:
            return self.store.claim_first_admin(name, self.passwords.hash(password))
        except PermissionDeniedError:  # another request won the race
            raise _setup_done() from None
        except ConfigError:
            raise _user_exists(name) from None

    def create_user(
        self,
        name: str,
        password: str | None,
        role: str = roles.MEMBER,
        groups: Iterable[str] = (),
        display_name: str | None = None,
        email: str | None = None,
    ) -> Account:
        """A local account. Without a password it can sign in only through the directory
        (if one is configured) until an admin sets one."""
        name = _check_name(name)
        roles.check_role(role)
        email = _check_email(email)
        if password is not None:
            self.passwords.check_policy(password, name)
        if self.store.get_account(name) is not None:
            raise _user_exists(name)
        password_hash = self.passwords.hash(password) if password is not None else None
        try:
            return self.store.add_account(
                name, role, groups, "local", display_name or None, email, password_hash
            )
        except ConfigError:
            raise _user_exists(name) from None

    def get(self, name: str) -> Account | None:
        return self.store.get_account(name)

    def list(self) -> builtins.list[Account]:
        return self.store.list_accounts()

    def set_password(self, name: str, password: str, keep_session: str | None = None) -> None:
        """Set a local password and end the user's sessions, except the session whose token
        is ``keep_session`` (the user changing their own password stays signed in)."""
        account = self._account(name)
        if account.origin == "directory":
            raise AccountPolicyError(
                "directory_account",
                f"{name!r} signs in with the directory password; change it in the directory "
                "(LDAP/Active Directory), not here.",
            )
        self.passwords.check_policy(password, name)
        self.store.set_password_hash(name, self.passwords.hash(password), self._clock())
        keep = tokens.secret_hash(keep_session) if keep_session else None
        self.store.delete_sessions(name, keep=keep)

    def set_role(self, name: str, role: str) -> None:
        roles.check_role(role)
        account = self._account(name)
        if account.role == roles.ADMIN and role != roles.ADMIN:
            self._keep_an_admin(account)
        self.store.set_role(name, role)

    def set_profile(self, name: str, display_name: str | None, email: str | None) -> None:
        self._account(name)
        self.store.set_profile(name, display_name or None, _check_email(email))

    def deactivate(self, name: str) -> None:
        """Deactivate the account, end its sessions and revoke its API tokens."""
        account = self._account(name)
        if account.role == roles.ADMIN:
            self._keep_an_admin(account)
        self.store.deactivate_account(name, self._clock())

    def activate(self, name: str) -> None:
        self._account(name)
        self.store.activate_account(name)

    # --- login -----------------------------------------------------------------------
    def authenticate(self, name: str, password: str, ip: str | None) -> LoginResult:
        now = self._clock()
        name = name.strip()
        key = throttle.user_key(name)
        until = self._locked_until(key, ip, now)
        if until is not None:
            self._record(now, key, ip, False, "locked")
            return LoginResult("locked", None, max(1, math.ceil(until - now)))

        account = self.store.get_account(name) if name else None
        credentials = self.store.get_credentials(name) if account else None
        if account and account.origin != "directory" and credentials and credentials.password_hash:
            ok = self.passwords.verify(credentials.password_hash, password)
            if ok and self.passwords.needs_rehash(credentials.password_hash):
                self.store.set_password_hash(name, self.passwords.hash(password), now)
        elif self.directory is not None and name and _directory_login(account):
            # Directory accounts, and users known only to the directory so far (they are
            # created here, as the next directory sync would create them).
            try:
                found = self.directory.authenticate(name, password)
            except DirectoryError:
                self._record(now, key, ip, False, "error")
                raise
            account = self._from_directory(found) if found else None
            ok = account is not None
        else:
            # Unknown user, or a CLI-created user without password: same answer, same time.
            self.passwords.verify_dummy(password)
            ok = False

        if not ok or account is None:
            self._record(now, key, ip, False, "invalid")
            return LoginResult("invalid", None)
        if not account.active:
            self._record(now, key, ip, False, "inactive")
            return LoginResult("inactive", None)
        if account.mfa_enabled:
            outcome: Outcome = "mfa_required"
        elif self.require_mfa():
            outcome = "mfa_enrolment_required"
        else:
            outcome = "ok"
        # "mfa_required" is no completed login: failed codes after it keep counting.
        self._record(now, key, ip, outcome != "mfa_required", outcome)
        return LoginResult(outcome, account)

    def verify_second_factor(self, name: str, code: str) -> bool:
        """A current TOTP code (each accepted once) or an unused recovery code (consumed).
        False also while the user name is locked after too many failures."""
        now = self._clock()
        key = throttle.user_key(name)
        if self._locked_until(key, None, now) is not None:
            self._record(now, key, None, False, "locked")
            return False
        account = self.store.get_account(name)
        credentials = self.store.get_credentials(name)
        ok = False
        if account and account.active and credentials and credentials.totp_enabled:
            code = totp.normalise_code(code)
            if totp.is_totp_code(code):
                step = totp.matching_step(credentials.totp_secret or "", code, now)
                ok = step is not None and self.store.use_totp_step(name, step)
            elif code:
                ok = self.store.use_recovery_code(name, totp.recovery_code_hash(code))
        self._record(now, key, None, ok, "mfa_ok" if ok else "mfa_invalid")
        return ok

    def lockout(self, name: str, ip: str | None = None) -> int | None:
        """Seconds until the user name (or the address) may try again; None if not locked.
        For messages such as "too many attempts, try again in 12 minutes"."""
        now = self._clock()
        until = self._locked_until(throttle.user_key(name), ip, now)
        return None if until is None else max(1, math.ceil(until - now))

    # --- MFA enrolment ---------------------------------------------------------------
    def begin_totp_enrolment(self, name: str) -> TotpEnrolment:
        account = self._account(name)
        secret = totp.new_secret()
        uri = totp.provisioning_uri(secret, account.name, self.settings.totp_issuer)
        return TotpEnrolment(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))

    def confirm_totp_enrolment(self, name: str, secret: str, code: str) -> builtins.list[str]:
        """Enable MFA once the app shows the right code; returns 10 recovery codes to show
        once (only their hashes are stored)."""
        self._account(name)
        if not totp.valid_secret(secret):
            raise AccountPolicyError(
                "invalid_secret", "The enrolment secret is damaged; start the enrolment again."
            )
        step = totp.matching_step(secret, totp.normalise_code(code), self._clock())
        if step is None:
            raise AccountPolicyError(
                "invalid_code",
                "The code does not match. Enter the code the app shows now, and check that "
                "the device's clock is right.",
            )
        codes = totp.new_recovery_codes()
        self.store.set_totp(
            name, secret, True, [totp.recovery_code_hash(c) for c in codes], step, self._clock()
        )
        return codes

    def new_recovery_codes(self, name: str) -> builtins.list[str]:
        """Replace the recovery codes of an MFA user (the old ones stop working)."""
        credentials = self.store.get_credentials(self._account(name).name)
        if not credentials or not credentials.totp_enabled:
            raise AccountPolicyError(
                "mfa_not_enabled", f"{name!r} has no MFA; set up an authenticator app first."
            )
        codes = totp.new_recovery_codes()
        self.store.set_totp(
            name,
            credentials.totp_secret,
            True,
            [totp.recovery_code_hash(c) for c in codes],
            credentials.totp_last_step,
            self._clock(),
        )
        return codes

    def reset_mfa(self, name: str) -> None:
        """Admin action for a lost device: remove TOTP and recovery codes, end the sessions."""
        self._account(name)
        self.store.set_totp(name, None, False, (), None, self._clock())
        self.store.delete_sessions(name)

    def require_mfa(self) -> bool:
        stored = self.store.get_app_setting(REQUIRE_MFA_KEY)
        return self.settings.require_mfa if stored is None else stored == "true"

    def set_require_mfa(self, value: bool) -> None:
        self.store.set_app_setting(REQUIRE_MFA_KEY, "true" if value else "false")

    # --- sessions --------------------------------------------------------------------
    def create_session(
        self, name: str, mfa_passed: bool, ip: str | None, user_agent: str | None
    ) -> tuple[str, Session]:
        """A new session; returns the cookie token and the session. ``mfa_passed``: the
        login is complete (outcome "ok", or the second factor is done); False while the
        second factor or the enrolment is still to come (then upgrade_session)."""
        account = self._account(name)
        if not account.active:
            raise AccountPermissionError("inactive", f"The account {name!r} is deactivated.")
        now = self._clock()
        # Housekeeping on the way: logins are rare enough, and no scheduler is needed.
        self.store.delete_stale_sessions(now, now - self._idle_s)
        self.store.prune_login_attempts(now - ATTEMPTS_KEPT_S)
        token = tokens.new_session_token()
        session = Session(
            id_hash=tokens.secret_hash(token),
            user=account.name,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.settings.session_hours * 3600,
            mfa_passed=mfa_passed,
            csrf_token=tokens.new_session_token(),
            ip=ip,
            user_agent=(user_agent or "")[:512] or None,
        )
        self.store.add_session(session)
        return token, session

    def get_session(self, token: str) -> Session | None:
        """The live session of a cookie token; None when unknown, expired (absolute or idle)
        or its user is deactivated. Each call slides the idle expiry."""
        if not token:
            return None
        id_hash = tokens.secret_hash(token)
        session = self.store.get_session(id_hash)
        if session is None:
            return None
        now = self._clock()
        account = self.store.get_account(session.user)
        if (
            now >= session.expires_at
            or now - session.last_seen_at >= self._idle_s
            or account is None
            or not account.active
        ):
            self.store.delete_session(id_hash)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY_S:
            self.store.touch_session(id_hash, now)
            session = dataclasses.replace(session, last_seen_at=now)
        return session

    def upgrade_session(self, token: str) -> tuple[str, Session]:
        """After the second factor (or the enrolment): a NEW token with mfa_passed, the old
        token stops working (session fixation). The absolute expiry stays that of the login."""
        session = self.get_session(token)
        if session is None:
            raise _session_expired()
        new_token = tokens.new_session_token()
        upgraded = dataclasses.replace(
            session,
            id_hash=tokens.secret_hash(new_token),
            mfa_passed=True,
            csrf_token=tokens.new_session_token(),
            last_seen_at=self._clock(),
        )
        if not self.store.replace_session(session.id_hash, upgraded):
            raise _session_expired()
        return new_token, upgraded

    def end_session(self, token: str) -> None:
        if token:
            self.store.delete_session(tokens.secret_hash(token))

    def end_all_sessions(self, name: str) -> None:
        self._account(name)
        self.store.delete_sessions(name)

    # --- API tokens ------------------------------------------------------------------
    def create_api_token(
        self, name: str, label: str, scopes: Iterable[str], expires_at: float | None = None
    ) -> tuple[str, ApiToken]:
        """Returns the plaintext token (shown once) and its record. Scopes above the user's
        role (e.g. "users" for a member) are refused."""
        account = self._account(name)
        if not account.active:
            raise AccountPermissionError("inactive", f"The account {name!r} is deactivated.")
        label = label.strip()
        if not label:
            raise AccountPolicyError(
                "label_required", "Give the token a name that says where it is used."
            )
        if len(label) > MAX_LABEL_LENGTH:
            raise AccountPolicyError(
                "label_too_long",
                f"The token name is too long: at most {MAX_LABEL_LENGTH} characters.",
            )
        wanted = frozenset(scopes)
        if not wanted:
            raise AccountPolicyError(
                "no_scopes", f"Choose at least one scope: {', '.join(tokens.SCOPES)}."
            )
        unknown = sorted(wanted - set(tokens.SCOPES))
        if unknown:
            raise AccountPolicyError(
                "unknown_scope",
                f"Unknown scope {', '.join(unknown)}; choose from {', '.join(tokens.SCOPES)}.",
            )
        refused = sorted(s for s in wanted if not tokens.scope_allowed(account.role, s))
        if refused:
            raise AccountPermissionError(
                "scope_not_allowed",
                f"The role {account.role!r} of {name!r} does not allow the scope "
                f"{', '.join(refused)}.",
            )
        now = self._clock()
        if expires_at is not None and expires_at <= now:
            raise AccountPolicyError(
                "expiry_in_past", "The expiry date lies in the past; choose a later one."
            )
        plaintext, prefix = tokens.new_api_token()
        record = self.store.add_api_token(
            account.name, label, prefix, tokens.secret_hash(plaintext), wanted, now, expires_at
        )
        return plaintext, record

    def list_api_tokens(self, name: str | None = None) -> builtins.list[ApiToken]:
        return self.store.list_api_tokens(name)

    def revoke_api_token(self, token_id: int, by: str) -> None:
        """Revoke a token; its owner and admins may."""
        token = self.store.get_api_token(token_id)
        if token is None:
            raise UnknownTokenError(token_id)
        actor = self.store.get_account(by)
        if token.user != by and not (actor and roles.may(actor.role, "admin.users")):
            raise AccountPermissionError(
                "not_token_owner", "Only the token's owner or an administrator may revoke it."
            )
        self.store.revoke_api_token(token_id, self._clock())

    def verify_api_token(self, plaintext: str) -> tuple[Account, frozenset[str]] | None:
        """The account and the token's scopes that its role still allows; None when the
        token is unknown, revoked, expired or its user is deactivated."""
        if not plaintext.startswith(tokens.API_TOKEN_PREFIX):
            return None
        token = self.store.find_api_token(tokens.secret_hash(plaintext))
        now = self._clock()
        if token is None or not token.valid_at(now):
            return None
        account = self.store.get_account(token.user)
        if account is None or not account.active:
            return None
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY_S:
            self.store.touch_api_token(token.id, now)
        return account, frozenset(s for s in token.scopes if tokens.scope_allowed(account.role, s))

    # --- internals -------------------------------------------------------------------
    @property
    def _idle_s(self) -> float:
        return self.settings.idle_minutes * 60

    def _account(self, name: str) -> Account:
        account = self.store.get_account(name)
        if account is None:
            raise UnknownAccountError(name)
        return account

    def _keep_an_admin(self, leaving: Account) -> None:
        """Refuse to demote or deactivate the last admin who can sign in to the web app."""
        if not (leaving.active and leaving.has_password):
            return
        others = [
            a
            for a in self.store.list_accounts()
            if a.role == roles.ADMIN and a.active and a.has_password and a.name != leaving.name
        ]
        if not others:
            raise AccountPermissionError(
                "last_admin",
                f"{leaving.name!r} is the last administrator; make another user admin first.",
            )

    def _from_directory(self, found: DirectoryUser) -> Account | None:
        """Create or refresh the account of a directory login with its current groups. An
        account an admin deactivated here stays deactivated."""
        existing = self.store.get_account(found.name)
        active = found.active and (existing is None or existing.active)
        self.store.upsert_user(found.name, found.groups, active, "directory")
        self.store.set_profile(found.name, found.display_name, found.email)
        return self.store.get_account(found.name)

    def _locked_until(self, key: str, ip: str | None, now: float) -> float | None:
        window = self.settings.lockout_minutes * 60
        since = now - 2 * window
        ends = [
            throttle.locked_until(
                self.store.login_attempts(since, username=key),
                now,
                self.settings.max_failed_logins,
                window,
                reset=True,
            )
        ]
        if ip:
            ends.append(
                throttle.locked_until(
                    self.store.login_attempts(since, ip=ip),
                    now,
                    self.settings.ip_max_failed_logins,
                    window,
                    reset=False,
                )
            )
        known = [end for end in ends if end is not None]
        return max(known) if known else None

    def _record(self, now: float, key: str, ip: str | None, success: bool, outcome: str) -> None:
        self.store.add_login_attempt(LoginAttempt(now, key or None, ip, success, outcome))


def _directory_login(account: Account | None) -> bool:
    """Whether a login goes to the directory: directory accounts, users without a local
    password (imported on the command line) and names only the directory may know."""
    return account is None or account.origin == "directory" or not account.has_password


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME_LENGTH or any(ord(c) < 32 for c in clean):
        raise AccountPolicyError(
            "invalid_name",
            f"A user name needs 1 to {MAX_NAME_LENGTH} characters, without control characters.",
        )
    return clean


def _check_email(email: str | None) -> str | None:
    if not email or not email.strip():
        return None
    email = email.strip()
    local, _, domain = email.partition("@")
    if not local or not domain or any(c.isspace() for c in email):
        raise AccountPolicyError(
            "invalid_email", f"{email!r} is not an e-mail address like name@firma.de."
        )
    return email


def _user_exists(name: str) -> AccountPolicyError:
    return AccountPolicyError(
        "user_exists", f"A user named {name!r} exists already; choose another name."
    )


def _setup_done() -> AccountPermissionError:
    return AccountPermissionError(
        "setup_done", "An administrator exists already; sign in as that administrator instead."
    )


def _session_expired() -> AccountPermissionError:
    return AccountPermissionError("session_expired", "The session has ended; sign in again.")
