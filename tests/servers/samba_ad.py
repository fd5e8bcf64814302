"""A throwaway Samba Active Directory domain controller with a file share, on loopback.

``samba-tool domain provision`` creates the domain WW.TEST in a temporary folder (about 4 s);
``samba -i -M single`` then serves LDAP/LDAPS (389/636) and SMB (445) on one loopback
address of its own (127.0.0.x, chosen free), with the share ``daten`` added to its smb.conf.
Users, groups (nested ones too) and files with NTFS ACLs are made with the same tools an
admin uses: ``samba-tool`` for the directory, ``smbclient`` to create files and folders
over SMB (so they inherit ACEs as the server computes them) and ``smbcacls`` for explicit
allow / deny entries and a file with inheritance disabled.

An AD DC binds fixed ports (no LDAP port option), hence an address of its own rather than
free ports. Samba needs root, and its winbindd socket is always /run/samba/winbindd (the
library ignores a configured one), so one such server can run per machine: the fixture
fails with a clear message when a system Samba holds it.

Share layout (NTFS permissions; every folder also grants Administrators full control):

    daten/                       Authenticated Users: read (this folder only)
      Allgemein/Hausordnung.txt  inherits Domain Users: read          (primary group)
      Vertrieb/Angebot.txt       inherits Vertrieb: read
      Vertrieb/Preise_intern.txt inherits Vertrieb: read + explicit DENY Azubis: read
      Vertrieb/Kunden_geheim.txt inheritance disabled: only the user anna may read
      Personal/Gehaelter.txt     inherits Personal: read               (nested groups)

Users: anna (Vertrieb), ben (Vertrieb, Azubis), carla (HR-Leitung ⊂ Personal ⊂
Mitarbeiter), dora (Vertrieb; tests remove her), ehemalig (disabled).
"""

from __future__ import annotations

import contextlib
import os
import random
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

REALM = "WW.TEST"
DOMAIN = "WW"
BASE_DN = "DC=ww,DC=test"
ADMIN_PASSWORD = "Admin-Passwort-2025"
SHARE = "daten"
PASSWORDS = {
    "anna": "Anna-Passwort-1",
    "ben": "Ben-Passwort-1",
    "carla": "Carla-Passwort-1",
    "dora": "Dora-Passwort-1",
    "ehemalig": "Ehemalig-Passwort-1",
}
MEMBERS = {  # group: members (users or groups); HR-Leitung ⊂ Personal ⊂ Mitarbeiter
    "Vertrieb": ["anna", "ben", "dora"],
    "Azubis": ["ben"],
    "HR-Leitung": ["carla"],
    "Personal": ["HR-Leitung"],
    "Mitarbeiter": ["Personal"],
}
FILES = {
    "Allgemein/Hausordnung.txt": "Die Hausordnung gilt für alle Standorte.\n",
    "Vertrieb/Angebot.txt": "Angebot 2025-117 für die Firma Kranich GmbH.\n",
    "Vertrieb/Preise_intern.txt": "Interne Preisliste: Rabattgrenze 18 %.\n",
    "Vertrieb/Kunden_geheim.txt": "Schlüsselkunden und ihre Konditionen.\n",
    "Personal/Gehaelter.txt": "Gehaltsbänder 2025 für alle Entgeltgruppen.\n",
}
# Ports an AD DC binds on its address; all must be free there.
_PORTS = (135, 389, 445, 636, 3268, 3269)
_WINBINDD_PIPE = Path("/run/samba/winbindd/pipe")
READ = "0x1200a9"  # "Read & execute" as Windows sets it


