"""The audit log page: labels, filters, paging, the chain check and the CSV export, which
is itself recorded."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import warnings
from datetime import date, timedelta

from tests.web.conftest import ADMIN, Web, csrf_of, login
from wissenswerk.audit import AuditFilter

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ROW = re.compile(r"<tr>\s*<td class=\"nowrap\">.*?</tr>", re.S)


def rows(html: str) -> list[list[str]]:
    """The cells of the audit table as text, newest first."""
    out = []
    for row in ROW.findall(html):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return out


def make_history(web: Web, admin_client: TestClient) -> None:
    """A failed login of a stranger, and admin actions on two users."""
    with TestClient(web.app, follow_redirects=False) as stranger:
        assert login(stranger, "mallory", "rate-mal-das-passwort").status_code == 401
    for name in ("bob", "carla"):
        page = admin_client.get("/admin/users").text
        response = admin_client.post(
            "/admin/users",
            data={
                "csrf_token": csrf_of(page),
                "name": name,
                "password": "Ein-langes-Passwort-2025",
                "role": "member",
            },
        )
        assert response.status_code == 303


def test_the_table_shows_who_did_what_with_labels(web: Web, admin_client: TestClient) -> None:
    make_history(web, admin_client)
    table = rows(admin_client.get("/admin/audit").text)
    time, user, kind, obj, outcome, ip, _details = table[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", time)
    assert (user, kind, obj, outcome, ip) == (
        ADMIN,
        "Benutzer angelegt",
        "user:carla",
        "erfolgreich",
        "testclient",
    )
    [stranger] = [r for r in table if r[1] == "mallory"]
    assert stranger[2] == "Anmeldung fehlgeschlagen"
    token = csrf_of(admin_client.get("/admin/audit").text)
    admin_client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    english = rows(admin_client.get("/admin/audit").text)
    assert english[0][2] == "User created" and english[0][4] == "success"


def test_filters(web: Web, admin_client: TestClient) -> None:
    make_history(web, admin_client)
    by_user = rows(admin_client.get("/admin/audit?actor=mallory").text)
    assert [r[1] for r in by_user] == ["mallory"]
    logins = rows(admin_client.get("/admin/audit?kind=login.").text)
    assert logins and all(r[2].startswith("Anmeldung") for r in logins)
    assert {r[1] for r in logins} == {ADMIN, "mallory"}
    one_kind = rows(admin_client.get("/admin/audit?kind=admin.user.created").text)
    assert [r[3] for r in one_kind] == ["user:carla", "user:bob"]
    by_object = rows(admin_client.get("/admin/audit?object=BOB").text)
    assert [r[3] for r in by_object] == ["user:bob"]
    page = admin_client.get("/admin/audit?kind=admin.&outcome=success&object=user%3A").text
    assert '<option value="admin." selected>Verwaltung</option>' in page
    assert "2 Einträge" in page

    today = date.today()
    assert len(rows(admin_client.get(f"/admin/audit?since={today}&until={today}").text)) > 3
    yesterday = today - timedelta(days=1)
    before = admin_client.get(f"/admin/audit?until={yesterday}").text
    assert rows(before) == [] and "Keine Einträge für diesen Filter." in before
    wrong = admin_client.get("/admin/audit?since=31.12.2024").text
    assert "Ein Datum ist ungültig" in wrong and len(rows(wrong)) > 3
    reversed_range = admin_client.get(f"/admin/audit?since={today}&until={yesterday}").text
    assert "Das Von-Datum liegt nach dem Bis-Datum" in reversed_range


def test_pages_of_fifty(web: Web, admin_client: TestClient) -> None:
    for n in range(60):
        web.ww.audit.record("search.performed", "anna", object=f"query:{n}", outcome="success")
    first = admin_client.get("/admin/audit?actor=anna").text
    assert "60 Einträge" in first and "Seite 1 von 2" in first
    assert [r[3] for r in rows(first)][:2] == ["query:59", "query:58"]
    assert len(rows(first)) == 50
    assert 'href="/admin/audit?actor=anna&amp;page=2" rel="next"' in first
    second = admin_client.get("/admin/audit?actor=anna&page=2").text
    assert [r[3] for r in rows(second)] == [f"query:{n}" for n in range(9, -1, -1)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    beyond = admin_client.get("/admin/audit?actor=anna&page=9").text
    assert "Seite 2 von 2" in beyond


def test_csv_export_of_the_filtered_view_is_itself_audited(
    web: Web, admin_client: TestClient
) -> None:
    make_history(web, admin_client)
    page = admin_client.get("/admin/audit?kind=admin.user.created").text
    assert 'href="/admin/audit/export.csv?kind=admin.user.created"' in page
    response = admin_client.get("/admin/audit/export.csv?kind=admin.user.created")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffid;time;actor;kind;object;outcome;ip;details;hash\r\n")
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert [(r[2], r[3], r[4]) for r in table[1:]] == [
        (ADMIN, "admin.user.created", "user:bob"),
        (ADMIN, "admin.user.created", "user:carla"),
    ]
    [exported] = web.ww.audit.events(AuditFilter(kind="audit.exported"))
    assert (exported.actor, exported.ip, exported.outcome) == (ADMIN, "testclient", "success")
    assert exported.payload == {"filter": {"kind": "admin.user.created"}}


def test_verify_the_chain(web: Web, admin_client: TestClient) -> None:
    make_history(web, admin_client)
    ok = admin_client.get("/admin/audit?verify=1&actor=admin").text
    assert re.search(r'id="chain-result">Die Protokollkette ist unversehrt: \d+ Einträge', ok)
    assert 'value="admin"' in ok  # the filter stays
    # Someone edits a record behind the application's back (the triggers are dropped first).
    with sqlite3.connect(web.ww.settings.data_dir / "wissenswerk.db") as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE events SET actor = 'niemand' WHERE actor = 'mallory'")
    broken = admin_client.get("/admin/audit?verify=1").text
    assert "Die Protokollkette ist bei Eintrag" in broken and "unterbrochen" in broken
