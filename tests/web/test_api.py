"""The REST API under /api/v1: token auth, scopes and roles, the same permission rules as the
pages (a restricted document is a 404), JSON errors, streaming answers, background syncs,
users, tokens, the audit trail and the docs page."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from tests.conftest import SHARE_FILES
from tests.web.conftest import ADMIN, ADMIN_PASSWORD, Web
from wissenswerk.accounts import Accounts
from wissenswerk.accounts.tokens import new_api_token, secret_hash

RESTRICTED = "Personal/Gehaltsbaender.md"


@dataclass
class Api:
    web: Web
    client: TestClient
    accounts: Accounts
    share: Path
    acl_map: Path

    def token(self, user: str, *scopes: str) -> dict[str, str]:
        plaintext, _ = self.accounts.create_api_token(user, f"test {user}", scopes)
        return {"Authorization": f"Bearer {plaintext}"}

    def document_id(self, path: str) -> int:
        with sqlite3.connect(self.web.ww.settings.data_dir / "wissenswerk.db") as conn:
            row = conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        assert row, path
        return int(row[0])

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Audit records of ``kind``: actor, object, outcome and the payload."""
        with sqlite3.connect(self.web.ww.settings.data_dir / "wissenswerk.db") as conn:
            rows = conn.execute(
                "SELECT actor, object, outcome, payload FROM events WHERE kind = ? ORDER BY id",
                (kind,),
            ).fetchall()
        return [
            {"actor": a, "object": o, "outcome": oc, **json.loads(p or "{}")}
            for a, o, oc, p in rows
        ]


@pytest.fixture
def api(web: Web, client: TestClient, share: Path, acl_map: Path, users_csv: Path) -> Iterator[Api]:
    """The share synced (anna: mitarbeiter; mia: also personal), an admin without groups."""
    ww = web.ww
    ww.import_users(users_csv)
    ww.add_folder_source("share", share, acl_map)
    ww.syncer.sync(ww.source("share"))
    accounts: Accounts = web.app.state.web.accounts
    accounts.create_first_admin(ADMIN, ADMIN_PASSWORD)
    yield Api(web, client, accounts, share, acl_map)


