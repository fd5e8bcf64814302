"""Security headers on pages, redirects, errors and static files; cookie flags; TLS detection
behind a proxy only when the settings trust it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_app
from tests.web.conftest import ADMIN, ADMIN_PASSWORD, Web, login, set_up_admin
from wissenswerk.web import create_app

CSP_DIRECTIVES = {
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    for name, value in CSP_DIRECTIVES.items():
        assert directives.get(name) == value, (
            f"{response.url}: CSP {name} is {directives.get(name)}"
        )
    assert directives.get("default-src") == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") == "no-referrer"
    assert "camera=()" in response.headers.get("permissions-policy", "")
    assert response.headers.get("x-frame-options") == "DENY"


def test_headers_on_pages_redirects_errors_and_static_files(admin_client: TestClient) -> None:
    responses = [
        admin_client.get("/"),
        admin_client.get("/login"),  # redirect for a signed-in user
        admin_client.get("/does-not-exist"),
        admin_client.post("/logout"),  # refused: no CSRF token
        admin_client.get("/static/app.css"),
        admin_client.get("/static/app.js"),
        admin_client.get("/static/missing.css"),
    ]
    assert [r.status_code for r in responses] == [200, 303, 404, 403, 200, 200, 404]
    for response in responses:
        assert_security_headers(response)
    assert responses[0].headers["cache-control"] == "no-store"
    assert "no-store" not in responses[4].headers.get("cache-control", "")


def test_error_pages_are_translated_pages(admin_client: TestClient) -> None:
    missing = admin_client.get("/nirgendwo")
    assert missing.status_code == 404
    assert "Seite nicht gefunden" in missing.text and 'href="/static/app.css' in missing.text
    admin_client.cookies.set("wissenswerk_lang", "en", domain="testserver.local")
    assert "Page not found" in admin_client.get("/nirgendwo").text


def test_an_unexpected_error_gives_the_500_page_with_headers(web: Web) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    web.app.add_api_route("/broken", broken, include_in_schema=False)
    with TestClient(web.app, raise_server_exceptions=False, follow_redirects=False) as client:
        set_up_admin(client)  # else the first-run gate answers before the route
        response = client.get("/broken")
    assert response.status_code == 500
    assert "Interner Fehler" in response.text and "boom" not in response.text
    assert_security_headers(response)


def test_forbidden_role_gives_403_and_an_audit_record(web: Web, admin_client: TestClient) -> None:
    from fastapi import Depends

    from tests.web.conftest import audit_events
    from wissenswerk.web.deps import require_role

    def editors_only(user: object = Depends(require_role("editor"))) -> dict[str, str]:
        return {"ok": "yes"}

    web.app.add_api_route("/redaktion", editors_only, include_in_schema=False)
    web.app.add_api_route("/api/v1/redaktion", editors_only, include_in_schema=False)
    page = admin_client.get("/redaktion")
    assert page.status_code == 403 and "Zugriff verweigert" in page.text
    api = admin_client.get("/api/v1/redaktion")
    assert api.status_code == 403 and "error" in api.json()
    assert ("access.denied", ADMIN) in audit_events(web)


def test_api_paths_answer_401_json_when_signed_out(web: Web, client: TestClient) -> None:
    from fastapi import Depends

    from wissenswerk.web.deps import current_user

    def me(user: object = Depends(current_user)) -> dict[str, str]:
        return {"ok": "yes"}

    web.app.add_api_route("/api/v1/me", me)
    set_up_admin(client)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]
    assert_security_headers(response)


def _cookie_attributes(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.lower()
    raise AssertionError(f"no {name} cookie set")


def test_cookies_are_httponly_and_samesite_lax_without_secure_over_http(client: TestClient) -> None:
    form = _cookie_attributes(client.get("/setup"), "wissenswerk_csrf").split("; ")
    assert {"httponly", "samesite=lax"} <= set(form) and "secure" not in form
    set_up_admin(client)
    response = login(client, ADMIN, ADMIN_PASSWORD)
    attributes = _cookie_attributes(response, "wissenswerk_session")
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes


def test_cookies_are_secure_over_https(web: Web) -> None:
    with TestClient(web.app, base_url="https://testserver", follow_redirects=False) as client:
        first = client.get("/setup")
        assert "secure" in _cookie_attributes(first, "wissenswerk_csrf").split("; ")
        assert first.headers["strict-transport-security"].startswith("max-age=")
        set_up_admin(client)
        response = login(client, ADMIN, ADMIN_PASSWORD)
        attributes = _cookie_attributes(response, "wissenswerk_session").split("; ")
        assert {"httponly", "samesite=lax", "secure"} <= set(attributes)


@pytest.mark.parametrize("trust_proxy", [False, True])
def test_forwarded_proto_counts_only_with_a_trusted_proxy(
    tmp_path: Path, trust_proxy: bool
) -> None:
    ww = make_app(tmp_path / "data")
    ww.settings.web.trust_proxy = trust_proxy
    try:
        with TestClient(create_app(ww), follow_redirects=False) as client:
            response = client.get("/setup", headers={"X-Forwarded-Proto": "https"})
        attributes = _cookie_attributes(response, "wissenswerk_csrf").split("; ")
        assert ("secure" in attributes) is trust_proxy
        assert ("strict-transport-security" in response.headers) is trust_proxy
    finally:
        ww.close()
