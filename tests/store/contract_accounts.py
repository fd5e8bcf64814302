"""Contract tests for the accounts part of the store; every backend must pass them."""

from __future__ import annotations

import pytest

from wissenswerk.core.errors import ConfigError, PermissionDeniedError, UnknownUserError
from wissenswerk.store.accounts import LoginAttempt, Session
from wissenswerk.store.base import Store


def session(id_hash: str, user: str = "anna", at: float = 1000.0) -> Session:
    return Session(
        id_hash=id_hash,
        user=user,
        created_at=at,
        last_seen_at=at,
        expires_at=at + 3600,
        mfa_passed=False,
        csrf_token=f"csrf-{id_hash}",
        ip="127.0.0.1",
        user_agent="Firefox",
    )


class AccountsContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

    # --- accounts --------------------------------------------------------------------
    def test_cli_users_are_members_without_password(self, store: Store) -> None:
        store.upsert_user("anna", ["vertrieb"])

        account = store.get_account("anna")

        assert account is not None
        assert (account.role, account.origin, account.groups) == ("member", "local", ("vertrieb",))
        assert not account.has_password and not account.mfa_enabled and account.active
        assert store.get_account("nobody") is None
        credentials = store.get_credentials("anna")
        assert credentials is not None and credentials.password_hash is None
        assert credentials.recovery_codes == () and not credentials.totp_enabled
        assert store.get_credentials("nobody") is None

    def test_add_account_with_profile_and_duplicate(self, store: Store) -> None:
        added = store.add_account(
            "berta", "editor", ["technik", " ", "technik"], "local", "Berta B.", "b@x.de", "$h"
        )

        assert added.groups == ("technik",) and added.has_password
        assert (added.role, added.display_name, added.email) == ("editor", "Berta B.", "b@x.de")
        assert store.get_account("berta") == added
        with pytest.raises(ConfigError, match="exists already"):
            store.add_account("berta", "member", [], "local", None, None, None)
        store.add_account("anton", "member", [], "local", None, None, None)
        assert [a.name for a in store.list_accounts()] == ["anton", "berta"]

    def test_claim_first_admin_once(self, store: Store) -> None:
        assert not store.admin_exists()
        store.upsert_user("cli-user", [])

        admin = store.claim_first_admin("cli-user", "$hash")  # a CLI user is promoted

        assert (admin.role, admin.has_password) == ("admin", True)
        assert store.admin_exists()
        with pytest.raises(PermissionDeniedError):
            store.claim_first_admin("second", "$hash")
        assert store.get_account("second") is None

    def test_claim_first_admin_refuses_directory_users(self, store: Store) -> None:
        store.upsert_user("olaf", [], origin="directory")
        with pytest.raises(ConfigError):
            store.claim_first_admin("olaf", "$hash")
        assert not store.admin_exists()
        # An admin without password (or a deactivated one) does not count as set up.
        store.add_account("root", "admin", [], "local", None, None, None)
        assert not store.admin_exists()

    def test_role_profile_and_unknown_users(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.set_role("anna", "editor")
        store.set_profile("anna", "Anna A.", "anna@firma.de")

        account = store.get_account("anna")
        assert account is not None
        assert (account.role, account.display_name, account.email) == (
            "editor",
            "Anna A.",
            "anna@firma.de",
        )
        # A directory or CSV refresh keeps role and profile.
        store.upsert_user("anna", ["neu"], origin="directory")
        account = store.get_account("anna")
        assert account is not None and (account.role, account.groups) == ("editor", ("neu",))
        for call in (
            lambda: store.set_role("ghost", "admin"),
            lambda: store.set_profile("ghost", None, None),
            lambda: store.set_password_hash("ghost", "$h", 1.0),
            lambda: store.deactivate_account("ghost", 1.0),
        ):
            with pytest.raises(UnknownUserError):
                call()

    def test_deactivate_ends_sessions_and_revokes_tokens(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.upsert_user("berta", [])
        store.add_session(session("s1"))
        store.add_session(session("s2", user="berta"))
        token = store.add_api_token("anna", "cron", "ww_1", "h1", ["search"], 10.0, None)
        before = store.generation()

        store.deactivate_account("anna", 50.0)

        account = store.get_account("anna")
        assert account is not None and not account.active
        assert store.get_session("s1") is None and store.get_session("s2") is not None
        revoked = store.get_api_token(token.id)
        assert revoked is not None and revoked.revoked_at == 50.0
        assert store.generation() != before
        store.activate_account("anna")
        account = store.get_account("anna")
        assert account is not None and account.active

    # --- credentials -----------------------------------------------------------------
    def test_password_and_totp_state(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.set_password_hash("anna", "$argon2id$x", 5.0)
        store.set_totp("anna", "SECRET", True, ["c1", "c2"], 7, 5.0)

        credentials = store.get_credentials("anna")
        assert credentials is not None
        assert credentials.password_hash == "$argon2id$x"
        assert (credentials.totp_secret, credentials.totp_enabled) == ("SECRET", True)
        assert (credentials.totp_last_step, credentials.recovery_codes) == (7, ("c1", "c2"))
        account = store.get_account("anna")
        assert account is not None and account.has_password and account.mfa_enabled

        store.set_totp("anna", None, False, (), None, 6.0)
        credentials = store.get_credentials("anna")
        assert credentials is not None and not credentials.totp_enabled
        assert credentials.totp_secret is None and credentials.recovery_codes == ()
        assert credentials.password_hash == "$argon2id$x"

    def test_a_totp_step_is_used_once_and_never_an_older_one(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.set_totp("anna", "SECRET", True, [], None, 1.0)

        assert store.use_totp_step("anna", 100)
        assert not store.use_totp_step("anna", 100)
        assert not store.use_totp_step("anna", 99)
        assert store.use_totp_step("anna", 101)

    def test_a_recovery_code_is_consumed(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.set_totp("anna", "SECRET", True, ["a", "b"], None, 1.0)

        assert store.use_recovery_code("anna", "a")
        assert not store.use_recovery_code("anna", "a")
        assert not store.use_recovery_code("anna", "zzz")
        credentials = store.get_credentials("anna")
        assert credentials is not None and credentials.recovery_codes == ("b",)

    # --- sessions --------------------------------------------------------------------
    def test_sessions_round_trip_touch_and_delete(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.add_session(session("s1"))
        store.add_session(session("s2"))

        assert store.get_session("s1") == session("s1")
        store.touch_session("s1", 1500.0)
        touched = store.get_session("s1")
        assert touched is not None and touched.last_seen_at == 1500.0
        store.delete_session("s1")
        assert store.get_session("s1") is None
        store.add_session(session("s3"))
        assert store.delete_sessions("anna", keep="s3") == 1
        assert store.get_session("s2") is None and store.get_session("s3") is not None
        assert store.delete_sessions("anna") == 1

    def test_replace_session_is_atomic(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.add_session(session("old"))

        assert store.replace_session("old", session("new"))
        assert store.get_session("old") is None and store.get_session("new") is not None
        # The old one is gone: a second upgrade with it adds nothing.
        assert not store.replace_session("old", session("newer"))
        assert store.get_session("newer") is None

    def test_stale_sessions_are_deleted(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.add_session(session("expired", at=0.0))  # ends at 3600
        store.add_session(session("idle", at=3000.0))
        store.add_session(session("live", at=5000.0))

        assert store.delete_stale_sessions(expired_before=4000.0, idle_before=4500.0) == 2
        assert store.get_session("live") is not None

    # --- API tokens ------------------------------------------------------------------
    def test_api_tokens(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.upsert_user("berta", [])
        first = store.add_api_token("anna", "cron", "ww_1", "h1", ["search", "ask"], 10.0, 99.0)
        second = store.add_api_token("berta", "bot", "ww_2", "h2", ["ask"], 11.0, None)

        assert first.scopes == frozenset({"search", "ask"})
        assert (first.user, first.label, first.prefix, first.expires_at) == (
            "anna",
            "cron",
            "ww_1",
            99.0,
        )
        assert store.find_api_token("h2") == second
        assert store.find_api_token("nope") is None
        assert store.get_api_token(12345) is None
        assert [t.id for t in store.list_api_tokens()] == [second.id, first.id]
        assert store.list_api_tokens("anna") == [first]
        assert first.valid_at(50.0) and not first.valid_at(99.0)

        store.touch_api_token(first.id, 20.0)
        store.revoke_api_token(first.id, 30.0)
        store.revoke_api_token(first.id, 40.0)  # the first revocation time stays
        token = store.get_api_token(first.id)
        assert token is not None
        assert (token.last_used_at, token.revoked_at) == (20.0, 30.0)
        assert not token.valid_at(31.0)

    # --- login attempts and settings -------------------------------------------------
    def test_login_attempts_by_name_and_address(self, store: Store) -> None:
        rows = [
            LoginAttempt(1.0, "anna", "10.0.0.1", False, "invalid"),
            LoginAttempt(2.0, "berta", "10.0.0.1", True, "ok"),
            LoginAttempt(3.0, "anna", "10.0.0.2", False, "locked"),
            LoginAttempt(4.0, None, "10.0.0.1", False, "invalid"),
        ]
        for row in reversed(rows):
            store.add_login_attempt(row)

        assert store.login_attempts(0.0, username="anna") == [rows[0], rows[2]]
        assert store.login_attempts(2.0, ip="10.0.0.1") == [rows[1], rows[3]]
        assert store.login_attempts(0.0, username="anna", ip="10.0.0.2") == [rows[2]]
        assert store.login_attempts(0.0) == rows
        assert store.prune_login_attempts(before=3.0) == 2
        assert store.login_attempts(0.0) == rows[2:]

    def test_app_settings(self, store: Store) -> None:
        assert store.get_app_setting("accounts.require_mfa") is None
        store.set_app_setting("accounts.require_mfa", "true")
        store.set_app_setting("accounts.require_mfa", "false")
        assert store.get_app_setting("accounts.require_mfa") == "false"
