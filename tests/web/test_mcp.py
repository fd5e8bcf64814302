"""The MCP server, driven by the official ``mcp`` SDK client over streamable HTTP (the web app
on a real server on loopback) and over stdio (``wissenswerk mcp`` as a subprocess), as two
users: the restricted document never reaches anna through search, ask or get_document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from tests.conftest import make_app
from tests.web.open_interfaces import RESTRICTED, SALARY_QUESTION, Served, served
from wissenswerk.web import create_app

Session = Callable[[Client], Awaitable[None]]


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path) as running:
        yield running


def over_http(kb: Served, token: str, session: Session) -> None:
    async def main() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            create_mcp_http_client(headers=headers) as http,
            Client(streamable_http_client(f"{kb.url}/mcp", http_client=http)) as mcp,
        ):
            await session(mcp)

    anyio.run(main)


def over_stdio(kb: Served, session: Session, token: str, *, token_file: Path | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISSENSWERK_")}
    args = ["-m", "wissenswerk", "--data-dir", str(kb.ww.settings.data_dir), "mcp"]
    if token_file is not None:
        token_file.write_text(token + "\n", encoding="utf-8")
        args += ["--token-file", str(token_file)]
    else:
        env["WISSENSWERK_MCP_TOKEN"] = token

    async def main() -> None:
        params = StdioServerParameters(command=sys.executable, args=args, env=env)
        async with Client(params) as mcp:
            await session(mcp)

    anyio.run(main)


def text(result: CallToolResult) -> str:
    """Everything the tool result carries, as one string (to search it for leaks)."""
    parts = [getattr(c, "text", "") for c in result.content]
    return json.dumps(result.structured_content, ensure_ascii=False) + "\n".join(parts)


async def restricted_stays_hidden(mcp: Client, restricted_id: int) -> None:
    """anna's view: no trace of the salary bands in any tool's result."""
    for query in ("Gehaltsband Ingenieure", "Kilometerpauschale Dienstwagen"):
        found = await mcp.call_tool("search", {"query": query, "limit": 50})
        assert not found.is_error
        assert RESTRICTED not in text(found) and "58.000" not in text(found)
    answered = await mcp.call_tool("ask", {"question": SALARY_QUESTION})
    assert not answered.is_error
    assert RESTRICTED not in text(answered) and "58.000" not in text(answered)
    assert answered.structured_content["found"] is False
    hidden = await mcp.call_tool("get_document", {"document_id": restricted_id})
    absent = await mcp.call_tool("get_document", {"document_id": 999_999})
    assert hidden.is_error and absent.is_error
    # The same answer as for a document that does not exist, but for the number.
    assert text(hidden).replace(str(restricted_id), "N") == text(absent).replace("999999", "N")
    assert "does not exist or you may not read it" in text(hidden)
    assert "58.000" not in text(hidden) and RESTRICTED not in text(hidden)


async def restricted_is_readable(mcp: Client, restricted_id: int) -> None:
    """mia's view: she may read the salary bands."""
    found = await mcp.call_tool("search", {"query": "Gehaltsband Ingenieure"})
    assert RESTRICTED in {r["path"] for r in found.structured_content["results"]}
    answered = await mcp.call_tool("ask", {"question": SALARY_QUESTION})
    assert "58.000" in answered.structured_content["answer"]
    [citation] = answered.structured_content["citations"]
    assert (citation["path"], citation["document_id"]) == (RESTRICTED, restricted_id)
    document = await mcp.call_tool(
        "get_document", {"document_id": restricted_id, "quote": citation["quote"]}
    )
    assert not document.is_error
    content = document.structured_content
    assert content["path"] == RESTRICTED and content["quote_found"] is True
    assert any("58.000" in s["text"] and s["contains_quote"] for s in content["sections"])


def test_the_tools_are_read_only_and_described(kb: Served) -> None:
    async def session(mcp: Client) -> None:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert set(tools) == {"search", "ask", "get_document"}
        for tool in tools.values():
            assert tool.annotations and tool.annotations.read_only_hint is True
            assert tool.description and tool.output_schema
        assert tools["search"].input_schema["required"] == ["query"]
        assert tools["get_document"].input_schema["required"] == ["document_id"]

    over_http(kb, kb.token("anna"), session)


