"""Windows security identifiers: the binary ``objectSid`` form and well-known SIDs.

Well-known SIDs are the same in every Windows domain, so they are mapped here instead of
being looked up: Everyone, Authenticated Users and NETWORK (every SMB caller holds it) stand
for all users, the BUILTIN aliases become groups named like their ``sAMAccountName`` in AD
(``group:Administrators``), and SIDs that stand for no account (SYSTEM, CREATOR OWNER,
service identities) map to no principal at all.
"""

from __future__ import annotations

import struct

from wissenswerk.core.acl import EVERYONE, group_principal

EVERYONE_SIDS = frozenset({"S-1-1-0", "S-1-5-11", "S-1-5-2"})

# BUILTIN aliases (S-1-5-32-RID), named as in AD's CN=Builtin container.
BUILTIN_ALIASES = {
    544: "Administrators",
    545: "Users",
    546: "Guests",
    547: "Power Users",
    548: "Account Operators",
    549: "Server Operators",
    550: "Print Operators",
    551: "Backup Operators",
    552: "Replicator",
    554: "Pre-Windows 2000 Compatible Access",
    555: "Remote Desktop Users",
    556: "Network Configuration Operators",
    558: "Performance Monitor Users",
    559: "Performance Log Users",
    560: "Windows Authorization Access Group",
    562: "Distributed COM Users",
    568: "IIS_IUSRS",
    569: "Cryptographic Operators",
    573: "Event Log Readers",
    574: "Certificate Service DCOM Access",
    578: "Hyper-V Administrators",
    579: "Access Control Assistance Operators",
    580: "Remote Management Users",
}
BUILTIN_DOMAIN = "S-1-5-32"


def sid_from_bytes(data: bytes) -> str:
    """``S-1-5-21-...`` text of a binary SID ([MS-DTYP] 2.4.2.2), e.g. an ``objectSid``."""
    if len(data) < 8 or data[0] != 1 or len(data) != 8 + 4 * data[1]:
        raise ValueError(f"{data!r} is not a binary SID")
    authority = int.from_bytes(data[2:8], "big")
    subs = struct.unpack_from(f"<{data[1]}I", data, 8)
    return "-".join(["S", "1", str(authority), *map(str, subs)])


def sid_to_bytes(sid: str) -> bytes:
    """The binary form of ``S-1-...`` text, as LDAP filters on ``objectSid`` need it."""
    parts = sid.split("-")
    if len(parts) < 3 or parts[0].upper() != "S" or not all(p.isdigit() for p in parts[1:]):
        raise ValueError(f"{sid!r} is not a SID in S-1-... form")
    subs = [int(p) for p in parts[3:]]
    if len(subs) > 15:
        raise ValueError(f"{sid!r} has more than 15 sub-authorities")
    head = struct.pack("<BB", int(parts[1]), len(subs)) + int(parts[2]).to_bytes(6, "big")
    return head + struct.pack(f"<{len(subs)}I", *subs)


def well_known_principal(sid: str) -> str | None:
    """The principal of a well-known SID that needs no directory lookup, else None."""
    if sid in EVERYONE_SIDS:
        return EVERYONE
    domain, _, rid = sid.rpartition("-")
    if domain == BUILTIN_DOMAIN and rid.isdigit() and int(rid) in BUILTIN_ALIASES:
        return group_principal(BUILTIN_ALIASES[int(rid)])
    return None


def is_domain_sid(sid: str) -> bool:
    """Accounts of an AD domain or a Samba/NT4 domain (S-1-5-21-...) live in the directory."""
    return sid.startswith("S-1-5-21-")
