"""The SMB connector against a real Samba AD domain controller with NTFS ACLs.

Readability is decided the way wissenswerk decides it (``core.acl.may_read`` over the ACL
read from the share and the groups synced from the directory) and, where it matters,
checked against what the server itself allows each user.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.servers.samba_ad import FILES, PASSWORDS, SambaAD, samba_ad
from wissenswerk.config.settings import DirectorySettings
from wissenswerk.core.acl import may_read, principals_of
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.directory.ldap import LdapDirectory
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.smb import SmbSource, smb_source

__all__ = ["samba_ad"]  # the session fixture, imported to be found by pytest

pytestmark = pytest.mark.slow  # the domain controller takes ~20 s to provision and start


@pytest.fixture
def directory(samba_ad: SambaAD) -> LdapDirectory:
    return LdapDirectory(
        DirectorySettings(
            url=samba_ad.ldaps_url,
            kind="ad",
            bind_dn=samba_ad.admin_dn,
            bind_password=SecretStr(samba_ad.admin_password),
            base_dn=samba_ad.base_dn,
            verify_tls=False,
        )
    )


def config(server: SambaAD, user: str = "Administrator", **options: Any) -> SourceConfig:
    password = PASSWORDS.get(user, server.admin_password)
    return SourceConfig(
        name="dateien",
        kind="smb",
        location=f"smb://{server.address}/{server.share}",
        acl_mode="source",
        options={"username": user, "domain": server.domain, "password": password, **options},
    )


@pytest.fixture
def open_source(samba_ad: SambaAD, directory: LdapDirectory, tmp_path: Path) -> Iterator[Any]:
    opened: list[SmbSource] = []

    def make(user: str = "Administrator", **options: Any) -> SmbSource:
        context = SourceContext(data_dir=tmp_path, directory=directory, timeout_s=10)
        source = smb_source(config(samba_ad, user, **options), context)
        opened.append(source)
        return source

    yield make
    for source in opened:
        source.close()


def listing(source: SmbSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


def server_allows(make: Any, user: str, path: str) -> bool:
    """Whether Samba lets ``user`` read the file (the ground truth)."""
    source = make(user)
    try:
        source.read(SourceItem(path=path, size=-1, mtime_ns=0, acl=frozenset()))
    except SourceError as exc:
        assert "ACCESS_DENIED" in str(exc) or "denied" in str(exc).lower(), exc
        return False
    return True


def test_listing_reads_ntfs_acls_with_deny_entries(open_source: Any) -> None:
    items = listing(open_source())

    assert set(items) == set(FILES)
    acls = {path: item.acl for path, item in items.items()}
    # SYSTEM and the inherit-only CREATOR OWNER entry name nobody; they are not in the ACLs.
    assert acls == {
        "Allgemein/Hausordnung.txt": {"group:Administrators", "group:Domain Users"},
        "Vertrieb/Angebot.txt": {"group:Administrators", "group:Vertrieb"},
        "Vertrieb/Preise_intern.txt": {
            "group:Administrators",
            "group:Vertrieb",
            "deny:group:Azubis",
        },
        "Vertrieb/Kunden_geheim.txt": {"group:Administrators", "user:anna"},
        "Personal/Gehaelter.txt": {"group:Administrators", "group:Personal"},
    }
    angebot = items["Vertrieb/Angebot.txt"]
    assert angebot.size == len(FILES["Vertrieb/Angebot.txt"].encode())
    assert angebot.mtime_ns > 0 and angebot.version and angebot.modified is not None
    assert angebot.url is not None and angebot.url.endswith("/daten/Vertrieb/Angebot.txt")


def test_a_file_denying_a_group_is_invisible_to_its_members(
    open_source: Any, directory: LdapDirectory
) -> None:
    acl = listing(open_source())["Vertrieb/Preise_intern.txt"].acl
    groups = {u.name: u.groups for u in directory.users()}

    # ben is in Vertrieb (allowed) and in Azubis (denied): the deny wins.
    assert not may_read(principals_of("ben", groups["ben"]), acl)
    assert may_read(principals_of("anna", groups["anna"]), acl)
    assert not server_allows(open_source, "ben", "Vertrieb/Preise_intern.txt")
    assert server_allows(open_source, "anna", "Vertrieb/Preise_intern.txt")


def test_every_decision_matches_the_server(open_source: Any, directory: LdapDirectory) -> None:
    items = listing(open_source())
    groups = {u.name: u.groups for u in directory.users()}

    for user in ("anna", "ben", "carla"):
        for path, item in items.items():
            ours = may_read(principals_of(user, groups[user]), item.acl)
            assert ours == server_allows(open_source, user, path), (user, path, item.acl)


def test_removing_a_membership_in_the_directory_removes_access(
    open_source: Any, directory: LdapDirectory, samba_ad: SambaAD
) -> None:
    acl = listing(open_source())["Vertrieb/Angebot.txt"].acl
    before = {u.name: u.groups for u in directory.users()}["dora"]
    assert may_read(principals_of("dora", before), acl)

    samba_ad.samba_tool("group", "removemembers", "Vertrieb", "dora")
    try:
        after = {u.name: u.groups for u in directory.users()}["dora"]
        assert "Vertrieb" not in after
        assert not may_read(principals_of("dora", after), acl)
        assert not server_allows(open_source, "dora", "Vertrieb/Angebot.txt")
    finally:
        samba_ad.samba_tool("group", "addmembers", "Vertrieb", "dora")


def test_read_returns_the_file_bytes(open_source: Any, samba_ad: SambaAD) -> None:
    source = open_source()
    items = listing(source)

    for path, item in items.items():
        assert source.read(item) == (samba_ad.share_path / path).read_bytes()
        assert source.read(item) == FILES[path].encode()


def test_a_folder_the_account_may_not_list_is_a_listing_error(open_source: Any) -> None:
    items = listing(source := open_source("anna"))

    assert [prefix for prefix, _ in source.listing_errors] == ["Personal"]
    assert "ACCESS_DENIED" in source.listing_errors[0][1] or "denied" in source.listing_errors[0][1]
    assert set(items) == set(FILES) - {"Personal/Gehaelter.txt"}


def test_subfolder_and_exclude_options(open_source: Any) -> None:
    assert set(listing(open_source(path="Vertrieb"))) == {
        "Angebot.txt",
        "Preise_intern.txt",
        "Kunden_geheim.txt",
    }
    assert set(listing(open_source(exclude=["vertrieb/*", "*/hausordnung.txt"]))) == {
        "Personal/Gehaelter.txt"
    }
    assert set(listing(open_source(include=["*.docx"]))) == set()


def test_wrong_password_is_a_clear_source_error(open_source: Any) -> None:
    source = open_source("anna", password="falsch")

    with pytest.raises(SourceError, match=r"refused the login of WW\\anna"):
        list(source.list_items())


def test_unreachable_server_and_unknown_share(samba_ad: SambaAD, directory: LdapDirectory,
                                              tmp_path: Path) -> None:  # fmt: skip
    context = SourceContext(data_dir=tmp_path, directory=directory, timeout_s=5)
    cases = [
        (config(samba_ad, port=1), "cannot reach the SMB server"),
        (config(samba_ad, share="gibtsnicht"), "does not exist"),
    ]
    for cfg, message in cases:
        source = smb_source(cfg, context)
        try:
            with pytest.raises(SourceError, match=message):
                list(source.list_items())
        finally:
            source.close()


def test_factory_needs_a_directory_for_ntfs_permissions(samba_ad: SambaAD,
                                                        tmp_path: Path) -> None:  # fmt: skip
    no_directory = SourceContext(data_dir=tmp_path)
    with pytest.raises(ConfigError, match="configure the directory"):
        smb_source(config(samba_ad), no_directory)

    mapped = SourceConfig(
        name="dateien",
        kind="smb",
        location=f"\\\\{samba_ad.address}\\{samba_ad.share}\\Vertrieb",
        acl_mode="acl_map",
        acl_map=(("", ("group:vertrieb",)),),
        options={"username": "Administrator", "domain": "WW",
                 "password": samba_ad.admin_password},
    )  # fmt: skip
    source = smb_source(mapped, no_directory)
    try:
        acls = {item.path: item.acl for item in source.list_items()}
    finally:
        source.close()
    assert acls["Angebot.txt"] == {"group:vertrieb"}


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    context = SourceContext(data_dir=tmp_path)
    bad = SourceConfig(name="x", kind="smb", location="", acl_mode="acl_map",
                       options={"server": "fs1", "password": "x", "colour": "blau"})  # fmt: skip
    with pytest.raises(ConfigError, match=r"share: Field required.*colour"):
        smb_source(bad, context)


def test_listing_a_thousand_files(open_source: Any, samba_ad: SambaAD) -> None:
    samba_ad.smbclient("mkdir Masse")  # inherits the share's ACL, as if made in Explorer
    folder = samba_ad.share_path / "Masse"
    for i in range(1000):
        (folder / f"Protokoll_{i:04d}.txt").write_text(f"Protokoll {i}\n", encoding="utf-8")
    try:
        source = open_source(path="Masse")
        started = time.perf_counter()
        items = listing(source)
        elapsed = time.perf_counter() - started
    finally:
        for path in folder.iterdir():
            path.unlink()
        samba_ad.smbclient("rmdir Masse")
    assert len(items) == 1000
    assert all(item.acl for item in items.values())
    assert elapsed < 30, f"listing 1000 files with ACLs took {elapsed:.1f} s"
