"""Security descriptor → ACL conversion, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wissenswerk.core.acl import EVERYONE, may_read, principals_of
from wissenswerk.sources.ntfs_acl import (
    ACCESS_ALLOWED,
    ACCESS_ALLOWED_CALLBACK,
    ACCESS_DENIED,
    ACCESS_DENIED_CALLBACK,
    FILE_READ_DATA,
    GENERIC_ALL,
    GENERIC_READ,
    INHERIT_ONLY_ACE,
    INHERITED_ACE,
    SE_DACL_PROTECTED,
    Ace,
    SecurityDescriptorError,
    build_security_descriptor,
    parse_security_descriptor,
    parse_sid,
    read_acl,
    referenced_sids,
    sid_bytes,
)

DOMAIN = "S-1-5-21-1053744664-2409807616-3848678874"
VERTRIEB, AZUBIS, ANNA = f"{DOMAIN}-1107", f"{DOMAIN}-1108", f"{DOMAIN}-1102"
ADMINS, SYSTEM, CREATOR_OWNER = "S-1-5-32-544", "S-1-5-18", "S-1-3-0"
NAMES = {
    VERTRIEB: "group:Vertrieb",
    AZUBIS: "group:Azubis",
    ANNA: "user:anna",
    ADMINS: "group:Administrators",
}
READ_EXECUTE = 0x1200A9  # what Windows sets for "Read & execute"
FULL = 0x1F01FF
WRITE_ONLY = 0x00120116  # FILE_WRITE_DATA | APPEND | WRITE_EA | WRITE_ATTRIBUTES | ...

# Read over SMB from Samba (smbcacls-made): Vertrieb/Preise_intern.txt with an explicit
# DENY for Azubis before the entries inherited from its folder, and
# Vertrieb/Kunden_geheim.txt with inheritance disabled (only anna and Administrators).
PREISE_INTERN = bytes.fromhex(
    "01000480140000002400000000000000400000000102000000000005200000002002000001050000000000"
    "051500000018dece3e00bfa28fda2d66e50102000004007c000400000001002400a90012000105000000"
    "0000051500000018dece3e00bfa28fda2d66e55404000000101800ff0100000102000000000005200000"
    "002002000000101400ff01000001010000000000051200000000102400a9001200010500000000000515"
    "00000018dece3e00bfa28fda2d66e553040000"
)
KUNDEN_GEHEIM = bytes.fromhex(
    "01000490140000002400000000000000400000000102000000000005200000002002000001050000000000"
    "051500000018dece3e00bfa28fda2d66e501020000040044000200000000001800ff0100000102000000"
    "000005200000002002000000002400a900120001050000000000051500000018dece3e00bfa28fda2d66"
    "e54e040000"
)


def acl_of(*aces: Ace, names: dict[str, str] | None = None) -> frozenset[str]:
    sd = parse_security_descriptor(build_security_descriptor(aces))
    return read_acl(sd, NAMES if names is None else names).acl


def test_a_real_samba_descriptor_with_an_explicit_deny() -> None:
    sd = parse_security_descriptor(PREISE_INTERN)

    assert sd.owner == ADMINS
    assert [(a.type, a.sid, a.inherited) for a in sd.dacl or ()] == [
        (ACCESS_DENIED, AZUBIS, False),
        (ACCESS_ALLOWED, ADMINS, True),
        (ACCESS_ALLOWED, SYSTEM, True),
        (ACCESS_ALLOWED, VERTRIEB, True),
    ]
    acl = read_acl(sd, NAMES).acl
    assert acl == {"group:Administrators", "group:Vertrieb", "deny:group:Azubis"}
    assert may_read(principals_of("anna", ["Vertrieb"]), acl)
    assert not may_read(principals_of("ben", ["Vertrieb", "Azubis"]), acl)


def test_a_real_samba_descriptor_with_inheritance_disabled() -> None:
    sd = parse_security_descriptor(KUNDEN_GEHEIM)

    assert sd.inheritance_disabled
    assert read_acl(sd, NAMES).acl == {"group:Administrators", "user:anna"}


def test_allow_entries_that_include_reading_grant_it() -> None:
    assert acl_of(
        Ace(ACCESS_ALLOWED, 0, FILE_READ_DATA, VERTRIEB),
        Ace(ACCESS_ALLOWED, 0, GENERIC_READ, AZUBIS),
        Ace(ACCESS_ALLOWED, 0, GENERIC_ALL, ANNA),
        Ace(ACCESS_ALLOWED, 0, FULL, ADMINS),
    ) == {"group:Vertrieb", "group:Azubis", "user:anna", "group:Administrators"}


def test_write_only_rights_grant_no_reading_and_deny_no_reading() -> None:
    acl = acl_of(
        Ace(ACCESS_ALLOWED, 0, WRITE_ONLY, AZUBIS),
        Ace(ACCESS_DENIED, 0, WRITE_ONLY, VERTRIEB),
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, VERTRIEB),
    )
    assert acl == {"group:Vertrieb"}


def test_deny_wins_whatever_the_order_and_inheritance() -> None:
    # An explicit allow before an inherited deny: Windows would allow; we hide.
    acl = acl_of(
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, VERTRIEB),
        Ace(ACCESS_DENIED, INHERITED_ACE, GENERIC_READ, AZUBIS),
    )
    assert acl == {"group:Vertrieb", "deny:group:Azubis"}
    assert not may_read(principals_of("ben", ["Vertrieb", "Azubis"]), acl)


def test_inherit_only_entries_do_not_apply_to_the_file() -> None:
    acl = acl_of(
        Ace(ACCESS_ALLOWED, INHERIT_ONLY_ACE, FULL, AZUBIS),
        Ace(ACCESS_DENIED, INHERIT_ONLY_ACE, FULL, VERTRIEB),
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, VERTRIEB),
    )
    assert acl == {"group:Vertrieb"}


def test_null_dacl_means_everyone_and_empty_dacl_means_nobody() -> None:
    null = parse_security_descriptor(build_security_descriptor(None, owner=ADMINS))
    empty = parse_security_descriptor(build_security_descriptor([], owner=ADMINS))

    assert null.dacl is None
    assert read_acl(null, {}).acl == {EVERYONE}
    assert empty.dacl == ()
    assert read_acl(empty, NAMES).acl == frozenset()


def test_system_and_creator_owner_are_nobody_and_everyone_needs_no_directory() -> None:
    aces = (
        Ace(ACCESS_ALLOWED, 0, FULL, SYSTEM),
        Ace(ACCESS_ALLOWED, 0, FULL, CREATOR_OWNER),
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, "S-1-1-0"),
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, "S-1-5-11"),
    )
    sd = parse_security_descriptor(build_security_descriptor(aces))

    assert referenced_sids(sd) == set()
    assert read_acl(sd, {}).acl == {EVERYONE}


def test_unknown_sids_stay_visible_as_sid_principals_and_grant_nothing() -> None:
    stranger = "S-1-5-21-1-2-3-4242"
    sd = parse_security_descriptor(
        build_security_descriptor(
            [Ace(ACCESS_DENIED, 0, GENERIC_READ, stranger), Ace(ACCESS_ALLOWED, 0, FULL, ANNA)]
        )
    )
    result = read_acl(sd, NAMES)

    assert referenced_sids(sd) == {stranger, ANNA}
    assert result.acl == {"user:anna", f"deny:sid:{stranger}"}
    assert result.unresolved == {stranger}
    assert may_read(principals_of("anna", []), result.acl)


def test_conditional_allow_is_ignored_and_conditional_deny_counts() -> None:
    acl = acl_of(
        Ace(ACCESS_ALLOWED_CALLBACK, 0, READ_EXECUTE, AZUBIS),
        Ace(ACCESS_DENIED_CALLBACK, 0, READ_EXECUTE, ANNA),
        Ace(ACCESS_ALLOWED, 0, READ_EXECUTE, VERTRIEB),
    )
    assert acl == {"group:Vertrieb", "deny:user:anna"}


def test_protected_flag_and_owner_survive_a_round_trip() -> None:
    raw = build_security_descriptor(
        [Ace(ACCESS_ALLOWED, 0, FULL, ADMINS)], owner=ANNA, group=VERTRIEB,
        control=SE_DACL_PROTECTED,
    )  # fmt: skip
    sd = parse_security_descriptor(raw)

    assert (sd.owner, sd.group, sd.inheritance_disabled) == (ANNA, VERTRIEB, True)
    # The owner may change the permissions, but is no reader of the content.
    assert read_acl(sd, NAMES).acl == {"group:Administrators"}


@pytest.mark.parametrize(
    "data",
    [b"", PREISE_INTERN[:30], b"\x02" + PREISE_INTERN[1:], PREISE_INTERN[:-6]],
    ids=["empty", "truncated-header", "bad-revision", "truncated-ace"],
)
def test_malformed_descriptors_raise(data: bytes) -> None:
    with pytest.raises(SecurityDescriptorError):
        parse_security_descriptor(data)


sids = st.builds(
    lambda subs: "S-1-5-21-" + "-".join(map(str, subs)),
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5),
)
aces = st.builds(
    Ace,
    st.sampled_from([ACCESS_ALLOWED, ACCESS_DENIED]),
    st.sampled_from([0, INHERITED_ACE, INHERIT_ONLY_ACE, 0x03]),
    st.integers(0, 2**32 - 1),
    sids,
)


@given(st.lists(aces, max_size=8))
def test_parse_inverts_build(ace_list: list[Ace]) -> None:
    sd = parse_security_descriptor(build_security_descriptor(ace_list, owner=ADMINS))
    assert sd.dacl == tuple(ace_list)
    for ace in ace_list:
        assert parse_sid(sid_bytes(ace.sid)) == (ace.sid, len(sid_bytes(ace.sid)))


@given(st.lists(aces, max_size=8))
def test_a_reading_deny_hides_the_file_from_that_principal(ace_list: list[Ace]) -> None:
    names = {ace.sid: f"group:g{i}" for i, ace in enumerate(ace_list)}
    acl = read_acl(parse_security_descriptor(build_security_descriptor(ace_list)), names).acl
    for ace in ace_list:
        denies_reading = ace.type == ACCESS_DENIED and not ace.flags & INHERIT_ONLY_ACE
        if denies_reading and ace.mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL):
            assert not may_read(frozenset({names[ace.sid], EVERYONE}), acl)
