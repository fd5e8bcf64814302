"""Users and groups in the administration: create, import, role, profile, password, MFA
reset, deactivate. Each change is in the audit log with actor, object and address."""

from __future__ import annotations

import re
import warnings
from typing import Any

from tests.conftest import USERS
from tests.web.conftest import ADMIN, Web, csrf_of, enrol_mfa, login
from tests.web.test_admin_access import PASSWORD, signed_in
from wissenswerk.audit import AuditFilter

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


def post(client: TestClient, page: str, action: str, **data: str) -> Any:
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).text), **data})


def records(web: Web, kind: str, object: str | None = None) -> list[Any]:
    return web.ww.audit.events(AuditFilter(kind=kind, object=object))


def create(client: TestClient, name: str, **fields: str) -> Any:
    data = {"name": name, "password": PASSWORD, "role": "member", "groups": "", **fields}
    return post(client, "/admin/users", "/admin/users", **data)


def test_the_list_shows_what_an_admin_needs(web: Web, admin_client: TestClient) -> None:
    create(admin_client, "bob", display_name="Bob Baumann", groups="technik; mitarbeiter")
    web.ww.store.upsert_user("dora", ["vertrieb"], True, "directory")
    page = admin_client.get("/admin/users").text
    row = re.search(r"<tr>\s*<td><a href=\"/admin/users/bob\">bob</a>.*?</tr>", page, re.S)
    assert row, page
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert cells[1:] == ["Bob Baumann", "Mitglied", "mitarbeiter, technik", "lokal", "aus", "ja"]
    assert "Verzeichnis (LDAP/AD)" in page and "vertrieb" in page


def test_create_a_local_user(web: Web, admin_client: TestClient) -> None:
    response = create(admin_client, "bob", role="editor", groups="technik, mitarbeiter")
    assert response.headers["location"] == "/admin/users/bob?notice=user_created"
    account = web.ww.store.get_account("bob")
    assert account is not None and account.role == "editor" and account.has_password
    assert account.groups == ("mitarbeiter", "technik")
    [record] = records(web, "admin.user.created")
    assert (record.actor, record.object, record.outcome, record.ip) == (
        ADMIN,
        "user:bob",
        "success",
        "testclient",
    )
    assert record.payload["role"] == "editor" and PASSWORD not in str(record.payload)
    with TestClient(web.app, follow_redirects=False) as bob:
        assert login(bob, "bob", PASSWORD).status_code == 303


def test_create_refuses_bad_input_in_german(web: Web, admin_client: TestClient) -> None:
    short = create(admin_client, "bob", password="kurz")
    assert short.status_code == 400 and "mindestens 12 Zeichen" in short.text
    assert 'value="bob"' in short.text  # the form keeps what was typed
    create(admin_client, "bob")
    taken = create(admin_client, "bob")
    assert taken.status_code == 400 and "gibt es bereits" in taken.text
    role = create(admin_client, "carl", role="chef")
    assert role.status_code == 400 and "Diese Rolle gibt es nicht" in role.text
    assert len(records(web, "admin.user.created")) == 1


def test_import_users_from_csv(web: Web, admin_client: TestClient) -> None:
    create(admin_client, "anna", groups="alt")
    response = post(admin_client, "/admin/users", "/admin/users/import", csv_text=USERS)
    assert response.status_code == 200
    assert "3 Benutzer importiert" in response.text
    assert re.search(
        r"<strong>anna</strong> – mitarbeiter, technik\s*\(aktualisiert\)", response.text
    )
    assert re.search(r"<strong>chef</strong> – .*geschaeftsfuehrung.*\s*\(neu\)", response.text)
    chef = web.ww.store.get_account("chef")
    assert chef is not None and chef.role == "member" and not chef.has_password
    assert {r.object for r in records(web, "admin.user.created")} >= {"user:mia", "user:chef"}
    [updated] = records(web, "admin.user.updated", "user:anna")
    assert updated.payload == {"groups": ["mitarbeiter", "technik"], "via": "csv_import"}

    # The same list as an uploaded file, with the BOM Excel writes.
    token = csrf_of(admin_client.get("/admin/users").text)
    upload = {
        "csv_file": ("users.csv", ("\ufeff" + "user,groups\nzoe,einkauf\n").encode(), "text/csv")
    }
    uploaded = admin_client.post("/admin/users/import", data={"csrf_token": token}, files=upload)
    assert "1 Benutzer importiert" in uploaded.text
    zoe = web.ww.store.get_user("zoe")
    assert zoe is not None and zoe.groups == ("einkauf",)


def test_a_broken_csv_is_reported_and_imports_nothing(web: Web, admin_client: TestClient) -> None:
    response = post(
        admin_client, "/admin/users", "/admin/users/import", csv_text="name;gruppen\nx;y\n"
    )
    assert response.status_code == 400
    assert "Die Liste wurde nicht importiert" in response.text and "user,groups" in response.text
    assert web.ww.store.get_user("x") is None


