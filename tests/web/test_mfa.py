"""TOTP enrolment, the second login step, and session fixation: every step up in privilege
issues a new session cookie and the old one stops working."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    SESSION,
    Web,
    audit_events,
    csrf_of,
    enrol_mfa,
    login,
    next_code,
    plant_session,
    post_form,
    session_cookie,
)


def test_enrolment_shows_an_svg_qr_code_and_ten_recovery_codes(
    web: Web, admin_client: TestClient
) -> None:
    page = admin_client.get("/mfa/enrol")
    assert page.status_code == 200
    qr = re.search(r'<div class="qr" role="img" aria-label="[^"]+">(.*?)</div>', page.text, re.S)
    assert qr and qr.group(1).lstrip().startswith("<svg") and "<path" in qr.group(1)
    assert "<script" not in qr.group(1) and "style=" not in qr.group(1)

    secret, codes = enrol_mfa(admin_client)
    assert len(codes) == 10 and len(set(codes)) == 10
    account = web.ww.store.get_account(ADMIN)
    assert account is not None and account.mfa_enabled
    assert ("mfa.enrolled", ADMIN) in audit_events(web)
    # Shown once: the enrolment page now only says MFA is on, with no codes or secret.
    again = admin_client.get("/mfa/enrol")
    assert "bereits aktiv" in again.text
    assert secret not in again.text and not any(code in again.text for code in codes)


def test_enrolment_with_a_wrong_code_changes_nothing(web: Web, admin_client: TestClient) -> None:
    page = admin_client.get("/mfa/enrol").text
    secret = re.search(r'name="secret" value="([A-Z2-7=]+)"', page)
    assert secret
    response = admin_client.post(
        "/mfa/enrol",
        data={"csrf_token": csrf_of(page), "secret": secret.group(1), "code": "000000"},
    )
    assert response.status_code == 400
    assert "Der Code stimmt nicht" in response.text
    account = web.ww.store.get_account(ADMIN)
    assert account is not None and not account.mfa_enabled


def test_login_asks_for_the_code_when_mfa_is_on(web: Web, admin_client: TestClient) -> None:
    secret, codes = enrol_mfa(admin_client)
    post_form(admin_client, "/", "/logout", {})

    response = login(admin_client, ADMIN, ADMIN_PASSWORD)
    assert response.headers["location"] == "/login/mfa"
    # Password alone opens nothing but the code prompt.
    assert admin_client.get("/").headers["location"] == "/login/mfa"
    page = admin_client.get("/login/mfa")
    assert "Bestätigungscode" in page.text

    wrong = admin_client.post(
        "/login/mfa", data={"csrf_token": csrf_of(page.text), "code": "123456"}
    )
    assert wrong.status_code == 401
    assert "ungültig" in wrong.text

    right = admin_client.post(
        "/login/mfa", data={"csrf_token": csrf_of(page.text), "code": next_code(secret)}
    )
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert admin_client.get("/").status_code == 200

    # A recovery code works once, instead of the app's code.
    post_form(admin_client, "/", "/logout", {})
    login(admin_client, ADMIN, ADMIN_PASSWORD)
    used = post_form(admin_client, "/login/mfa", "/login/mfa", {"code": codes[0]})
    assert used.status_code == 303
    post_form(admin_client, "/", "/logout", {})
    login(admin_client, ADMIN, ADMIN_PASSWORD)
    reused = post_form(admin_client, "/login/mfa", "/login/mfa", {"code": codes[0]})
    assert reused.status_code == 401


def test_session_cookie_changes_at_login_and_after_mfa(web: Web, admin_client: TestClient) -> None:
    secret, _codes = enrol_mfa(admin_client)
    post_form(admin_client, "/", "/logout", {})

    # A session token planted before login (here: a real one of an earlier half login).
    login(admin_client, ADMIN, ADMIN_PASSWORD)
    planted = session_cookie(admin_client)
    assert planted

    login(admin_client, ADMIN, ADMIN_PASSWORD)
    after_password = session_cookie(admin_client)
    assert after_password and after_password != planted

    page = admin_client.get("/login/mfa")
    admin_client.post(
        "/login/mfa", data={"csrf_token": csrf_of(page.text), "code": next_code(secret)}
    )
    after_mfa = session_cookie(admin_client)
    assert after_mfa and after_mfa not in (planted, after_password)
    assert admin_client.get("/").status_code == 200

    # Neither earlier cookie opens anything any more.
    for old in (planted, after_password):
        plant_session(admin_client, old)
        assert admin_client.get("/").status_code == 303
        assert admin_client.get("/login/mfa").headers["location"] == "/login"


def test_session_cookie_changes_at_plain_login(admin_client: TestClient) -> None:
    # Signing in again over a live session replaces it.
    before = session_cookie(admin_client)
    post_form(admin_client, "/", "/login", {"name": ADMIN, "password": ADMIN_PASSWORD})
    after = session_cookie(admin_client)
    assert before and after and before != after
    assert admin_client.get("/").status_code == 200
    plant_session(admin_client, before)
    assert admin_client.get("/").status_code == 303

    # A value an attacker chose is never adopted as the session.
    admin_client.cookies.clear()
    admin_client.cookies.set(SESSION, "chosen-by-the-attacker", domain="testserver.local")
    login(admin_client, ADMIN, ADMIN_PASSWORD)
    assert session_cookie(admin_client) not in (None, "chosen-by-the-attacker")
    assert admin_client.get("/").status_code == 200


def test_required_mfa_sends_a_new_user_to_enrolment_first(
    web: Web, admin_client: TestClient
) -> None:
    web.app.state.web.accounts.set_require_mfa(True)
    post_form(admin_client, "/", "/logout", {})
    response = login(admin_client, ADMIN, ADMIN_PASSWORD)
    assert response.headers["location"] == "/mfa/enrol"
    half = session_cookie(admin_client)
    assert admin_client.get("/").headers["location"] == "/mfa/enrol"
    _secret, codes = enrol_mfa(admin_client)
    assert len(codes) == 10
    assert session_cookie(admin_client) != half
    assert admin_client.get("/").status_code == 200
