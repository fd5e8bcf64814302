"""A throw-away PostgreSQL server on loopback for the SQL source tests.

initdb into a temporary folder, postgres on 127.0.0.1:<free port> with its Unix socket in
that folder, password (SCRAM) authentication over TCP; stopped and removed at the end of
the session. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` system user that the Debian package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers.ports import free_port

if TYPE_CHECKING:
    import pg8000.native

SUPERUSER = "postgres"
PASSWORD = "Prüfung-2025"  # non-ASCII on purpose: the URL must carry it safely


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def connect(self, database: str = "postgres") -> pg8000.native.Connection:
        import pg8000.native

        return pg8000.native.Connection(
            self.user, host=self.host, port=self.port, password=self.password, database=database
        )


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian package "
        "postgresql (postgresql-15) to run the SQL source tests."
    )


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(
            "Running as root, but there is no 'postgres' system user to run PostgreSQL as; "
            "install the Debian package postgresql, which creates it."
        )
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str], log: Path) -> None:
    result = subprocess.run(
        _as_server_user(command), capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        pytest.fail(
            f"{' '.join(command[:1])} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}\n{server_log}"
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _binaries()
    # Not below pytest's tmp dir: that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="wissenswerk-pg-"))
    data, log, pwfile = root / "data", root / "server.log", root / "pwfile"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (root, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
    port = free_port()
    _run(
        [
            str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        ],
        log,
    )  # fmt: skip
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    _run(
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
        log,
    )
    try:
        yield PostgresServer("127.0.0.1", port, SUPERUSER, PASSWORD)
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