def test_change_role_profile_and_groups(web: Web, admin_client: TestClient) -> None:
    create(admin_client, "bob", groups="technik")
    response = post(admin_client, "/admin/users/bob", "/admin/users/bob/role", role="admin")
    assert response.headers["location"] == "/admin/users/bob?notice=role_changed"
    account = web.ww.store.get_account("bob")
    assert account is not None and account.role == "admin"
    [changed] = records(web, "admin.role.changed")
    assert (changed.object, changed.payload) == ("user:bob", {"old": "member", "new": "admin"})

    response = post(
        admin_client,
        "/admin/users/bob",
        "/admin/users/bob/profile",
        display_name="Bob Baumann",
        email="bob@firma.de",
        groups="technik; einkauf",
    )
    assert response.headers["location"] == "/admin/users/bob?notice=user_updated"
    account = web.ww.store.get_account("bob")
    assert account is not None
    assert (account.display_name, account.email) == ("Bob Baumann", "bob@firma.de")
    assert account.groups == ("einkauf", "technik") and account.role == "admin"
    [updated] = records(web, "admin.user.updated", "user:bob")
    assert updated.payload["groups"] == ["einkauf", "technik"]


def test_set_a_new_password(web: Web, admin_client: TestClient) -> None:
    bob = signed_in(web, "bob", "member")
    new = "Neues-Passwort-fuer-Bob-42"
    differ = post(
        admin_client,
        "/admin/users/bob",
        "/admin/users/bob/password",
        password=new,
        password_repeat=new + "x",
    )
    assert differ.status_code == 400 and "stimmen nicht überein" in differ.text
    response = post(
        admin_client,
        "/admin/users/bob",
        "/admin/users/bob/password",
        password=new,
        password_repeat=new,
    )
    assert response.headers["location"] == "/admin/users/bob?notice=password_set"
    assert bob.get("/").status_code == 303  # bob's sessions ended
    with TestClient(web.app, follow_redirects=False) as browser:
        assert login(browser, "bob", PASSWORD).status_code == 401
        assert login(browser, "bob", new).status_code == 303
    [record] = records(web, "admin.user.updated", "user:bob")
    assert record.payload == {"change": "password"} and new not in str(record.payload)
    # The admin's own password: this session stays signed in.
    own = post(
        admin_client,
        "/admin/users/admin",
        "/admin/users/admin/password",
        password=new,
        password_repeat=new,
    )
    assert own.status_code == 303 and admin_client.get("/admin/users").status_code == 200


def test_reset_mfa(web: Web, admin_client: TestClient) -> None:
    bob = signed_in(web, "bob", "member")
    enrol_mfa(bob)
    account = web.ww.store.get_account("bob")
    assert account is not None and account.mfa_enabled
    page = admin_client.get("/admin/users/bob").text
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page
    response = post(admin_client, "/admin/users/bob", "/admin/users/bob/mfa-reset")
    assert response.headers["location"] == "/admin/users/bob?notice=mfa_reset"
    account = web.ww.store.get_account("bob")
    assert account is not None and not account.mfa_enabled
    assert bob.get("/").status_code == 303  # the sessions ended with the reset
    [record] = records(web, "mfa.reset")
    assert (record.actor, record.object, record.payload) == (ADMIN, "user:bob", {"had_mfa": True})


def test_deactivate_and_reactivate(web: Web, admin_client: TestClient) -> None:
    bob = signed_in(web, "bob", "member")
    token, _ = web.app.state.web.accounts.create_api_token("bob", "Skript", ["search"])
    response = post(admin_client, "/admin/users/bob", "/admin/users/bob/deactivate")
    assert response.headers["location"] == "/admin/users/bob?notice=user_deactivated"
    account = web.ww.store.get_account("bob")
    assert account is not None and not account.active
    assert bob.get("/").status_code == 303
    assert web.app.state.web.accounts.verify_api_token(token) is None
    [record] = records(web, "admin.user.deactivated")
    assert (record.actor, record.object, record.ip) == (ADMIN, "user:bob", "testclient")

    post(admin_client, "/admin/users/bob", "/admin/users/bob/activate")
    account = web.ww.store.get_account("bob")
    assert account is not None and account.active
    assert records(web, "admin.user.updated", "user:bob")[0].payload == {"change": "activated"}


def test_guards_against_locking_out_the_administration(web: Web, admin_client: TestClient) -> None:
    demote = post(admin_client, "/admin/users/admin", "/admin/users/admin/role", role="member")
    assert demote.status_code == 400 and "das letzte Administrationskonto" in demote.text
    deactivate = post(admin_client, "/admin/users/admin", "/admin/users/admin/deactivate")
    assert deactivate.status_code == 400
    assert "eigenes Konto nicht deaktivieren" in deactivate.text
    account = web.ww.store.get_account(ADMIN)
    assert account is not None and account.active and account.role == "admin"
    assert records(web, "admin.") == []  # refused actions change nothing
    # Unknown users are a plain 404.
    assert admin_client.get("/admin/users/niemand").status_code == 404
    response = post(admin_client, "/admin/users", "/admin/users/niemand/role", role="admin")
    assert response.status_code == 404
