"""Every state-changing route refuses a request without the form's token, or with a wrong
one. The routes are enumerated from the app, so routes added later are covered too."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.web.conftest import Web, csrf_of
from wissenswerk.web import create_app

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(web: Web) -> list[tuple[str, str]]:
    routes = []
    for route in iter_route_contexts(web.app.routes):
        for method in sorted((route.methods or set()) & UNSAFE):
            # Path parameters get a plausible value; the token check comes first anyway.
            routes.append((method, re.sub(r"\{[^}]+\}", "1", route.path or "")))
    return routes


def test_the_app_has_state_changing_routes_to_check(web: Web) -> None:
    found = {path for _method, path in _unsafe_routes(web)}
    assert {"/setup", "/login", "/login/mfa", "/mfa/enrol", "/logout", "/language"} <= found


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_every_unsafe_route_refuses_a_missing_or_wrong_token(
    web: Web, admin_client: TestClient, token: str | None
) -> None:
    valid = csrf_of(admin_client.get("/").text)
    assert token != valid
    for method, path in _unsafe_routes(web):
        data = {"name": "x", "password": "y", "code": "123456", "language": "en"}
        if token is not None:
            data["csrf_token"] = token
        response = admin_client.request(method, path, data=data)
        if path.startswith(("/api/v1/", "/v1/", "/mcp")):
            # The REST API ignores cookies and needs a bearer token, so a browser's session
            # cookie (what CSRF abuses) gets nowhere.
            assert response.status_code == 401, f"{method} {path} accepted a session cookie"
            assert response.json()["error"]["code"] == "missing_token"
            continue
        assert response.status_code == 403, f"{method} {path} accepted a request without CSRF"
        assert "Sicherheitsprüfung" in response.text, f"{method} {path}"
        # A JSON body with a wrong header token is refused just the same.
        response = admin_client.request(
            method, path, json={"x": 1}, headers={"X-CSRF-Token": token or "nope"}
        )
        assert response.status_code == 403, f"{method} {path} accepted JSON without CSRF"
    assert admin_client.get("/").status_code == 200  # still signed in: nothing was changed


def test_the_token_of_another_session_is_refused(web: Web, admin_client: TestClient) -> None:
    mine = csrf_of(admin_client.get("/").text)
    with TestClient(create_app(web.ww), follow_redirects=False) as other:
        theirs = csrf_of(other.get("/login").text)
    assert theirs != mine
    response = admin_client.post("/logout", data={"csrf_token": theirs})
    assert response.status_code == 403
    assert admin_client.get("/").status_code == 200


def test_the_right_token_is_accepted(admin_client: TestClient) -> None:
    token = csrf_of(admin_client.get("/").text)
    response = admin_client.post(
        "/language", data={"csrf_token": token, "language": "en", "next": "/"}
    )
    assert response.status_code == 303
    header = admin_client.post(
        "/language", data={"language": "de", "next": "/"}, headers={"X-CSRF-Token": token}
    )
    assert header.status_code == 303


def test_forms_before_login_use_the_form_cookie(client: TestClient) -> None:
    page = client.get("/setup")
    token = csrf_of(page.text)
    assert client.cookies.get("wissenswerk_csrf") == token
    # The cookie alone is not enough: the form field must match it (double submit).
    refused = client.post("/setup", data={"name": "a", "password": "b", "password_repeat": "b"})
    assert refused.status_code == 403
