"""Who may open the administration: admins everything, editors only the sources, members
nothing. The routes are enumerated from the app, so routes added later are covered too."""

from __future__ import annotations

import re
import warnings

from fastapi.routing import iter_route_contexts

from tests.web.conftest import Web, audit_events, csrf_of, login

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "Gabelstapler-fahren-2025"
# Sample values for path parameters: a source, a user and a token id that need not exist,
# since the role check comes before any lookup.
PARAMS = {"name": "share", "token_id": "1"}
SOURCE_PATHS = re.compile(r"^/admin(/sources(/.*)?)?$")


def signed_in(web: Web, name: str, role: str) -> TestClient:
    """A second browser, signed in as a new local user with ``role`` (no MFA)."""
    web.app.state.web.accounts.create_user(name, PASSWORD, role=role, groups=["mitarbeiter"])
    browser = TestClient(web.app, base_url="http://testserver", follow_redirects=False)
    response = login(browser, name, PASSWORD)
    assert response.status_code == 303, response.text
    return browser


def admin_routes(web: Web) -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for route in iter_route_contexts(web.app.routes):
        path = route.path or ""
        if path != "/admin" and not path.startswith("/admin/"):
            continue
        concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m.group(1), "anna"), path)
        routes.extend((method, concrete) for method in sorted(route.methods or ()))
    return routes


def test_the_administration_has_its_routes(web: Web) -> None:
    paths = {path for _method, path in admin_routes(web)}
    assert len(paths) >= 20
    for expected in ("/admin", "/admin/sources", "/admin/users", "/admin/tokens"):
        assert expected in paths
    assert {"/admin/settings", "/admin/audit", "/admin/audit/export.csv"} <= paths


def _request(browser: TestClient, token: str, method: str, path: str) -> int:
    data = {"csrf_token": token} if method != "GET" else None
    return browser.request(method, path, data=data).status_code


def test_a_member_is_refused_everywhere(web: Web, admin_client: TestClient) -> None:
    member = signed_in(web, "mia", "member")
    token = csrf_of(member.get("/").text)  # a valid form token: the role check must refuse
    before = len(audit_events(web))
    routes = admin_routes(web)
    for method, path in routes:
        response = member.request(method, path, data={"csrf_token": token})
        assert response.status_code == 403, f"{method} {path}"
        assert "Berechtigungen" in response.text and "Sicherheitsprüfung" not in response.text
    denials = [e for e in audit_events(web)[before:] if e == ("access.denied", "mia")]
    assert len(denials) == len(routes)
    assert "/admin" not in re.findall(r'href="([^"]+)"', member.get("/").text)


def test_an_editor_sees_only_the_sources(web: Web, admin_client: TestClient) -> None:
    editor = signed_in(web, "eddi", "editor")
    token = csrf_of(editor.get("/").text)
    for method, path in admin_routes(web):
        status = _request(editor, token, method, path)
        if SOURCE_PATHS.match(path):
            assert status != 403, f"{method} {path}"
        else:
            assert status == 403, f"{method} {path}"
    assert editor.get("/admin").headers["location"] == "/admin/sources"
    page = editor.get("/admin/sources").text
    tabs = re.findall(r'<nav class="admin-tabs".*?</nav>', page, re.S)[0]
    assert "/admin/sources" in tabs and "/admin/users" not in tabs and "/admin/audit" not in tabs


def test_an_admin_opens_every_section(admin_client: TestClient) -> None:
    for path in ("/admin/sources", "/admin/users", "/admin/tokens", "/admin/settings"):
        page = admin_client.get(path)
        assert page.status_code == 200, path
        assert f'<li><a href="{path}" aria-current="page">' in page.text
        assert re.search(r'<a href="/admin"[^>]*>Verwaltung</a>', page.text)
    assert admin_client.get("/admin/audit").status_code == 200


def test_signed_out_visitors_go_to_the_login(web: Web, admin_client: TestClient) -> None:
    with TestClient(web.app, follow_redirects=False) as stranger:
        for path in ("/admin", "/admin/users", "/admin/audit/export.csv"):
            response = stranger.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")
