"""One llama.cpp server for every test here that needs it (a session fixture registered once)."""

from tests.servers.llama_server import llama_server

__all__ = ["llama_server"]
