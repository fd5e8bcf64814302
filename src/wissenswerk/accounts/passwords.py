"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import logging
import secrets
from functools import cached_property

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from wissenswerk.accounts.errors import AccountPolicyError

log = logging.getLogger(__name__)

MAX_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is a denial of service


class Passwords:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, t=3, p=4).
    Hashes made with older parameters are upgraded at the next successful login."""

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length
        self._hasher = argon2.PasswordHasher(type=argon2.Type.ID)

    def check_policy(self, password: str, name: str) -> None:
        if len(password) < self.min_length:
            raise AccountPolicyError(
                "password_too_short",
                f"The password is too short: use at least {self.min_length} characters "
                "(a few words make a good one).",
            )
        if len(password) > MAX_LENGTH:
            raise AccountPolicyError(
                "password_too_long",
                f"The password is too long: use at most {MAX_LENGTH} characters.",
            )
        if password.strip().casefold() == name.strip().casefold():
            raise AccountPolicyError(
                "password_same_as_name", "The password must not be the user name."
            )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        if len(password) > MAX_LENGTH:
            return False
        try:
            return self._hasher.verify(password_hash, password)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError) as exc:
            log.warning("A stored password hash cannot be checked (%s); set a new password.", exc)
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))

    def verify_dummy(self, password: str) -> None:
        """Spend the time of one verification, so unknown users answer as slowly as known."""
        self.verify(self._dummy_hash, password)
