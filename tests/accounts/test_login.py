"""Password logins, lockout per user name and per address, and what the outcome reveals."""

from __future__ import annotations

from tests.accounts.conftest import PASSWORD, Clock
from wissenswerk.accounts import Account, Accounts
from wissenswerk.store.sqlite.store import SQLiteStore

WINDOW_S = 15 * 60


def test_right_password(accounts: Accounts, anna: Account) -> None:
    result = accounts.authenticate(" anna ", PASSWORD, "10.0.0.1")

    assert result.outcome == "ok"
    assert result.account == anna and result.retry_after_s is None


def test_wrong_password_unknown_user_and_cli_user_look_the_same(
    accounts: Accounts, store: SQLiteStore, anna: Account
) -> None:
    store.upsert_user("cli-user", ["vertrieb"])  # `wissenswerk users add`: no password yet

    results = [
        accounts.authenticate("anna", "falsches-Passwort", "10.0.0.1"),
        accounts.authenticate("niemand", "falsches-Passwort", "10.0.0.1"),
        accounts.authenticate("cli-user", "", "10.0.0.1"),
        accounts.authenticate("cli-user", PASSWORD, "10.0.0.1"),
        accounts.authenticate("", PASSWORD, "10.0.0.1"),
    ]

    assert {(r.outcome, r.account, r.retry_after_s) for r in results} == {("invalid", None, None)}
    assert [a.outcome for a in store.login_attempts(0)] == ["invalid"] * 5
    assert [a.username for a in store.login_attempts(0)][:2] == ["anna", "niemand"]


def test_a_cli_user_logs_in_once_an_admin_set_a_password(
    accounts: Accounts, store: SQLiteStore
) -> None:
    store.upsert_user("cli-user", [])
    accounts.set_password("cli-user", PASSWORD)

    assert accounts.authenticate("cli-user", PASSWORD, None).outcome == "ok"


def test_a_deactivated_user_is_told_so_only_with_the_right_password(
    accounts: Accounts, anna: Account
) -> None:
    accounts.deactivate("anna")

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "inactive"
    assert accounts.authenticate("anna", "falsches-Passwort", None).outcome == "invalid"


def test_lockout_after_failures_and_unlock_after_the_window(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    for _ in range(3):  # max_failed_logins = 3
        assert accounts.authenticate("anna", "falsch-falsch", "10.0.0.1").outcome == "invalid"
        clock.advance(10)

    locked = accounts.authenticate("anna", PASSWORD, "10.0.0.2")  # right password, still locked
    assert locked.outcome == "locked" and locked.account is None
    assert locked.retry_after_s == WINDOW_S - 10
    assert accounts.lockout("anna") == WINDOW_S - 10
    assert accounts.lockout("ANNA") == WINDOW_S - 10  # names are throttled case-blind

    # Trying again during the lockout does not prolong it.
    clock.advance(WINDOW_S - 20)
    assert accounts.authenticate("anna", PASSWORD, None).retry_after_s == 10
    clock.advance(10)
    assert accounts.lockout("anna") is None
    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"


def test_unknown_names_lock_like_known_ones(accounts: Accounts) -> None:
    for _ in range(3):
        accounts.authenticate("niemand", "falsch-falsch", None)
    result = accounts.authenticate("niemand", "falsch-falsch", None)
    assert result.outcome == "locked" and result.retry_after_s == WINDOW_S


def test_failures_spread_over_more_than_the_window_do_not_lock(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    for _ in range(4):
        accounts.authenticate("anna", "falsch-falsch", None)
        clock.advance(WINDOW_S / 2 + 1)

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"


def test_a_successful_login_clears_the_failures(accounts: Accounts, anna: Account) -> None:
    for _ in range(2):
        accounts.authenticate("anna", "falsch-falsch", None)
    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"
    for _ in range(2):
        accounts.authenticate("anna", "falsch-falsch", None)

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"


def test_one_address_trying_many_names_is_throttled(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    for number in range(5):  # ip_max_failed_logins = 5, each name below its own limit
        accounts.authenticate(f"user{number}", "falsch-falsch", "10.9.9.9")

    blocked = accounts.authenticate("anna", PASSWORD, "10.9.9.9")
    assert blocked.outcome == "locked" and blocked.retry_after_s == WINDOW_S
    # Anna herself, from her own address, is not affected.
    assert accounts.authenticate("anna", PASSWORD, "10.0.0.1").outcome == "ok"
    clock.advance(WINDOW_S)
    assert accounts.authenticate("anna", PASSWORD, "10.9.9.9").outcome == "ok"


def test_every_attempt_is_recorded(
    accounts: Accounts, store: SQLiteStore, clock: Clock, anna: Account
) -> None:
    accounts.authenticate("anna", PASSWORD, "10.0.0.1")
    accounts.authenticate("Anna", "falsch-falsch", "10.0.0.2")

    rows = [(a.at, a.username, a.ip, a.success, a.outcome) for a in store.login_attempts(0)]
    assert rows == [
        (clock.now, "anna", "10.0.0.1", True, "ok"),
        (clock.now, "anna", "10.0.0.2", False, "invalid"),
    ]