def _binary(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if not path:
        pytest.fail(f"{name} not found: install the Debian package {package} to run these tests.")
    return path


@dataclass
class SambaAD:
    address: str
    root: Path
    smb_conf: Path
    share_path: Path
    process: subprocess.Popen[bytes]

    realm: str = REALM
    domain: str = DOMAIN
    base_dn: str = BASE_DN
    admin_password: str = ADMIN_PASSWORD
    share: str = SHARE

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.address}"

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self.address}"

    @property
    def admin_dn(self) -> str:
        return f"CN=Administrator,CN=Users,{self.base_dn}"

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for path in (self.root / "samba.out", self.root / "log" / "log.smbd"):
            with contextlib.suppress(OSError):
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(no log)"

    def run(self, *args: str, attempts: int = 1) -> str:
        """Run a Samba tool against this server; fail the test with its output on error."""
        for attempt in range(attempts):
            done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
            if done.returncode == 0:
                return done.stdout
            if attempt + 1 < attempts:
                time.sleep(0.5)
        pytest.fail(
            f"{' '.join(args[:3])} ... failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
            f"server log:\n{self.log_tail()}"
        )

    def samba_tool(self, *args: str) -> str:
        return self.run(_binary("samba-tool", "samba-ad-dc"), *args, "-s", str(self.smb_conf))

    def _client_args(self) -> list[str]:
        return [
            "-s", str(self.smb_conf), "--use-kerberos=off",
            "-U", f"{self.domain}\\Administrator%{self.admin_password}",
        ]  # fmt: skip

    def smbclient(self, command: str, attempts: int = 1) -> str:
        smbclient = _binary("smbclient", "smbclient")
        unc = f"//{self.address}/{self.share}"
        return self.run(smbclient, unc, *self._client_args(), "-c", command, attempts=attempts)

    def smbcacls(self, path: str, *args: str) -> str:
        smbcacls = _binary("smbcacls", "smbclient")
        unc = f"//{self.address}/{self.share}"
        return self.run(smbcacls, unc, path, *self._client_args(), *args)

    def put(self, path: str, text: str) -> None:
        local = self.root / "upload.tmp"
        local.write_text(text, encoding="utf-8")
        folder, _, name = path.rpartition("/")
        self.smbclient(f'cd "{folder or "/"}"; put "{local}" "{name}"')

    def sid(self, name: str) -> str:
        out = self.samba_tool("user" if name in PASSWORDS else "group", "show", name,
                              "--attributes=objectSid")  # fmt: skip
        for line in out.splitlines():
            if line.startswith("objectSid:"):
                return line.split(":", 1)[1].strip()
        pytest.fail(f"no objectSid for {name}: {out}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.process.stdin:
            self.process.stdin.close()


def _free_address() -> str:
    """A loopback address on which every AD port is free (Linux routes all of 127/8 to lo)."""
    candidates = list(range(2, 250))
    random.shuffle(candidates)
    for last in candidates:
        address = f"127.0.{random.randint(0, 250)}.{last}"
        try:
            for port in _PORTS:
                with socket.socket() as sock:
                    sock.bind((address, port))
        except OSError:
            continue
        return address
    pytest.fail("no loopback address with the ports 135, 389, 445, 636, 3268, 3269 free")


def _check_no_other_winbindd() -> None:
    if not _WINBINDD_PIPE.exists():
        return
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(_WINBINDD_PIPE))
        except OSError:
            return  # a stale socket from an earlier run
    pytest.fail(
        f"Another winbindd is running and holds {_WINBINDD_PIPE}: the system's Samba services "
        "(systemctl stop samba-ad-dc smbd nmbd winbind) or a samba left over by an interrupted "
        "test run (ps -ef | grep samba). Stop it to run these tests."
    )


def _smb_conf(root: Path, address: str, share_path: Path) -> str:
    dc = root / "dc"
    return f"""[global]
	netbios name = WWDC
	workgroup = {DOMAIN}
	realm = {REALM}
	server role = active directory domain controller
	server services = s3fs, rpc, ldap, winbindd
	interfaces = {address}/8
	bind interfaces only = yes
	disable netbios = yes
	private dir = {dc}/private
	lock directory = {dc}
	state directory = {dc}/state
	cache directory = {dc}/cache
	binddns dir = {dc}/bind-dns
	pid directory = {root}/run
	ncalrpc dir = {root}/run/ncalrpc
	ntp signd socket directory = {root}/run/ntp_signd
	log file = {root}/log/log.%m
	logging = file
	idmap_ldb:use rfc2307 = yes
	load printers = no
	printcap name = /dev/null

[sysvol]
	path = {dc}/state/sysvol
	read only = no

[netlogon]
	path = {dc}/state/sysvol/{REALM.lower()}/scripts
	read only = no

[{SHARE}]
	path = {share_path}
	read only = no
"""


def _wait_until_serving(server: SambaAD) -> None:
    deadline = time.monotonic() + 60
    waiting = [389, 445, 636]
    while waiting and time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"samba exited with {server.process.returncode}:\n{server.log_tail()}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection((server.address, waiting[0]), 1),
        ):
            waiting.pop(0)
            continue
        time.sleep(0.1)
    if waiting:
        pytest.fail(f"samba did not open port {waiting[0]} within 60 s:\n{server.log_tail()}")


