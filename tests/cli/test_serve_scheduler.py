"""`serve` keeps sources on their schedule: a due source is synced in the background while
the web app runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers.ports import free_port


@pytest.mark.slow
def test_serve_syncs_due_sources_in_the_background(
    share: Path, acl_map: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "WISSENSWERK_EMBEDDINGS__PROVIDER": "none"}
    base = [sys.executable, "-m", "wissenswerk.cli.main", "--data-dir", str(tmp_path / "d")]
    add = [*base, "sources", "add", "share", "--folder", str(share), "--acl-map", str(acl_map)]
    subprocess.run(add, check=True, env=env, capture_output=True)
    server = subprocess.Popen(
        [*base, "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        documents = 0
        while time.monotonic() < deadline and server.poll() is None:
            out = subprocess.run(
                [*base, "status", "--json"], env=env, capture_output=True, text=True, check=True
            )
            documents = json.loads(out.stdout)["counts"]["documents"]
            if documents == 6:
                break
            time.sleep(0.3)
        assert documents == 6, "the scheduler did not sync the due source"
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