def test_over_http_each_user_gets_only_what_they_may_read(kb: Served) -> None:
    restricted = kb.document_id(RESTRICTED)

    async def as_anna(mcp: Client) -> None:
        await restricted_stays_hidden(mcp, restricted)

    async def as_mia(mcp: Client) -> None:
        await restricted_is_readable(mcp, restricted)

    over_http(kb, kb.token("anna"), as_anna)
    over_http(kb, kb.token("mia"), as_mia)

    denied = kb.events("permission.denied")
    assert [(d["actor"], d["object"], d["via"]) for d in denied] == [
        ("anna", f"share:{RESTRICTED}", "mcp")
    ]
    assert {(e["actor"], e["via"]) for e in kb.events("search.performed")} == {
        ("anna", "mcp"),
        ("mia", "mcp"),
    }
    assert [e["actor"] for e in kb.events("answer.given")] == ["anna", "mia"]
    assert kb.events("citation.opened")[0]["via"] == "mcp"


def test_over_stdio_each_user_gets_only_what_they_may_read(kb: Served, tmp_path: Path) -> None:
    restricted = kb.document_id(RESTRICTED)

    async def as_anna(mcp: Client) -> None:
        await restricted_stays_hidden(mcp, restricted)

    async def as_mia(mcp: Client) -> None:
        await restricted_is_readable(mcp, restricted)

    over_stdio(kb, as_anna, kb.token("anna"))
    over_stdio(kb, as_mia, kb.token("mia"), token_file=tmp_path / "token")
    assert {(e["actor"], e["via"]) for e in kb.events("answer.given")} == {
        ("anna", "mcp"),
        ("mia", "mcp"),
    }


def test_each_tool_needs_its_scope(kb: Served) -> None:
    async def session(mcp: Client) -> None:
        allowed = await mcp.call_tool("search", {"query": "Wartung"})
        assert not allowed.is_error
        for name, arguments in (
            ("ask", {"question": "Wartung?"}),
            ("get_document", {"document_id": 1}),
        ):
            refused = await mcp.call_tool(name, arguments)
            assert refused.is_error
            assert "lacks the scope" in text(refused)

    over_http(kb, kb.token("anna", "search"), session)
    assert [d["needed"] for d in kb.events("permission.denied")] == ["ask", "documents"]


def test_a_revoked_token_stops_working_at_once(kb: Served) -> None:
    plaintext, record = kb.accounts.create_api_token("anna", "agent", ["search"])

    async def session(mcp: Client) -> None:
        assert not (await mcp.call_tool("search", {"query": "Wartung"})).is_error
        kb.accounts.revoke_api_token(record.id, by="anna")
        # The endpoint answers 401 before the MCP layer; the client reports it as an error.
        with pytest.raises(MCPError):
            await mcp.call_tool("search", {"query": "Wartung"})

    over_http(kb, plaintext, session)


def test_http_without_a_valid_token_is_401_json(kb: Served) -> None:
    initialize: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer ww_00000000_nonsense"}):
        response = httpx.post(f"{kb.url}/mcp", json=initialize, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] in ("missing_token", "invalid_token")


def test_stdio_refuses_to_start_without_a_valid_token(kb: Served) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISSENSWERK_")}
    command = [sys.executable, "-m", "wissenswerk", "--data-dir", str(kb.ww.settings.data_dir)]
    missing = subprocess.run([*command, "mcp"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "WISSENSWERK_MCP_TOKEN" in missing.stderr
    env["WISSENSWERK_MCP_TOKEN"] = "ww_00000000_nonsense"
    invalid = subprocess.run([*command, "mcp"], env=env, capture_output=True, text=True)
    assert invalid.returncode != 0 and "unknown, revoked or expired" in invalid.stderr
    assert missing.stdout == invalid.stdout == ""  # stdout is the protocol's


def test_before_setup_http_answers_json_not_the_setup_page(tmp_path: Path) -> None:
    ww = make_app(tmp_path / "data")
    try:
        with TestClient(create_app(ww), follow_redirects=False) as browserless:
            response = browserless.post("/mcp", json={}, headers={"Authorization": "Bearer ww_x"})
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "setup_required"
    finally:
        ww.close()
