"""First-run setup, password login, lockout, logout: the flows a person sees."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    Web,
    audit_events,
    csrf_of,
    login,
    plant_session,
    post_form,
    session_cookie,
    set_up_admin,
)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_first_run_leads_everywhere_to_setup(client: TestClient) -> None:
    for path in ("/", "/login", "/login/mfa", "/mfa/enrol"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert "Ersteinrichtung" in page.text
    assert 'autocomplete="new-password"' in page.text


def test_setup_refuses_mismatched_and_short_passwords(client: TestClient) -> None:
    response = post_form(
        client, "/setup", "/setup", {"name": ADMIN, "password": "a" * 20, "password_repeat": "b"}
    )
    assert response.status_code == 400
    assert "stimmen nicht überein" in response.text
    response = post_form(
        client, "/setup", "/setup", {"name": ADMIN, "password": "kurz", "password_repeat": "kurz"}
    )
    assert response.status_code == 400
    assert "mindestens 12 Zeichen" in response.text
    assert client.get("/").headers["location"] == "/setup"  # still no admin


def test_setup_creates_the_admin_once(web: Web, client: TestClient) -> None:
    set_up_admin(client)
    admin = web.ww.store.get_account(ADMIN)
    assert admin is not None and admin.role == "admin"
    # /setup is gone: the page redirects to the login, a second submission is refused.
    assert client.get("/setup").headers["location"] == "/login"
    token = csrf_of(client.get("/login").text)
    again = client.post(
        "/setup",
        data={
            "csrf_token": token,
            "name": "mallory",
            "password": "x" * 16,
            "password_repeat": "x" * 16,
        },
    )
    assert again.status_code == 403
    assert web.ww.store.get_account("mallory") is None
    assert "angelegt" in client.get("/login?created=1").text


def test_login_with_the_right_password_opens_the_home_page(web: Web, client: TestClient) -> None:
    set_up_admin(client)
    response = login(client, ADMIN, ADMIN_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert f"Willkommen, {ADMIN}" in home.text
    assert ("login.success", ADMIN) in audit_events(web)


def test_wrong_password_shows_german_error_without_revealing_the_user(
    web: Web, client: TestClient
) -> None:
    set_up_admin(client)
    wrong = login(client, ADMIN, "falsches-passwort-123")
    unknown = login(client, "niemand", "falsches-passwort-123")
    assert wrong.status_code == unknown.status_code == 401
    assert "Benutzername oder Passwort ist falsch" in wrong.text
    # Same page for both, apart from the name typed back into the field.
    assert _without_tokens(wrong.text).replace(ADMIN, "X") == _without_tokens(unknown.text).replace(
        "niemand", "X"
    )
    assert client.get("/").status_code == 303  # not signed in
    assert [e for e in audit_events(web) if e[0] == "login.failure"] == [
        ("login.failure", ADMIN),
        ("login.failure", "niemand"),
    ]


def test_login_redirects_back_to_a_local_page_only(client: TestClient) -> None:
    set_up_admin(client)
    first = client.get("/mfa/enrol")  # needs a login
    assert first.headers["location"].startswith("/login")
    for target, expected in (
        ("/login?next=%2Fmfa%2Fenrol", "/mfa/enrol"),
        ("/login?next=https%3A%2F%2Fevil.example", "/"),
        ("/login?next=%2F%2Fevil.example", "/"),
    ):
        client.cookies.clear()
        page = client.get(target).text
        next_value = re.search(r'action="/login".*?name="next" value="([^"]*)"', page, re.S)
        assert next_value
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_of(page),
                "name": ADMIN,
                "password": ADMIN_PASSWORD,
                "next": next_value.group(1),
            },
        )
        assert response.headers["location"] == expected


def test_lockout_after_too_many_wrong_passwords(web: Web, client: TestClient) -> None:
    set_up_admin(client)
    limit = web.ww.settings.accounts.max_failed_logins
    minutes = round(web.ww.settings.accounts.lockout_minutes)
    statuses = [login(client, ADMIN, f"falsch-{i}").status_code for i in range(limit)]
    assert statuses == [401] * limit
    locked = login(client, ADMIN, ADMIN_PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert f"in {minutes} Minuten erneut" in locked.text
    assert client.get("/").status_code == 303
    assert ("login.locked", ADMIN) in audit_events(web)


def test_logout_ends_the_session(web: Web, client: TestClient) -> None:
    set_up_admin(client)
    login(client, ADMIN, ADMIN_PASSWORD)
    old_cookie = session_cookie(client)
    assert old_cookie
    response = post_form(client, "/", "/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?logged_out=1"
    assert "abgemeldet" in client.get("/login?logged_out=1").text
    plant_session(client, old_cookie)
    assert client.get("/").status_code == 303  # the old cookie opens nothing
    assert ("logout", ADMIN) in audit_events(web)