def _populate(server: SambaAD) -> None:
    tool = server.samba_tool
    for user, password in PASSWORDS.items():
        tool("user", "add", user, password, f"--given-name={user.title()}",
             "--surname=Muster", f"--mail-address={user}@ww.test")  # fmt: skip
    tool("user", "disable", "ehemalig")
    for group in MEMBERS:
        tool("group", "add", group)
    for group, members in MEMBERS.items():
        tool("group", "addmembers", group, ",".join(members))

    # Descriptors in SDDL, which (unlike smbcacls' own syntax) keeps the auto-inherit
    # flags, so files created below a folder get inherited ("ID") entries, as on Windows.
    sid = {name: server.sid(name) for name in ("Vertrieb", "Azubis", "Personal", "anna")}
    base = "(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICIIO;FA;;;CO)"  # CREATOR OWNER: inherit-only
    # The first SMB call may meet a server that listens but is still starting up.
    server.smbclient("ls", attempts=20)
    server.smbcacls("", "--sddl", "--set", f"D:ARAI{base}(A;;{READ};;;AU)")
    server.smbclient("mkdir Allgemein; mkdir Vertrieb; mkdir Personal")
    for folder, reader in (("Allgemein", "DU"), ("Vertrieb", sid["Vertrieb"]),
                           ("Personal", sid["Personal"])):  # fmt: skip
        server.smbcacls(folder, "--sddl", "--set", f"D:ARAI{base}(A;OICI;{READ};;;{reader})")
    for path, text in FILES.items():
        server.put(path, text)
    inherited = f"(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;ID;{READ};;;{sid['Vertrieb']})"
    server.smbcacls("Vertrieb/Preise_intern.txt", "--sddl", "--set",
                    f"D:AI(D;;{READ};;;{sid['Azubis']}){inherited}")  # fmt: skip
    server.smbcacls("Vertrieb/Kunden_geheim.txt", "--sddl", "--set",
                    f"D:PAI(A;;FA;;;BA)(A;;{READ};;;{sid['anna']})")  # fmt: skip


@contextlib.contextmanager
def running_samba_ad() -> Iterator[SambaAD]:
    if os.geteuid() != 0:
        pytest.fail("A Samba AD DC must run as root (it manages file ownership and ACLs).")
    samba = _binary("samba", "samba-ad-dc")
    samba_tool = _binary("samba-tool", "samba-ad-dc")
    _binary("smbcacls", "smbclient")
    _check_no_other_winbindd()
    address = _free_address()
    root = Path(tempfile.mkdtemp(prefix="ww-samba-ad-"))
    try:
        # smbd opens files as the connected user's Unix id, so the path must be traversable.
        root.chmod(0o755)
        for sub in ("run", "log", "share"):
            (root / sub).mkdir()
        share_path = root / "share"
        provision = subprocess.run(
            [samba_tool, "domain", "provision", f"--targetdir={root / 'dc'}",
             f"--realm={REALM}", f"--domain={DOMAIN}", f"--adminpass={ADMIN_PASSWORD}",
             "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
             f"--host-ip={address}", f"--option=interfaces={address}/8",
             "--option=bind interfaces only=yes"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if provision.returncode != 0:
            pytest.fail(
                f"samba-tool domain provision failed:\n{provision.stdout}{provision.stderr}"
            )
        smb_conf = root / "dc" / "etc" / "smb.conf"
        smb_conf.write_text(_smb_conf(root, address, share_path), encoding="utf-8")
        with (root / "samba.out").open("wb") as out:
            process = subprocess.Popen(
                [samba, "-s", str(smb_conf), "-i", "-M", "single"],
                stdin=subprocess.PIPE,  # interactive samba exits when its stdin closes
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        server = SambaAD(address, root, smb_conf, share_path, process)
        try:
            _wait_until_serving(server)
            _populate(server)
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


_SERVER = pytest.StashKey[SambaAD]()


@pytest.fixture(scope="session")
def samba_ad(request: pytest.FixtureRequest) -> SambaAD:
    """One domain controller per test session. Each test module that imports this fixture
    gets its own fixture definition, so the server is kept in the session's stash (a second
    DC could not start anyway: the winbindd socket is machine-wide)."""
    stash = request.config.stash
    if _SERVER not in stash:
        stack = contextlib.ExitStack()
        stash[_SERVER] = stack.enter_context(running_samba_ad())
        request.config.add_cleanup(stack.close)
    return stash[_SERVER]
