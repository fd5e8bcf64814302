"""Errors of the accounts domain. Each carries a ``code`` the web layer translates; the
English message is for logs, the API and the command line."""

from __future__ import annotations

from wissenswerk.core.errors import (
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    UnknownUserError,
)


class AccountPolicyError(ConfigError):
    """A value the account rules refuse (password policy, unknown role or scope, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AccountPermissionError(PermissionDeniedError):
    """An account action the caller may not take (scope above the role, setup done, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UnknownAccountError(UnknownUserError):
    code = "unknown_user"


class UnknownTokenError(NotFoundError):
    code = "unknown_token"

    def __init__(self, token_id: int) -> None:
        super().__init__(
            f"There is no API token with id {token_id}; list the tokens to find the right one."
        )
        self.token_id = token_id
