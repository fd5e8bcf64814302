"""An accounts service on a real SQLite store, with a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wissenswerk.accounts import Account, Accounts
from wissenswerk.config.settings import AccountSettings
from wissenswerk.store.sqlite.store import SQLiteStore

PASSWORD = "Kaffeemaschine-2025"
START = 1_750_000_000.0


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def account_settings(**overrides: object) -> AccountSettings:
    values: dict[str, object] = {
        "max_failed_logins": 3,
        "lockout_minutes": 15,
        "ip_max_failed_logins": 5,
        "session_hours": 12,
        "idle_minutes": 60,
    }
    values.update(overrides)
    return AccountSettings.model_validate(values)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def accounts(store: SQLiteStore, clock: Clock) -> Accounts:
    return Accounts(store, account_settings(), clock=clock)


@pytest.fixture
def anna(accounts: Accounts) -> Account:
    """A member with a password."""
    return accounts.create_user("anna", PASSWORD, groups=["vertrieb"])
