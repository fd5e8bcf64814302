"""A real Dovecot IMAP server on loopback for the IMAP connector tests.

Started in the foreground (``dovecot -F``) from a temporary configuration: maildir mailboxes
and a passwd-file with a few users in a temporary folder, a plain IMAP port (STARTTLS offered)
and an IMAPS port with a self-signed certificate made by ``openssl`` for 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers.ports import free_port

USERS = {"anna": "geheim", "vertrieb": "verkauf", "archiv": "Schlüssel-2025"}
MASTER_USERS = {"admin": "master-geheim"}  # may open any mailbox via SASL PLAIN authzid


def _binary(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if not path:
        pytest.fail(f"{name} not found: install the Debian package {package} to run these tests.")
    return path


@dataclass
class DovecotServer:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # IMAPS
    ca_file: Path  # the self-signed server certificate, to trust in tests
    root: Path
    log_path: Path
    config: Path
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The maildir folder on disk (Maildir++ layout, '/' in names becomes '.')."""
        base = self.root / "mail" / user
        if folder == "INBOX":
            return base
        from wissenswerk.sources.imap import encode_mailbox_name

        return base / ("." + encode_mailbox_name(folder).replace("/", "."))

    @contextlib.contextmanager
    def session(self, user: str) -> Iterator[imaplib.IMAP4]:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            credentials = f"\0{user}\0{self.users[user]}".encode()
            imap.authenticate("PLAIN", lambda _: credentials)  # UTF-8 passwords, unlike LOGIN
            yield imap
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """Renumber a folder, as a server migration or a rebuilt index does."""
        doveadm = _binary("doveadm", "dovecot-core")
        subprocess.run(
            [doveadm, "-c", str(self.config), "mailbox", "update", "-u", user,
             "--uid-validity", str(value), folder],
            check=True, capture_output=True,
        )  # fmt: skip

    def log_tail(self, lines: int = 30) -> str:
        """The end of Dovecot's log and of its stderr (fatal configuration errors go there)."""
        text = ""
        for path in (self.log_path, self.root / "stderr.log"):
            with contextlib.suppress(OSError):
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(no log)"


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    openssl = _binary("openssl", "openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _config(root: Path, port: int, tls_port: int, cert: Path, key: Path) -> str:
    if os.geteuid() == 0:
        internal, login, mail_user = "dovecot", "dovenull", "dovecot"
    else:  # an unprivileged Dovecot runs every process as the current user
        internal = login = mail_user = getpass.getuser()
    entry = pwd.getpwnam(mail_user)
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/master.passwd
  master = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users.passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/users.passwd
  default_fields = uid={entry.pw_uid} gid={entry.pw_gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Trash {{
    special_use = \\Trash
    auto = create
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
# No growing login delay for 127.0.0.1 after the wrong-password test.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


def _wait_until_listening(process: subprocess.Popen[bytes], server: DovecotServer) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dovecot exited with {process.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(OSError), socket.create_connection((server.host, server.port), 1):
            return
        time.sleep(0.05)
    pytest.fail(f"dovecot did not open port {server.port} within 15 s:\n{server.log_tail()}")


@contextlib.contextmanager
def running_dovecot() -> Iterator[DovecotServer]:
    dovecot = _binary("dovecot", "dovecot-imapd")
    # Not pytest's tmp_path: its parents are private to root, and Dovecot's mail processes
    # run as the unprivileged 'dovecot' user, which must reach the mail folder.
    root = Path(tempfile.mkdtemp(prefix="ww-dovecot-"))
    try:
        root.chmod(0o755)
        cert, key = _make_certificate(root)
        mail = root / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            entry = pwd.getpwnam("dovecot")
            os.chown(mail, entry.pw_uid, entry.pw_gid)
        users = "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in USERS.items())
        (root / "users.passwd").write_text(users, encoding="utf-8")
        masters = "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in MASTER_USERS.items())
        (root / "master.passwd").write_text(masters, encoding="utf-8")
        port, tls_port = free_port(), free_port()
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, port, tls_port, cert, key), encoding="utf-8")
        server = DovecotServer("127.0.0.1", port, tls_port, cert, root, root / "dovecot.log", conf)
        with (root / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                [dovecot, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr
            )
        try:
            _wait_until_listening(process, server)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    with running_dovecot() as server:
        yield server
