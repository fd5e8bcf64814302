"""LdapDirectory against a real Samba AD domain controller (tests/servers/samba_ad.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.servers.openldap import PASSWORDS as LDAP_PASSWORDS
from tests.servers.openldap import OpenLdap, openldap
from tests.servers.samba_ad import PASSWORDS, SambaAD, samba_ad
from wissenswerk.config.settings import DirectorySettings
from wissenswerk.core.errors import ConfigError, DirectoryError
from wissenswerk.directory.ldap import LdapDirectory

__all__ = ["openldap", "samba_ad"]  # session fixtures, imported to be found by pytest

# The domain controller takes ~20 s to provision and start (once per session).
slow = pytest.mark.slow


def settings_for(server: SambaAD, **overrides: object) -> DirectorySettings:
    values: dict[str, object] = {
        "url": server.ldaps_url,
        "kind": "ad",
        "bind_dn": server.admin_dn,
        "bind_password": SecretStr(server.admin_password),
        "base_dn": server.base_dn,
        "verify_tls": False,  # Samba's self-signed certificate
        "timeout_s": 10,
    }
    values.update(overrides)
    return DirectorySettings.model_validate(values)


@pytest.fixture
def directory(samba_ad: SambaAD) -> LdapDirectory:
    return LdapDirectory(settings_for(samba_ad))


@slow
def test_users_have_nested_and_primary_groups(directory: LdapDirectory, samba_ad: SambaAD) -> None:
    users = {u.name: u for u in directory.users()}

    assert set(PASSWORDS) <= users.keys()
    carla = users["carla"]
    # HR-Leitung ⊂ Personal ⊂ Mitarbeiter; Domain Users is the primary group.
    assert {"HR-Leitung", "Personal", "Mitarbeiter", "Domain Users"} <= set(carla.groups)
    assert "Vertrieb" not in carla.groups
    assert {"Vertrieb", "Azubis", "Domain Users"} <= set(users["ben"].groups)
    assert "Azubis" not in users["anna"].groups
    assert carla.sid == samba_ad.sid("carla")
    assert carla.email == "carla@ww.test"
    assert carla.display_name == "Carla Muster"
    assert carla.active and not users["ehemalig"].active


@slow
def test_user_filter_narrows_the_users(samba_ad: SambaAD) -> None:
    only = f"(memberOf=CN=Azubis,CN=Users,{samba_ad.base_dn})"
    directory = LdapDirectory(settings_for(samba_ad, user_filter=only))

    assert [u.name for u in directory.users()] == ["ben"]


@slow
def test_resolve_sids(directory: LdapDirectory, samba_ad: SambaAD) -> None:
    anna, vertrieb = samba_ad.sid("anna"), samba_ad.sid("Vertrieb")
    domain = anna.rpartition("-")[0]
    unknown = f"{domain}-99999"

    resolved = directory.resolve_sids(
        [anna, vertrieb, f"{domain}-513", "S-1-1-0", "S-1-5-11", "S-1-5-32-544", "S-1-5-18",
         unknown, "S-1-22-1-0"]
    )  # fmt: skip

    assert resolved == {
        anna: "user:anna",
        vertrieb: "group:Vertrieb",
        f"{domain}-513": "group:Domain Users",
        "S-1-1-0": "everyone",
        "S-1-5-11": "everyone",
        "S-1-5-32-544": "group:Administrators",
    }


@slow
def test_resolve_sids_in_batches(directory: LdapDirectory, samba_ad: SambaAD) -> None:
    anna = samba_ad.sid("anna")
    domain = anna.rpartition("-")[0]
    many = [f"{domain}-{rid}" for rid in range(2000, 2120)] + [anna]  # more than one batch

    assert directory.resolve_sids(many) == {anna: "user:anna"}


@slow
def test_authenticate(directory: LdapDirectory) -> None:
    user = directory.authenticate("anna", PASSWORDS["anna"])

    assert user is not None and user.name == "anna" and "Vertrieb" in user.groups
    assert directory.authenticate("anna", "falsch") is None
    assert directory.authenticate("anna", "") is None  # an anonymous bind must not log in
    assert directory.authenticate("niemand", "egal") is None
    assert directory.authenticate("ehemalig", PASSWORDS["ehemalig"]) is None  # disabled
    assert directory.authenticate("anna*", PASSWORDS["anna"]) is None  # filter injection


@slow
def test_start_tls_on_the_plain_port(samba_ad: SambaAD) -> None:
    directory = LdapDirectory(settings_for(samba_ad, url=samba_ad.ldap_url, start_tls=True))

    assert "anna" in {u.name for u in directory.users()}


@slow
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bind_password": SecretStr("falsch")}, "refused the service account"),
        ({"base_dn": "DC=gibtsnicht,DC=test"}, "does not exist in the directory"),
        ({"url": "ldaps://127.0.0.1:1"}, "Cannot reach the directory"),
        ({"verify_tls": True}, "certificate"),
        ({"url": "ldap://{address}"}, "requires an encrypted connection"),
    ],
    ids=["bad-password", "bad-base-dn", "unreachable", "untrusted-certificate", "no-tls"],
)
def test_errors_say_what_to_fix(
    samba_ad: SambaAD, overrides: dict[str, object], message: str
) -> None:
    if "url" in overrides:
        overrides = {"url": str(overrides["url"]).format(address=samba_ad.address)}
    directory = LdapDirectory(settings_for(samba_ad, **overrides))

    with pytest.raises(DirectoryError, match=message):
        list(directory.users())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": None}, "needs a URL"),
        ({"url": "http://dc1"}, "not an ldap:// or ldaps:// URL"),
        ({"base_dn": None}, "search base"),
        ({"bind_dn": None}, "anonymous"),
    ],
)
def test_bad_settings_are_config_errors(overrides: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "url": "ldaps://127.0.0.1",
        "bind_dn": "CN=svc,DC=firma,DC=local",
        "bind_password": SecretStr("x"),
        "base_dn": "DC=firma,DC=local",
    }
    with pytest.raises(ConfigError, match=message):
        LdapDirectory(DirectorySettings.model_validate({**values, **overrides}))


# -- OpenLDAP ------------------------------------------------------------------------------


@pytest.fixture
def ldap_directory(openldap: OpenLdap) -> LdapDirectory:
    return LdapDirectory(
        DirectorySettings(
            url=openldap.url,
            kind="openldap",
            bind_dn=openldap.admin_dn,
            bind_password=SecretStr(openldap.admin_password),
            base_dn=openldap.base_dn,
        )
    )


def test_openldap_nested_posix_and_primary_groups(ldap_directory: LdapDirectory) -> None:
    users = {u.name: u for u in ldap_directory.users()}

    assert set(users) == set(LDAP_PASSWORDS)
    # vertrieb ⊂ innendienst (groupOfNames), mitarbeiter is olaf's primary posixGroup.
    assert users["olaf"].groups == ("innendienst", "mitarbeiter", "vertrieb")
    assert users["quirin"].groups == ("technik",)  # posixGroup memberUid
    assert users["paula"].groups == ("kreis-a", "kreis-b")  # a membership cycle ends
    assert users["olaf"].email == "olaf@firma.test"
    assert users["olaf"].display_name == "Olaf Beispiel"


def test_openldap_authenticate(ldap_directory: LdapDirectory) -> None:
    user = ldap_directory.authenticate("olaf", LDAP_PASSWORDS["olaf"])

    assert user is not None and "vertrieb" in user.groups
    assert ldap_directory.authenticate("olaf", "falsch") is None
    assert ldap_directory.authenticate("olaf", "") is None
    assert ldap_directory.authenticate("*", LDAP_PASSWORDS["olaf"]) is None


def test_openldap_anonymous_reads_and_sids(openldap: OpenLdap) -> None:
    anonymous = LdapDirectory(
        DirectorySettings(url=openldap.url, kind="openldap", base_dn=openldap.base_dn)
    )

    assert {u.name for u in anonymous.users()} == set(LDAP_PASSWORDS)
    # Without the Samba schema no entry carries a SID; well-known SIDs need none.
    assert anonymous.resolve_sids(["S-1-1-0", "S-1-5-21-1-2-3-1107"]) == {"S-1-1-0": "everyone"}
