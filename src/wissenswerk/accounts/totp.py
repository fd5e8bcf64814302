"""TOTP (RFC 6238: 30-second steps, 6 digits, SHA-1 — what authenticator apps support),
its QR code, and recovery codes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

import pyotp
import segno

STEP_S = 30
WINDOW = 1  # steps accepted either side of the current one (clock drift)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_GROUPS, _RECOVERY_GROUP_LEN = 4, 4  # 16 characters, about 79 bits


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def valid_secret(secret: str) -> bool:
    if len(secret) < 16 or not re.fullmatch(r"[A-Z2-7]+=*", secret):
        return False
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return False
    return True


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG element: no XML declaration, no links, no external refs."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=4))


def is_totp_code(code: str) -> bool:
    return re.fullmatch(r"\d{6}", code) is not None


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code equals ``code`` (current one ± WINDOW), else None."""
    if not is_totp_code(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    current = int(now // STEP_S)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LEN))
            for _ in range(_RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODES)
    ]


def normalise_code(code: str) -> str:
    """Users type codes with spaces, dashes or capitals; compare without them."""
    return re.sub(r"[\s-]", "", code).lower()


def recovery_code_hash(code: str) -> str:
    # Recovery codes are random with ~79 bits, so a plain hash suffices (no slow KDF needed).
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
