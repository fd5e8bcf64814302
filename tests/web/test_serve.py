"""``wissenswerk serve`` starts a real uvicorn server on the data directory of the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import make_app
from tests.servers.ports import free_port
from tests.web.conftest import ADMIN, ADMIN_PASSWORD
from wissenswerk.web.app import build_accounts


def test_serve_answers_the_login_page(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ww = make_app(data)
    build_accounts(ww).create_first_admin(ADMIN, ADMIN_PASSWORD)
    ww.close()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISSENSWERK_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wissenswerk",
            "--data-dir",
            str(data),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        response = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the server did not start"
        assert response.status_code == 200
        assert "Anmelden" in response.text
        assert "content-security-policy" in response.headers
        assert "server" not in response.headers  # no version banner
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    assert f"http://127.0.0.1:{port}/" in output.decode()
