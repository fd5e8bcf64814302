"""NTFS security descriptors → wissenswerk ACLs (pure functions, no I/O).

A file server answers a security query with a self-relative SECURITY_DESCRIPTOR
([MS-DTYP] 2.4.6): owner, group and the DACL, a list of ACEs that allow or deny access
masks to SIDs. We only ask one question of it: who may *read the file's content*?

- An ACE that allows FILE_READ_DATA (or GENERIC_READ / GENERIC_ALL, which include it)
  makes its SID a reader; an ACE that denies one of those adds ``deny:<principal>``, and in
  ``core.acl`` a deny always wins, whatever the ACE order or inheritance.
- INHERIT_ONLY ACEs are templates for children and do not apply to the object itself; the
  server reports each file's effective (inherited + explicit) ACEs, so we never walk up.
- No DACL (a NULL DACL) grants everyone everything; a present but empty DACL grants nobody.
- Conditional (callback) ACEs depend on claims we cannot evaluate: a conditional allow is
  ignored and a conditional deny counts as a deny, so a doubt can only hide a file.
- The owner is not a reader: NTFS gives an owner READ_CONTROL and WRITE_DAC, not the data.

SIDs become principals through a mapping the caller resolved from the directory. SIDs that
stand for no person (SYSTEM, CREATOR OWNER, ...) are dropped; SIDs the directory does not
know are kept as ``sid:S-1-...`` (no user ever holds such a principal, so they grant
nothing) and reported, so an admin can see a deny on a group outside the directory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wissenswerk.core.acl import EVERYONE, deny_principal

# Access mask bits ([MS-DTYP] 2.4.3, [MS-SMB2] 2.2.13.1.1) that give read access to data.
FILE_READ_DATA = 0x00000001
GENERIC_ALL = 0x10000000
GENERIC_READ = 0x80000000
READ_DATA_BITS = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL

# ACE types ([MS-DTYP] 2.4.4.1).
ACCESS_ALLOWED = 0x00
ACCESS_DENIED = 0x01
ACCESS_ALLOWED_OBJECT = 0x05
ACCESS_DENIED_OBJECT = 0x06
ACCESS_ALLOWED_CALLBACK = 0x09
ACCESS_DENIED_CALLBACK = 0x0A
ACCESS_ALLOWED_CALLBACK_OBJECT = 0x0B
ACCESS_DENIED_CALLBACK_OBJECT = 0x0C
_OBJECT_TYPES = frozenset(
    {
        ACCESS_ALLOWED_OBJECT,
        ACCESS_DENIED_OBJECT,
        ACCESS_ALLOWED_CALLBACK_OBJECT,
        ACCESS_DENIED_CALLBACK_OBJECT,
    }
)
# Mask and SID right after the header (callback ACEs append application data after the SID).
_PLAIN_TYPES = frozenset(
    {ACCESS_ALLOWED, ACCESS_DENIED, ACCESS_ALLOWED_CALLBACK, ACCESS_DENIED_CALLBACK}
)
_ALLOW_TYPES = frozenset({ACCESS_ALLOWED, ACCESS_ALLOWED_OBJECT})
_DENY_TYPES = frozenset(
    {ACCESS_DENIED, ACCESS_DENIED_OBJECT, ACCESS_DENIED_CALLBACK, ACCESS_DENIED_CALLBACK_OBJECT}
)

# ACE flags.
INHERIT_ONLY_ACE = 0x08
INHERITED_ACE = 0x10

# Security descriptor control bits.
SE_DACL_PRESENT = 0x0004
SE_DACL_PROTECTED = 0x1000

# SECURITY_INFORMATION bits for a query ([MS-DTYP] 2.4.7).
OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4

SID_PREFIX = "sid:"

# Valid for every Windows system, so no directory is needed for them: the groups every
# authenticated caller of a share holds (NETWORK is in every SMB logon token).
UNIVERSAL_SIDS: Mapping[str, str] = {
    "S-1-1-0": EVERYONE,  # Everyone
    "S-1-5-11": EVERYONE,  # Authenticated Users
    "S-1-5-2": EVERYONE,  # NETWORK
}

# SIDs that stand for no directory account: placeholders used for inheritance, the OS and
# its services. ACEs naming them neither grant nor deny anything to a wissenswerk user.
NO_PRINCIPAL_SIDS = frozenset(
    {
        "S-1-3-0",  # CREATOR OWNER
        "S-1-3-1",  # CREATOR GROUP
        "S-1-3-4",  # OWNER RIGHTS
        "S-1-5-4",  # INTERACTIVE (never present in a network logon)
        "S-1-5-7",  # ANONYMOUS LOGON
        "S-1-5-10",  # PRINCIPAL SELF
        "S-1-5-18",  # SYSTEM
        "S-1-5-19",  # LOCAL SERVICE
        "S-1-5-20",  # NETWORK SERVICE
        "S-1-2-0",  # LOCAL
    }
)


class SecurityDescriptorError(ValueError):
    """The bytes are not a well-formed self-relative security descriptor."""


@dataclass(frozen=True, slots=True)
class Ace:
    type: int
    flags: int
    mask: int
    sid: str

    @property
    def inherit_only(self) -> bool:
        return bool(self.flags & INHERIT_ONLY_ACE)

    @property
    def inherited(self) -> bool:
        return bool(self.flags & INHERITED_ACE)


@dataclass(frozen=True, slots=True)
class SecurityDescriptor:
    control: int
    owner: str | None
    group: str | None
    dacl: tuple[Ace, ...] | None  # None: no DACL (NULL DACL), everyone has full access

    @property
    def inheritance_disabled(self) -> bool:
        return bool(self.control & SE_DACL_PROTECTED)


def parse_sid(data: bytes, offset: int = 0) -> tuple[str, int]:
    """The SID at ``offset`` as ``S-1-...`` text, and its length in bytes ([MS-DTYP] 2.4.2.2)."""
    if len(data) < offset + 8:
        raise SecurityDescriptorError(f"SID at offset {offset} is truncated")
    revision, count = data[offset], data[offset + 1]
    length = 8 + 4 * count
    if revision != 1 or len(data) < offset + length:
        raise SecurityDescriptorError(f"SID at offset {offset} is malformed")
    authority = int.from_bytes(data[offset + 2 : offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "-".join(["S", str(revision), str(authority), *map(str, subs)]), length


def sid_bytes(sid: str) -> bytes:
    """The binary form of ``S-1-...`` text (used to build descriptors in tests and tools)."""
    parts = sid.split("-")
    if len(parts) < 3 or parts[0].upper() != "S":
        raise ValueError(f"{sid!r} is not a SID in S-1-... form")
    subs = [int(p) for p in parts[3:]]
    head = struct.pack("<BB", int(parts[1]), len(subs)) + int(parts[2]).to_bytes(6, "big")
    return head + struct.pack(f"<{len(subs)}I", *subs)


def _parse_ace(data: bytes, offset: int) -> tuple[Ace | None, int]:
    if len(data) < offset + 8:
        raise SecurityDescriptorError(f"ACE at offset {offset} is truncated")
    ace_type, flags, size = struct.unpack_from("<BBH", data, offset)
    if size < 8 or len(data) < offset + size:
        raise SecurityDescriptorError(f"ACE at offset {offset} has a bad size {size}")
    body = offset + 4
    if ace_type in _OBJECT_TYPES:
        # ACCESS_*_OBJECT_ACE: mask, object flags, optional object / inherited type GUIDs.
        mask, object_flags = struct.unpack_from("<II", data, body)
        sid_at = body + 8 + (16 if object_flags & 1 else 0) + (16 if object_flags & 2 else 0)
    elif ace_type in _PLAIN_TYPES:
        (mask,) = struct.unpack_from("<I", data, body)
        sid_at = body + 4
    else:
        return None, size  # audit, alarm, label, ...: not about access to data
    sid, _ = parse_sid(data[: offset + size], sid_at)
    return Ace(ace_type, flags, mask, sid), size


def _parse_acl(data: bytes, offset: int) -> tuple[Ace, ...]:
    if len(data) < offset + 8:
        raise SecurityDescriptorError(f"ACL at offset {offset} is truncated")
    _revision, _sbz1, _size, count, _sbz2 = struct.unpack_from("<BBHHH", data, offset)
    aces: list[Ace] = []
    at = offset + 8
    for _ in range(count):
        ace, size = _parse_ace(data, at)
        if ace is not None:
            aces.append(ace)
        at += size
    return tuple(aces)


def parse_security_descriptor(data: bytes) -> SecurityDescriptor:
    """Parse a self-relative SECURITY_DESCRIPTOR as returned by an SMB security query."""
    if len(data) < 20:
        raise SecurityDescriptorError(f"security descriptor of {len(data)} bytes is truncated")
    revision, _sbz1, control, owner_at, group_at, _sacl_at, dacl_at = struct.unpack_from(
        "<BBHIIII", data
    )
    if revision != 1:
        raise SecurityDescriptorError(f"unknown security descriptor revision {revision}")
    owner = parse_sid(data, owner_at)[0] if owner_at else None
    group = parse_sid(data, group_at)[0] if group_at else None
    # DACL_PRESENT with offset 0 is a NULL DACL too: both mean "no restriction".
    dacl = _parse_acl(data, dacl_at) if control & SE_DACL_PRESENT and dacl_at else None
    return SecurityDescriptor(control, owner, group, dacl)


def _about_reading(ace: Ace) -> bool:
    return not ace.inherit_only and bool(ace.mask & READ_DATA_BITS)


def referenced_sids(sd: SecurityDescriptor) -> set[str]:
    """SIDs whose principal decides who may read: resolve these before ``read_acl``."""
    if sd.dacl is None:
        return set()
    return {
        ace.sid
        for ace in sd.dacl
        if _about_reading(ace) and ace.type in _ALLOW_TYPES | _DENY_TYPES
        if ace.sid not in NO_PRINCIPAL_SIDS and ace.sid not in UNIVERSAL_SIDS
    }


@dataclass(frozen=True, slots=True)
class ReadAcl:
    acl: frozenset[str]
    unresolved: frozenset[str]  # SIDs kept as sid:... because the directory did not know them


def read_acl(sd: SecurityDescriptor, principals: Mapping[str, str]) -> ReadAcl:
    """Who may read the object's data, as wissenswerk principals (see the module docstring).

    ``principals`` maps SIDs to ``user:``/``group:``/``everyone`` principals."""
    if sd.dacl is None:
        return ReadAcl(frozenset({EVERYONE}), frozenset())
    allowed: set[str] = set()
    denied: set[str] = set()
    unresolved: set[str] = set()
    for ace in sd.dacl:
        if not _about_reading(ace) or ace.sid in NO_PRINCIPAL_SIDS:
            continue
        if ace.type in _DENY_TYPES:
            target = denied
        elif ace.type in _ALLOW_TYPES:
            target = allowed
        else:
            continue  # a conditional allow: its condition cannot be evaluated here
        principal = UNIVERSAL_SIDS.get(ace.sid) or principals.get(ace.sid)
        if principal is None:
            unresolved.add(ace.sid)
            principal = f"{SID_PREFIX}{ace.sid}"
        target.add(principal)
    return ReadAcl(frozenset(allowed | {deny_principal(p) for p in denied}), frozenset(unresolved))


def build_security_descriptor(
    aces: Iterable[Ace] | None,
    *,
    owner: str | None = None,
    group: str | None = None,
    control: int = 0,
) -> bytes:
    """A self-relative descriptor with the given DACL (None = NULL DACL): the inverse of
    ``parse_security_descriptor`` for the plain (non-object) ACE types, for tests."""
    body = b""
    offsets = {"owner": 0, "group": 0, "dacl": 0}
    at = 20
    for key, sid in (("owner", owner), ("group", group)):
        if sid is not None:
            raw = sid_bytes(sid)
            offsets[key] = at
            body += raw
            at += len(raw)
    if aces is not None:
        control |= SE_DACL_PRESENT
        raw_aces = b""
        ace_list = list(aces)
        for ace in ace_list:
            raw_sid = sid_bytes(ace.sid)
            raw_aces += struct.pack("<BBHI", ace.type, ace.flags, 8 + len(raw_sid), ace.mask)
            raw_aces += raw_sid
        offsets["dacl"] = at
        body += struct.pack("<BBHHH", 2, 0, 8 + len(raw_aces), len(ace_list), 0) + raw_aces
    header = struct.pack(
        "<BBHIIII", 1, 0, control | 0x8000, offsets["owner"], offsets["group"], 0, offsets["dacl"]
    )
    return header + body
