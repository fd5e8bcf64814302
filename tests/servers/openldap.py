"""A small OpenLDAP directory (slapd, mdb backend) on a free loopback port.

The entries are loaded with ``slapadd`` before slapd starts (no network needed for that).
Groups in every flavour the directory supports: ``groupOfNames`` with users and nested
groups (and a membership cycle), ``posixGroup`` with ``memberUid`` names, and a
``posixGroup`` that is only a user's primary group (``gidNumber``).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.ports import free_port

BASE_DN = "dc=firma,dc=test"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "Verwalter-2025"
PASSWORDS = {"olaf": "Olaf-Passwort", "paula": "Paula-Passwort", "quirin": "Quirin-Passwort"}
_SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def _people() -> str:
    entries = []
    for number, (uid, password) in enumerate(PASSWORDS.items()):
        entries.append(f"""dn: uid={uid},ou=people,{BASE_DN}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: {uid}
cn: {uid.title()} Beispiel
sn: Beispiel
displayName: {uid.title()} Beispiel
mail: {uid}@firma.test
uidNumber: {2000 + number}
gidNumber: {5000 if uid == "olaf" else 5999}
homeDirectory: /home/{uid}
userPassword: {password}
""")
    return "\n".join(entries)


def _ldif() -> str:
    return f"""dn: {BASE_DN}
objectClass: dcObject
objectClass: organization
dc: firma
o: Firma

dn: ou=people,{BASE_DN}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE_DN}
objectClass: organizationalUnit
ou: groups

{_people()}
dn: cn=mitarbeiter,ou=groups,{BASE_DN}
objectClass: posixGroup
cn: mitarbeiter
gidNumber: 5000

dn: cn=technik,ou=groups,{BASE_DN}
objectClass: posixGroup
cn: technik
gidNumber: 5001
memberUid: quirin

dn: cn=vertrieb,ou=groups,{BASE_DN}
objectClass: groupOfNames
cn: vertrieb
member: uid=olaf,ou=people,{BASE_DN}

dn: cn=innendienst,ou=groups,{BASE_DN}
objectClass: groupOfNames
cn: innendienst
member: cn=vertrieb,ou=groups,{BASE_DN}

dn: cn=kreis-a,ou=groups,{BASE_DN}
objectClass: groupOfNames
cn: kreis-a
member: uid=paula,ou=people,{BASE_DN}
member: cn=kreis-b,ou=groups,{BASE_DN}

dn: cn=kreis-b,ou=groups,{BASE_DN}
objectClass: groupOfNames
cn: kreis-b
member: cn=kreis-a,ou=groups,{BASE_DN}
"""


def _binary(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if not path:
        pytest.fail(f"{name} not found: install the Debian package {package} to run these tests.")
    return path


@dataclass
class OpenLdap:
    url: str
    root: Path
    base_dn: str = BASE_DN
    admin_dn: str = ADMIN_DN
    admin_password: str = ADMIN_PASSWORD


@contextlib.contextmanager
def running_openldap() -> Iterator[OpenLdap]:
    slapd = _binary("slapd", "slapd")
    slapadd = _binary("slapadd", "slapd")
    root = Path(tempfile.mkdtemp(prefix="ww-slapd-"))
    try:
        (root / "db").mkdir()
        includes = "\n".join(f"include /etc/ldap/schema/{s}.schema" for s in _SCHEMAS)
        conf = root / "slapd.conf"
        conf.write_text(
            f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{BASE_DN}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {root}/db
""",
            encoding="utf-8",
        )
        data = root / "data.ldif"
        data.write_text(_ldif(), encoding="utf-8")
        loaded = subprocess.run(
            [slapadd, "-f", str(conf), "-l", str(data)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if loaded.returncode != 0:
            pytest.fail(f"slapadd failed:\n{loaded.stdout}{loaded.stderr}")
        port = free_port()
        url = f"ldap://127.0.0.1:{port}"
        with (root / "slapd.log").open("wb") as log:
            process = subprocess.Popen(
                [slapd, "-f", str(conf), "-h", f"{url}/", "-d", "0"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    pytest.fail(f"slapd exited:\n{(root / 'slapd.log').read_text()}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"slapd did not listen within 20 s:\n{(root / 'slapd.log').read_text()}"
                    )
                time.sleep(0.05)
            yield OpenLdap(url, root)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def openldap() -> Iterator[OpenLdap]:
    with running_openldap() as server:
        yield server
