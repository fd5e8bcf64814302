"""TOTP enrolment and verification, recovery codes, and MFA required for everyone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pyotp
import pytest

from tests.accounts.conftest import PASSWORD, Clock, account_settings
from wissenswerk.accounts import Account, AccountPolicyError, Accounts
from wissenswerk.store.sqlite.store import SQLiteStore


def enrol(accounts: Accounts, clock: Clock, name: str = "anna") -> tuple[pyotp.TOTP, list[str]]:
    enrolment = accounts.begin_totp_enrolment(name)
    totp = pyotp.TOTP(enrolment.secret)
    codes = accounts.confirm_totp_enrolment(name, enrolment.secret, totp.at(clock.now))
    clock.advance(30)  # the confirming code's step is used up
    return totp, codes


def test_enrolment_gives_uri_and_a_self_contained_svg(accounts: Accounts, anna: Account) -> None:
    enrolment = accounts.begin_totp_enrolment("anna")

    assert re.fullmatch(r"[A-Z2-7]{32}", enrolment.secret)
    assert enrolment.uri == (
        f"otpauth://totp/wissenswerk:anna?secret={enrolment.secret}&issuer=wissenswerk"
    )
    svg = enrolment.qr_svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    ET.fromstring(svg)  # well-formed
    assert "http" not in svg and "href" not in svg and "<?xml" not in svg
    assert "url(" not in svg and "<script" not in svg and "style=" not in svg
    account = accounts.get("anna")
    assert account is not None and not account.mfa_enabled  # only after confirmation


def test_confirmation_needs_the_right_code(accounts: Accounts, clock: Clock, anna: Account) -> None:
    enrolment = accounts.begin_totp_enrolment("anna")
    wrong = pyotp.TOTP(pyotp.random_base32()).at(clock.now)

    with pytest.raises(AccountPolicyError) as refused:
        accounts.confirm_totp_enrolment("anna", enrolment.secret, wrong)
    assert refused.value.code == "invalid_code"
    with pytest.raises(AccountPolicyError) as damaged:
        accounts.confirm_totp_enrolment("anna", "not base32!", "123456")
    assert damaged.value.code == "invalid_secret"
    account = accounts.get("anna")
    assert account is not None and not account.mfa_enabled


def test_login_with_totp(accounts: Accounts, clock: Clock, anna: Account) -> None:
    totp, codes = enrol(accounts, clock)

    result = accounts.authenticate("anna", PASSWORD, None)
    assert result.outcome == "mfa_required" and result.account is not None
    assert result.account.mfa_enabled
    assert len(codes) == len(set(codes)) == 10
    code = totp.at(clock.now)
    assert accounts.verify_second_factor("anna", code)
    assert not accounts.verify_second_factor("anna", code)  # replay of the same code


def test_one_step_of_clock_drift_either_way(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    totp, _ = enrol(accounts, clock)
    clock.advance(120)

    assert not accounts.verify_second_factor("anna", totp.at(clock.now - 60))
    assert accounts.verify_second_factor("anna", totp.at(clock.now - 30))
    assert accounts.verify_second_factor("anna", totp.at(clock.now))
    assert accounts.verify_second_factor("anna", totp.at(clock.now + 30))
    # Once a later step was used, earlier codes are spent too.
    assert not accounts.verify_second_factor("anna", totp.at(clock.now))
    assert not accounts.verify_second_factor("anna", totp.at(clock.now + 90))


def test_a_recovery_code_works_once(
    accounts: Accounts, store: SQLiteStore, clock: Clock, anna: Account
) -> None:
    _, codes = enrol(accounts, clock)
    credentials = store.get_credentials("anna")
    assert credentials is not None and len(credentials.recovery_codes) == 10
    assert not set(codes) & set(credentials.recovery_codes)  # only hashes are stored

    assert accounts.verify_second_factor("anna", f"  {codes[3].upper()} ")
    assert not accounts.verify_second_factor("anna", codes[3])
    assert accounts.verify_second_factor("anna", codes[4].replace("-", ""))
    assert not accounts.verify_second_factor("anna", "aaaa-bbbb-cccc-dddd")


def test_new_recovery_codes_replace_the_old(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    _, old = enrol(accounts, clock)
    new = accounts.new_recovery_codes("anna")

    assert not accounts.verify_second_factor("anna", old[0])
    assert accounts.verify_second_factor("anna", new[0])


def test_no_second_factor_without_enrolment(accounts: Accounts, anna: Account) -> None:
    assert not accounts.verify_second_factor("anna", "123456")
    assert not accounts.verify_second_factor("niemand", "123456")


def test_guessing_codes_locks_even_when_the_password_is_known(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    totp, _ = enrol(accounts, clock)
    wrong = f"{(int(totp.at(clock.now)) + 1) % 1_000_000:06d}"
    for _ in range(2):
        # A right password does not reset the count while the second factor is missing.
        assert accounts.authenticate("anna", PASSWORD, None).outcome == "mfa_required"
        accounts.verify_second_factor("anna", wrong)
        accounts.verify_second_factor("anna", wrong)

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "locked"
    assert not accounts.verify_second_factor("anna", totp.at(clock.now))
    assert accounts.lockout("anna") == 15 * 60


def test_require_mfa_for_everyone(accounts: Accounts, clock: Clock, anna: Account) -> None:
    assert not accounts.require_mfa()
    accounts.set_require_mfa(True)
    assert accounts.require_mfa()

    pending = accounts.authenticate("anna", PASSWORD, None)
    assert pending.outcome == "mfa_enrolment_required" and pending.account == anna
    enrol(accounts, clock)
    assert accounts.authenticate("anna", PASSWORD, None).outcome == "mfa_required"

    accounts.set_require_mfa(False)
    assert not accounts.require_mfa()


def test_the_setting_is_only_the_default(store: SQLiteStore, clock: Clock) -> None:
    accounts = Accounts(store, account_settings(require_mfa=True), clock=clock)
    assert accounts.require_mfa()
    accounts.set_require_mfa(False)
    assert not Accounts(store, account_settings(require_mfa=True)).require_mfa()


def test_reset_mfa(accounts: Accounts, clock: Clock, anna: Account) -> None:
    totp, _ = enrol(accounts, clock)
    token, _ = accounts.create_session("anna", True, None, None)

    accounts.reset_mfa("anna")

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"
    assert not accounts.verify_second_factor("anna", totp.at(clock.now))
    assert accounts.get_session(token) is None