def error_of(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    error: dict[str, Any] = body["error"]
    return error


# --- authentication -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/search?q=Wartung"), ("POST", "/api/v1/ask"), ("GET", "/api/v1/users")],
)
def test_missing_token_is_401_json(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, json={"question": "Wartung?"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert error_of(response)["code"] == "missing_token"


def test_unknown_revoked_and_expired_tokens_are_401(api: Api) -> None:
    def status(headers: dict[str, str]) -> tuple[int, str]:
        response = api.client.get("/api/v1/search", params={"q": "Wartung"}, headers=headers)
        return response.status_code, error_of(response)["code"] if response.is_error else ""

    assert status({"Authorization": "Bearer ww_00000000_nonsense"}) == (401, "invalid_token")
    assert status({"Authorization": "Basic YWRtaW46YWRtaW4="}) == (401, "invalid_token")

    plaintext, record = api.accounts.create_api_token("anna", "laptop", ["search"])
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert status(headers) == (200, "")
    api.accounts.revoke_api_token(record.id, by="anna")
    assert status(headers) == (401, "invalid_token")

    # A token whose expiry has passed (the service refuses to create one in the past).
    expired, prefix = new_api_token()
    now = time.time()
    store = api.web.ww.store
    store.add_api_token("anna", "old", prefix, secret_hash(expired), ["search"], now - 60, now - 1)
    assert status({"Authorization": f"Bearer {expired}"}) == (401, "invalid_token")


def test_missing_scope_is_403_and_audited(api: Api) -> None:
    headers = api.token("anna", "search")
    response = api.client.post("/api/v1/ask", json={"question": "Wartung?"}, headers=headers)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "insufficient_scope"
    assert "'ask'" in error["message"]
    [denied] = api.events("permission.denied")
    assert denied["actor"] == "anna"
    assert denied["via"] == "api"
    assert denied["needed"] == "ask"


def test_administration_needs_the_role_as_well(api: Api) -> None:
    member = api.token("anna", "search", "ask", "documents")
    assert api.client.get("/api/v1/users", headers=member).status_code == 403
    assert api.client.get("/api/v1/sources", headers=member).status_code == 403
    # A token keeps only the scopes its owner's role still allows.
    editor_plaintext, _ = api.accounts.create_api_token(ADMIN, "ops", ["users", "sources"])
    api.accounts.create_user("ella", "Ein-langes-Passwort-2025", role="admin")
    api.accounts.set_role(ADMIN, "editor")
    editor = {"Authorization": f"Bearer {editor_plaintext}"}
    assert api.client.get("/api/v1/sources", headers=editor).status_code == 200
    response = api.client.get("/api/v1/users", headers=editor)
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"


# --- permissions: the restricted document is invisible --------------------------------
def test_restricted_document_never_appears_for_a_user_without_rights(api: Api) -> None:
    anna = api.token("anna", "search", "ask", "documents")
    mia = api.token("mia", "search", "ask", "documents")

    def paths(headers: dict[str, str], query: str) -> set[str]:
        response = api.client.get(
            "/api/v1/search", params={"q": query, "limit": 50}, headers=headers
        )
        assert response.status_code == 200, response.text
        return {hit["path"] for hit in response.json()["hits"]}

    assert RESTRICTED in paths(mia, "Gehaltsband Ingenieure")
    assert RESTRICTED not in paths(anna, "Gehaltsband Ingenieure")
    assert RESTRICTED not in paths(anna, "Kilometerpauschale")

    question = {"question": "Wie hoch ist das Gehaltsband für Ingenieure?"}
    answer = api.client.post("/api/v1/ask", json=question, headers=anna).json()
    assert RESTRICTED not in json.dumps(answer)
    assert "58.000" not in answer["answer"]
    answer_mia = api.client.post("/api/v1/ask", json=question, headers=mia).json()
    assert any(c["path"] == RESTRICTED for c in answer_mia["citations"])

    restricted = api.document_id(RESTRICTED)
    missing = 999_999
    for suffix in ("", "/text", "/original"):
        hidden = api.client.get(f"/api/v1/documents/{restricted}{suffix}", headers=anna)
        absent = api.client.get(f"/api/v1/documents/{missing}{suffix}", headers=anna)
        assert hidden.status_code == absent.status_code == 404
        assert error_of(hidden)["code"] == error_of(absent)["code"] == "document_not_found"
        assert api.client.get(f"/api/v1/documents/{restricted}{suffix}", headers=mia).is_success

    denials = api.events("permission.denied")
    assert [d["action"] for d in denials] == ["metadata", "view", "download"]
    assert {(d["actor"], d["object"], d["via"]) for d in denials} == {
        ("anna", f"share:{RESTRICTED}", "api")
    }


# --- search, documents, ask -----------------------------------------------------------
def test_search_filters_by_source_type_and_date(api: Api) -> None:
    headers = api.token("anna", "search")

    def search(**params: Any) -> list[dict[str, Any]]:
        response = api.client.get("/api/v1/search", params=params, headers=headers)
        assert response.status_code == 200, response.text
        hits: list[dict[str, Any]] = response.json()["hits"]
        return hits

    everything = search(q="Kantine Wartungsintervall Kilometerpauschale", limit=20)
    assert {h["type"] for h in everything} >= {"md", "txt"}
    assert {h["path"] for h in search(q="Kantine Wartungsintervall", type="txt")} == {
        "Technik/notizen.txt"
    }
    assert search(q="Kantine", source="nowhere") == []
    assert search(q="Kantine", source="share")
    assert search(q="Kantine", modified_from="2999-01-01") == []
    assert search(q="Kantine", modified_to="2999-01-01", modified_from="2000-01-01")
    assert len(search(q="Kilometerpauschale Wartungsintervall Kantine", limit=1)) == 1

    [performed, *_] = api.events("search.performed")
    assert performed["actor"] == "anna"
    assert performed["via"] == "api"
    assert performed["query"] == "Kantine Wartungsintervall Kilometerpauschale"


def test_document_metadata_text_with_quote_and_download(api: Api) -> None:
    headers = api.token("anna", "documents")
    doc = api.document_id("Technik/Wartung.md")

    meta = api.client.get(f"/api/v1/documents/{doc}", headers=headers).json()
    assert meta["path"] == "Technik/Wartung.md"
    assert meta["source"] == "share"
    assert meta["type"] == "md"

    quote = "Danach ist das Öl zu wechseln."
    text = api.client.get(
        f"/api/v1/documents/{doc}/text", params={"quote": quote}, headers=headers
    ).json()
    assert text["quote_found"] is True
    marked = [
        segment["text"]
        for section in text["sections"]
        for paragraph in section["paragraphs"]
        for segment in paragraph
        if segment["marked"]
    ]
    assert marked == [quote]

    original = api.client.get(f"/api/v1/documents/{doc}/original", headers=headers)
    assert original.status_code == 200
    assert original.content == SHARE_FILES["Technik/Wartung.md"].encode()
    assert 'filename="Wartung.md"' in original.headers["content-disposition"]

    assert [e["actor"] for e in api.events("citation.opened")] == ["anna"]
    [download] = api.events("document.downloaded")
    assert (download["actor"], download["via"], download["object"]) == (
        "anna",
        "api",
        "share:Technik/Wartung.md",
    )


def test_ask_answers_with_citations_and_audits(api: Api) -> None:
    headers = api.token("anna", "ask")
    response = api.client.post(
        "/api/v1/ask",
        json={"question": "Wie hoch ist die Kilometerpauschale 2025?"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["found"] is True
    assert "0,35" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["document_id"] == api.document_id(cited["path"])
    assert [e["actor"] for e in api.events("question.asked")] == ["anna"]
    [given] = api.events("answer.given")
    assert given["via"] == "api"
    assert given["found"] is True


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_streams_status_lines_citations_and_done(api: Api) -> None:
    headers = api.token("anna", "ask")
    body = {"question": "Wie hoch ist die Kilometerpauschale 2025?", "stream": True}
    with api.client.stream("POST", "/api/v1/ask", json=body, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_sse(text)
    kinds = [kind for kind, _ in events]
    assert events[0] == ("status", {"phase": "searching"})
    assert kinds[-1] == "done"
    deltas = [data["text"] for kind, data in events if kind == "delta"]
    lines = [data["text"] for kind, data in events if kind == "answer-line"]
    citations = [data for kind, data in events if kind == "citation"]
    assert kinds == ["status"] + ["delta"] * len(deltas) + ["answer-line"] * len(lines) + [
        "citation"
    ] * len(citations) + ["done"]
    assert "".join(deltas).strip() == "\n".join(lines)  # the pieces as written are the answer
    assert any("0,35" in line for line in lines)
    assert citations and citations[0]["number"] == 1
    done = events[-1][1]
    assert (done["found"], done["mode"], done["citations"]) == (True, "extractive", len(citations))
    assert any("neuere Fassung" in note for note in done["notes"])
    assert [e["stream"] for e in api.events("question.asked")] == [True]
    assert len(api.events("answer.given")) == 1


# --- sources, sync --------------------------------------------------------------------
def test_add_source_sync_in_background_poll_and_remove(api: Api, tmp_path: Path) -> None:
    headers = api.token(ADMIN, "sources", "sync")
    folder = tmp_path / "handbuch"
    folder.mkdir()
    (folder / "Urlaub.md").write_text(
        "# Urlaub\n\nDer Urlaubsantrag geht zwei Wochen vorher an die Teamleitung.\n",
        encoding="utf-8",
    )
    body = {"name": "handbuch", "folder": str(folder), "acl_map": "path_prefix,groups\n,*\n"}
    added = api.client.post("/api/v1/sources", json=body, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json()["acl_mode"] == "acl_map"
    again = api.client.post("/api/v1/sources", json=body, headers=headers)
    assert again.status_code == 409
    assert error_of(again)["code"] == "source_exists"

    started = api.client.post("/api/v1/sync", json={"source": "handbuch"}, headers=headers)
    assert started.status_code == 202, started.text
    run_id = started.json()["run"]["id"]
    url = started.json()["progress_url"]
    assert url == f"/api/v1/sync/runs/{run_id}"
    deadline = time.monotonic() + 20
    while True:
        run = api.client.get(url, headers=headers).json()
        if run["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert run["status"] == "completed", run
    assert run["counts"]["added"] == 1

    anna = api.token("anna", "search")
    hits = api.client.get("/api/v1/search", params={"q": "Urlaubsantrag"}, headers=anna)
    assert [h["path"] for h in hits.json()["hits"]] == ["Urlaub.md"]

    listed = api.client.get("/api/v1/sources", headers=headers).json()
    assert {s["name"] for s in listed} == {"share", "handbuch"}
    removed = api.client.delete("/api/v1/sources/handbuch", headers=headers)
    assert removed.status_code == 204
    assert api.client.delete("/api/v1/sources/handbuch", headers=headers).status_code == 404
    unknown = api.client.post("/api/v1/sync", json={"source": "handbuch"}, headers=headers)
    assert error_of(unknown)["code"] == "source_not_found"

    for kind in ("admin.source.added", "admin.sync.started", "admin.source.removed"):
        [event] = api.events(kind)
        assert (event["actor"], event["via"], event["object"]) == (
            ADMIN,
            "api",
            "source:handbuch",
        )


def test_bad_acl_map_and_missing_folder_are_422(api: Api, tmp_path: Path) -> None:
    headers = api.token(ADMIN, "sources")
    bad_map = {"name": "x", "folder": str(tmp_path), "acl_map": "nope\n"}
    response = api.client.post("/api/v1/sources", json=bad_map, headers=headers)
    assert response.status_code == 422
    assert "path_prefix,groups" in error_of(response)["message"]
    missing = {"name": "x", "folder": str(tmp_path / "nowhere")}
    response = api.client.post("/api/v1/sources", json=missing, headers=headers)
    assert response.status_code == 422
    assert "does not exist" in error_of(response)["message"]


# --- users and tokens -----------------------------------------------------------------
def test_users_create_list_deactivate(api: Api) -> None:
    headers = api.token(ADMIN, "users")
    new = {"name": "ben", "password": "Ein-langes-Passwort-2025", "groups": ["technik"]}
    created = api.client.post("/api/v1/users", json=new, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "member"
    duplicate = api.client.post("/api/v1/users", json=new, headers=headers)
    assert duplicate.status_code == 409
    assert error_of(duplicate)["code"] == "user_exists"
    short = api.client.post(
        "/api/v1/users", json={"name": "kurt", "password": "kurz"}, headers=headers
    )
    assert short.status_code == 422
    assert error_of(short)["code"] == "password_too_short"

    names = {u["name"] for u in api.client.get("/api/v1/users", headers=headers).json()}
    assert {"admin", "anna", "mia", "ben"} <= names

    ben = api.token("ben", "search")
    assert api.client.get("/api/v1/search", params={"q": "x"}, headers=ben).status_code == 200
    deactivated = api.client.post("/api/v1/users/ben/deactivate", headers=headers)
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert api.client.get("/api/v1/search", params={"q": "x"}, headers=ben).status_code == 401

    last_admin = api.client.post(f"/api/v1/users/{ADMIN}/deactivate", headers=headers)
    assert last_admin.status_code == 409
    assert error_of(last_admin)["code"] == "last_admin"
    unknown = api.client.post("/api/v1/users/nobody/deactivate", headers=headers)
    assert unknown.status_code == 404

    [event] = api.events("admin.user.created")
    assert (event["actor"], event["object"], event["via"]) == (ADMIN, "user:ben", "api")
    [event] = api.events("admin.user.deactivated")
    assert event["object"] == "user:ben"


def test_own_tokens_list_create_revoke(api: Api) -> None:
    headers = api.token("anna", "search", "ask")
    create = {"label": "script", "scopes": ["search"]}
    created = api.client.post("/api/v1/tokens", json=create, headers=headers)
    assert created.status_code == 201, created.text
    new_token = created.json()["token"]
    assert new_token.startswith("ww_")
    assert created.json()["info"]["scopes"] == ["search"]
    new_headers = {"Authorization": f"Bearer {new_token}"}
    assert api.client.get("/api/v1/search", params={"q": "x"}, headers=new_headers).is_success

    broader = api.client.post(
        "/api/v1/tokens", json={"label": "more", "scopes": ["documents"]}, headers=headers
    )
    assert broader.status_code == 403
    assert error_of(broader)["code"] == "insufficient_scope"

    listed = api.client.get("/api/v1/tokens", headers=headers).json()
    assert sorted(t["label"] for t in listed) == ["script", "test anna"]
    assert all(new_token not in json.dumps(t) for t in listed)

    mia_headers = api.token("mia", "search")
    mias = api.client.get("/api/v1/tokens", headers=mia_headers).json()
    other = api.client.delete(f"/api/v1/tokens/{mias[0]['id']}", headers=headers)
    assert other.status_code == 404

    token_id = created.json()["info"]["id"]
    assert api.client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    assert api.client.get("/api/v1/search", params={"q": "x"}, headers=new_headers).status_code == (
        401
    )
    assert [e["label"] for e in api.events("admin.token.created")] == ["script"]
    assert [e["label"] for e in api.events("admin.token.revoked")] == ["script"]


# --- errors and the description -------------------------------------------------------
def test_invalid_requests_are_422_in_the_api_error_format(api: Api) -> None:
    headers = api.token("anna", "search", "ask")
    response = api.client.get("/api/v1/search", headers=headers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert error["fields"][0]["location"] == ["query", "q"]
    response = api.client.post(
        "/api/v1/ask", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_request"


def test_openapi_describes_every_operation_with_models_and_errors(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    }
    assert set(operations) >= {
        ("POST", "/api/v1/ask"),
        ("GET", "/api/v1/search"),
        ("GET", "/api/v1/documents/{document_id}"),
        ("GET", "/api/v1/documents/{document_id}/text"),
        ("GET", "/api/v1/documents/{document_id}/original"),
        ("GET", "/api/v1/sources"),
        ("POST", "/api/v1/sources"),
        ("DELETE", "/api/v1/sources/{name}"),
        ("POST", "/api/v1/sync"),
        ("GET", "/api/v1/sync/runs/{run_id}"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("POST", "/api/v1/users/{name}/deactivate"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
    }
    error_ref = "#/components/schemas/ErrorResponse"
    for key, op in operations.items():
        assert op["security"] == [{"ApiToken": []}], key
        for status in ("401", "403", "422"):
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": error_ref}, (key, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    ask = operations[("POST", "/api/v1/ask")]["responses"]["200"]["content"]
    assert set(ask) == {"application/json", "text/event-stream"}


def test_docs_page_loads_vendored_swagger_ui_without_inline_script(api: Api) -> None:
    page = api.client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    assert "http" not in page.text.replace('href="/', "").replace('src="/', "")
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert api.client.get(asset).status_code == 200, asset


CHROMIUM = Path("/usr/bin/chromium")
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " in " + event.sourceFile);
});
"""


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    """The app on a real uvicorn server on loopback (the browser needs a socket)."""
    config = uvicorn.Config(api.web.app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_swagger_ui_runs_under_the_content_security_policy(api: Api, served: str) -> None:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    problems: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.add_init_script(CSP_REPORTER)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on(
                "request",
                lambda r: (
                    problems.append(f"external request {r.url}")
                    if not r.url.startswith((served, "data:"))
                    else None
                ),
            )
            page.goto(f"{served}/api/v1/docs")
            page.wait_for_selector(".opblock", timeout=15_000)
            summaries = page.locator(".opblock-summary-path").all_inner_texts()
            assert "/api/v1/ask" in summaries
            assert any("/api/v1/documents/" in s for s in summaries)
        finally:
            browser.close()
    assert problems == []
