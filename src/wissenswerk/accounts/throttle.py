"""Login throttling from the recorded attempts.

Rule: when ``limit`` counted failures fall within ``window`` seconds, the user name (or the
address) is locked until ``window`` seconds after the last of them. Attempts refused during a
lockout are recorded with outcome "locked" and do not extend it, so a user who waits the
announced time gets in. Unknown user names lock exactly like known ones: a lockout never
tells whether an account exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from wissenswerk.store.accounts import LoginAttempt

COUNTED = frozenset({"invalid", "mfa_invalid"})


def locked_until(
    attempts: Sequence[LoginAttempt], now: float, limit: int, window: float, reset: bool
) -> float | None:
    """Attempts oldest first, at least those of the last 2 × window. ``reset``: a completed
    login clears the failures before it (per user, not per address)."""
    failures: list[float] = []
    for attempt in attempts:
        if reset and attempt.success:
            failures.clear()
        elif attempt.outcome in COUNTED:
            failures.append(attempt.at)
    if not failures or failures[-1] <= now - window:
        return None
    last = failures[-1]
    if sum(1 for at in failures if at > last - window) >= limit:
        return last + window
    return None


def user_key(name: str) -> str:
    """Throttle key of a user name: "Olaf" and "olaf" share one (LDAP names ignore case)."""
    return name.strip().casefold()
